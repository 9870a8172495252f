#pragma once
// Cookies of the pages mcpgate serves itself (the dashboard's sign-in, the gateway's OAuth pages).
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace mcpgate::http {

// The value of cookie `name` from the request's Cookie headers; nullopt when it is absent.
std::optional<std::string> cookie_value(const Request& request, std::string_view name);

// A Set-Cookie value: always HttpOnly, and Secure when the page is served over https.
std::string set_cookie(std::string_view name, std::string_view value, std::string_view attributes, bool secure);

// Behind https, names carry the __Host- prefix: the browser then insists on Secure, Path=/ and
// no Domain, so a sibling subdomain cannot plant or shadow the cookie.
std::string cookie_name(std::string_view name, bool secure);

}  // namespace mcpgate::http
