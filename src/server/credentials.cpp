#include "server/credentials.hpp"

#include <array>

#include "common/strings.hpp"

namespace mcpgate::server {

std::optional<std::string_view> api_key_from(const http::Headers& headers) {
  static constexpr std::array<std::string_view, 6> kHeaders{"Authorization", "X-Context7-API-Key", "Context7-API-Key",
                                                            "X-API-Key",     "context7_api_key",   "x_api_key"};
  for (auto name : kHeaders) {
    auto value = headers.get(name);
    if (!value) continue;
    std::string_view key = *value;
    if (iequals(key, "Bearer")) continue;  // the scheme with no credential is no key at all
    if (key.size() > 7 && iequals(key.substr(0, 7), "Bearer ")) key.remove_prefix(7);
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (!key.empty()) return key;
  }
  return std::nullopt;
}

}  // namespace mcpgate::server
