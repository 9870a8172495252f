#include "store/database.hpp"

#include <charconv>

namespace mcpgate::store::sql {

const Value& Row::at(size_t column) const {
  if (column >= columns_.size())
    throw std::logic_error("column " + std::to_string(column) + " of a row of " + std::to_string(columns_.size()));
  return columns_[column];
}

bool Row::is_null(size_t column) const { return std::holds_alternative<std::monostate>(at(column)); }

int64_t Row::integer(size_t column) const {
  const Value& value = at(column);
  if (const auto* number = std::get_if<int64_t>(&value)) return *number;
  if (const auto* text = std::get_if<std::string>(&value)) {
    int64_t number = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (error == std::errc() && end == text->data() + text->size()) return number;
  }
  throw std::logic_error("column " + std::to_string(column) + " holds no integer");
}

std::string Row::text(size_t column) const {
  const Value& value = at(column);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* number = std::get_if<int64_t>(&value)) return std::to_string(*number);
  return {};
}

std::optional<int64_t> Row::optional_integer(size_t column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<std::string> Row::optional_text(size_t column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Transaction::~Transaction() {
  if (!open_) return;
  // A destructor must not throw. A rollback that fails has nothing left to undo: the database
  // rolls a transaction back itself when a statement or the connection fails.
  try {
    session_.rollback();
  } catch (const Error&) {
  }
}

}  // namespace mcpgate::store::sql
