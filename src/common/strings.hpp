#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate {

// ASCII case-insensitive equality. Inline: the gateway compares every header name of every
// request and answer with it, and most calls end at the size check.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    // Only letters differ by case; '@' and '`' (or '[' and '{') also differ by 0x20 alone.
    unsigned char lower = x | 0x20;
    if (lower != (y | 0x20) || lower < 'a' || lower > 'z') return false;
  }
  return true;
}
std::string to_lower(std::string_view s);
// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
std::vector<std::string> split_whitespace(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool is_guid(std::string_view s);
// Strict ASCII/HTML-safe escaping for text placed in HTML pages.
std::string html_escape(std::string_view s);

}  // namespace mcpgate
