#include "proxy/forwarding.hpp"

#include <algorithm>
#include <array>

#include "common/strings.hpp"

namespace mcpgate::proxy {
namespace {

constexpr std::array<std::string_view, 10> kHopByHop{"connection", "keep-alive", "proxy-authenticate",
                                                     "proxy-authorization", "proxy-connection", "te",
                                                     "trailer", "transfer-encoding", "upgrade", "host"};

bool listed_in_connection(const http::Headers& headers, std::string_view name) {
  for (auto& [n, v] : headers.fields()) {
    if (!iequals(n, "Connection")) continue;
    size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      auto token = std::string_view(v).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      if (iequals(token, name)) return true;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return false;
}

bool hop_by_hop(const http::Headers& headers, std::string_view name) {
  auto lower = to_lower(name);
  return std::find(kHopByHop.begin(), kHopByHop.end(), lower) != kHopByHop.end() || listed_in_connection(headers, name);
}

}  // namespace

std::optional<RouteMatch> match_route(const std::vector<RouteConfig>& routes, std::string_view path) {
  const RouteConfig* best = nullptr;
  for (auto& r : routes) {
    bool hit = path == r.prefix || (path.size() > r.prefix.size() && path.substr(0, r.prefix.size()) == r.prefix &&
                                    path[r.prefix.size()] == '/');
    if (hit && (!best || r.prefix.size() > best->prefix.size())) best = &r;
  }
  if (!best) return std::nullopt;
  return RouteMatch{best, std::string(path.substr(best->prefix.size()))};
}

std::string rewrite_path(const RouteConfig& route, const std::string& suffix) {
  for (auto& [from, to] : route.rewrites) {
    if (suffix == from) return to;
    if (suffix.size() > from.size() && suffix.compare(0, from.size(), from) == 0 && suffix[from.size()] == '/')
      return to + suffix.substr(from.size());
  }
  return suffix.empty() ? "/" : suffix;
}

http::Headers upstream_request_headers(const http::Request& request, const std::string& exchanged_token) {
  http::Headers out;
  std::string forwarded_for;
  for (auto& [name, value] : request.headers.fields()) {
    if (hop_by_hop(request.headers, name) || iequals(name, "Authorization") || iequals(name, "Cookie") ||
        iequals(name, "Content-Length"))
      continue;
    if (iequals(name, "X-Forwarded-For")) {
      forwarded_for += (forwarded_for.empty() ? "" : ", ") + value;
      continue;
    }
    if (iequals(name, "X-Forwarded-Proto") || iequals(name, "X-Forwarded-Host")) continue;
    out.add(name, value);
  }
  if (!request.remote_address.empty())
    forwarded_for += (forwarded_for.empty() ? "" : ", ") + request.remote_address;
  if (!forwarded_for.empty()) out.add("X-Forwarded-For", forwarded_for);
  out.add("X-Forwarded-Proto", request.scheme);
  if (auto host = request.header("Host")) out.add("X-Forwarded-Host", std::string(*host));
  out.add("Authorization", "Bearer " + exchanged_token);
  return out;
}

http::Headers downstream_response_headers(const http::Headers& upstream) {
  http::Headers out;
  for (auto& [name, value] : upstream.fields()) {
    if (hop_by_hop(upstream, name) || iequals(name, "Content-Length")) continue;
    out.add(name, value);
  }
  return out;
}

}  // namespace mcpgate::proxy
