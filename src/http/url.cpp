#include "http/url.hpp"

#include <boost/url/parse.hpp>

#include "common/strings.hpp"

namespace mcpgate::http {

std::string origin_of(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "";
  auto scheme = to_lower(parsed->scheme());
  std::string origin = scheme + "://" + to_lower(parsed->encoded_host());
  std::string port(parsed->port());
  bool default_port = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
  if (parsed->has_port() && !port.empty() && !default_port) origin += ":" + port;
  return origin;
}

std::optional<HttpTarget> parse_http_url(const std::string& url, std::string& error) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) {
    error = "'" + url + "' is not an absolute URL";
    return std::nullopt;
  }
  HttpTarget t;
  if (u->scheme() == "https") {
    t.tls = true;
  } else if (u->scheme() != "http") {
    error = "'" + url + "': only http and https URLs are supported";
    return std::nullopt;
  }
  t.host = std::string(u->host_address());
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u->encoded_host_and_port());
  t.target = std::string(u->encoded_path());
  if (t.target.empty()) t.target = "/";
  if (u->has_query()) t.target += "?" + std::string(u->encoded_query());
  return t;
}

}  // namespace mcpgate::http
