#include "http/cookie.hpp"

#include "common/strings.hpp"

namespace mcpgate::http {

std::optional<std::string> cookie_value(const Request& request, std::string_view name) {
  for (auto [field, value] : request.headers.fields()) {
    if (!iequals(field, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto end = rest.find(';');
      auto pair = trim(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
        return std::string(trim(pair.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, std::string_view attributes, bool secure) {
  return std::string(name) + "=" + std::string(value) + "; " + std::string(attributes) + "; HttpOnly" +
         (secure ? "; Secure" : "");
}

std::string cookie_name(std::string_view name, bool secure) {
  return secure ? "__Host-" + std::string(name) : std::string(name);
}

}  // namespace mcpgate::http
