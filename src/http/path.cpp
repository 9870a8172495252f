#include "http/path.hpp"

#include <cctype>

namespace mcpgate::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

// RFC 3986 §5.2.4 over a path whose segments are already decoded as far as they will be.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    // Each step looks at the next segment: "/seg" up to (not including) the next '/'.
    size_t next = in.find('/', i + 1);
    std::string_view segment = in.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
    if (segment == "/.") {
      if (next == std::string_view::npos) out += '/';
    } else if (segment == "/..") {
      auto last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
      if (next == std::string_view::npos) out += '/';
    } else {
      out += segment;
    }
    if (next == std::string_view::npos) break;
    i = next;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

std::optional<std::string> normalize_path(std::string_view path, std::string& error) {
  if (path.empty() || path.front() != '/') {
    error = "the path must start with '/'";
    return std::nullopt;
  }
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (c < 0x20 || c == 0x7f) {
      error = "the path contains a control character";
      return std::nullopt;
    }
    if (c == '\\') {
      error = "the path contains '\\'; use '/' between segments";
      return std::nullopt;
    }
    if (c == '/' && !decoded.empty() && decoded.back() == '/') continue;  // "//" is "/"
    if (c != '%') {
      decoded += char(c);
      continue;
    }
    int high = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
    int low = i + 2 < path.size() ? hex_value(path[i + 2]) : -1;
    if (high < 0 || low < 0) {
      error = "the path has a '%' that is not followed by two hex digits";
      return std::nullopt;
    }
    unsigned char value = static_cast<unsigned char>(high * 16 + low);
    i += 2;
    if (value == '/' || value == '\\') {
      error = "the path contains an encoded '/' or '\\' (%2F, %5C), which would change where it routes";
      return std::nullopt;
    }
    if (value == 0) {
      error = "the path contains an encoded NUL (%00)";
      return std::nullopt;
    }
    if (unreserved(value)) {
      decoded += char(value);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      decoded += '%';
      decoded += kHex[value >> 4];
      decoded += kHex[value & 0xf];
    }
  }
  return remove_dot_segments(decoded);
}

}  // namespace mcpgate::http
