#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate {

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
std::vector<std::string> split_whitespace(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool is_guid(std::string_view s);
// Strict ASCII/HTML-safe escaping for text placed in HTML pages.
std::string html_escape(std::string_view s);

}  // namespace mcpgate
