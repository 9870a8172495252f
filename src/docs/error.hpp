#pragma once
#include <string>

namespace mcpgate::docs {

// Why documentation could not be read, indexed or found, in words for the person who can fix it.
// A type of its own (not a bare string) so results over string-like values stay unambiguous.
struct DocsError {
  DocsError() = default;
  explicit DocsError(std::string m) : message(std::move(m)) {}
  std::string message;
};

}  // namespace mcpgate::docs
