#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::http {

// Where an http(s) URL points, as the clients connect to it.
struct HttpTarget {
  bool tls = false;
  std::string host;         // without IPv6 brackets, for resolving and SNI
  std::string port;         // explicit or the scheme's default
  std::string host_header;  // host[:port] as written in the URL
  std::string target;       // path and query, at least "/"
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// scheme://host[:port] in lower case, the scheme's default port left out, as browsers send
// Origin; empty when `url` is not an absolute URI.
std::string origin_of(std::string_view url);

// nullopt with a sentence in `error` when the URL is not an absolute http or https URL.
std::optional<HttpTarget> parse_http_url(const std::string& url, std::string& error);

}  // namespace mcpgate::http
