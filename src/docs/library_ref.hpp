#pragma once
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "docs/error.hpp"

namespace mcpgate::docs {

// "/owner/project", optionally pinned to a version as "/owner/project/v1.2" or "/owner/project@v1.2".
struct LibraryRef {
  LibraryRef() = default;
  LibraryRef(std::string i, std::string t) : id(std::move(i)), tag(std::move(t)) {}
  std::string id;   // "/owner/project"
  std::string tag;  // empty: the default version
};

// Errors say what is wrong in words fit for an API's `message`.
boost::system::result<LibraryRef, DocsError> parse_library_ref(std::string_view text);

// For `index add --id`: exactly "/owner/project", each part of letters, digits, '.', '_' or '-'.
boost::system::result<std::string, DocsError> validate_library_id(std::string_view id);

}  // namespace mcpgate::docs
