#pragma once
// Request paths as routing must see them: one spelling for one resource, so that a prefix match
// cannot be walked out of (`/context7/mcp/../../admin`, `%2e%2e`, `//`).
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::http {

// The path (no query) after RFC 3986 normalisation: percent-encoded unreserved characters
// decoded (and other escapes' hex upper-cased), runs of '/' merged, dot segments removed
// (§5.2.4; never above the root). nullopt with a sentence in `error` for what no route should
// guess at: an encoded '/' or '\' (%2F, %5C), a raw '\', a malformed or NUL escape, control
// characters, or a path that does not start with '/'.
std::optional<std::string> normalize_path(std::string_view path, std::string& error);

}  // namespace mcpgate::http
