#pragma once
// What the store's logic needs from a SQL database, so one implementation of every rule runs on
// SQLite and on PostgreSQL alike. Statements are written once, with ?1, ?2, … parameters; a
// back-end translates them where its dialect differs.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/clock.hpp"

namespace mcpgate::store::sql {

// Times are stored as Unix milliseconds.
inline int64_t to_millis(SysTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline SysTime from_millis(int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

// A parameter or a column: NULL, an integer or text.
using Value = std::variant<std::monostate, int64_t, std::string>;

// One result row. Reading a column as the wrong kind is a bug in the statement, not bad data,
// and throws std::logic_error.
class Row {
 public:
  explicit Row(std::vector<Value> columns) : columns_(std::move(columns)) {}
  size_t size() const { return columns_.size(); }
  bool is_null(size_t column) const;
  int64_t integer(size_t column) const;  // text columns holding a number are read too
  std::string text(size_t column) const;
  std::optional<int64_t> optional_integer(size_t column) const;
  std::optional<std::string> optional_text(size_t column) const;

 private:
  const Value& at(size_t column) const;
  std::vector<Value> columns_;
};
using Rows = std::vector<Row>;

// A failure of the database. what() is for the operator's log (it may name the statement);
// public_cause() is fit for a client.
class Error : public std::runtime_error {
 public:
  enum class Kind {
    constraint,  // a UNIQUE, FOREIGN KEY or CHECK rule refused the change: a conflict
    retryable,   // nothing was committed and running the whole unit again may succeed
    ambiguous,   // the connection was lost while committing: the change may or may not be saved
    other,
  };
  Error(Kind kind, const std::string& message, std::string public_cause)
      : std::runtime_error(message), kind_(kind), public_cause_(std::move(public_cause)) {}
  Kind kind() const { return kind_; }
  const std::string& public_cause() const { return public_cause_; }

 private:
  Kind kind_;
  std::string public_cause_;
};

// One connection, for the length of one unit of work.
class Session {
 public:
  virtual ~Session() = default;
  // Runs one statement and returns all its rows (statements that return none: empty).
  virtual Rows query(std::string_view sql, std::span<const Value> parameters) = 0;
  // Runs one statement; the number of rows it inserted, updated or deleted.
  virtual int64_t execute(std::string_view sql, std::span<const Value> parameters) = 0;
  // A transaction, or a savepoint inside the one that is open.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

// begin() … commit(); destroyed without commit() (an early return or an exception), it rolls back.
class Transaction {
 public:
  explicit Transaction(Session& session) : session_(session) { session_.begin(); }
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    session_.commit();
    open_ = false;
  }

 private:
  Session& session_;
  bool open_ = true;
};

// What a unit of work does: a back-end may run reads with less isolation (and no conflicts).
enum class Access { read, write };

// Where sessions come from.
class Database {
 public:
  virtual ~Database() = default;
  // Runs `unit` on a session of its own and returns when the unit's work is settled: committed if
  // `unit` returned true, rolled back if false. A back-end that runs each unit as one transaction
  // may run `unit` again, from the start, after a failure that left nothing behind (a
  // serialization conflict, a connection lost before the commit): `unit` must not keep state
  // across runs. Failures come out as Error. A `read` unit must not write.
  virtual void run(const std::function<bool(Session&)>& unit, Access access) = 0;
};

// Statements are kept by their text; this lets a map of them be searched with a string_view,
// without making a string of the statement for every lookup.
struct StatementTextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <class T>
using ByStatementText = std::unordered_map<std::string, T, StatementTextHash, std::equal_to<>>;

// Binding helpers: int64 for every integer, text for strings, NULL for nullopt.
template <class T>
Value to_value(const T& value) {
  if constexpr (std::is_integral_v<T>) {
    return Value(static_cast<int64_t>(value));
  } else if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return Value();
  } else {
    return Value(std::string(std::string_view(value)));
  }
}
template <class T>
Value to_value(const std::optional<T>& value) {
  return value ? to_value(*value) : Value();
}

}  // namespace mcpgate::store::sql
