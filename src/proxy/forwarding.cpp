#include "proxy/forwarding.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "common/strings.hpp"

namespace mcpgate::proxy {
namespace {

// Expect is answered by the gateway itself: forwarded, it makes an upstream send 100 Continue.
constexpr std::array<std::string_view, 11> kHopByHop{"connection",
                                                     "keep-alive",
                                                     "proxy-authenticate",
                                                     "proxy-authorization",
                                                     "proxy-connection",
                                                     "te",
                                                     "trailer",
                                                     "transfer-encoding",
                                                     "upgrade",
                                                     "host",
                                                     "expect"};

// The header names a message's Connection fields list: hop-by-hop for that message only.
std::vector<std::string_view> connection_tokens(const http::Headers& headers) {
  std::vector<std::string_view> tokens;
  for (auto [n, v] : headers.fields()) {
    if (!iequals(n, "Connection")) continue;
    size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      auto token = std::string_view(v).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      tokens.push_back(token);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return tokens;
}

bool hop_by_hop(std::string_view name, const std::vector<std::string_view>& connection) {
  for (auto h : kHopByHop)
    if (iequals(name, h)) return true;
  for (auto t : connection)
    if (iequals(name, t)) return true;
  return false;
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
  out.reserve(request.headers.size() + 4, 256 + exchanged_token.size() + request.remote_address.size());
  std::string forwarded_for;
  const auto connection = connection_tokens(request.headers);
  for (auto [name, value] : request.headers.fields()) {
    if (hop_by_hop(name, connection) || iequals(name, "Authorization") || iequals(name, "Cookie") ||
        iequals(name, "Content-Length"))
      continue;
    if (iequals(name, "X-Forwarded-For")) {
      forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(value);
      continue;
    }
    if (iequals(name, "X-Forwarded-Proto") || iequals(name, "X-Forwarded-Host")) continue;
    out.add(name, value);
  }
  if (!request.remote_address.empty())
    forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(request.remote_address);
  if (!forwarded_for.empty()) out.add("X-Forwarded-For", forwarded_for);
  out.add("X-Forwarded-Proto", request.scheme);
  if (auto host = request.header("Host")) out.add("X-Forwarded-Host", *host);
  std::string authorization;
  authorization.reserve(7 + exchanged_token.size());
  authorization.append("Bearer ").append(exchanged_token);
  out.add("Authorization", authorization);
  return out;
}

http::Headers downstream_response_headers(const http::Headers& upstream) {
  http::Headers out;
  const auto connection = connection_tokens(upstream);
  bool event_stream = false;
  for (auto [name, value] : upstream.fields()) {
    if (hop_by_hop(name, connection) || iequals(name, "Content-Length") || iequals(name, "X-Accel-Buffering")) continue;
    if (iequals(name, "Content-Type"))
      event_stream = iequals(trim(std::string_view(value).substr(0, value.find(';'))), "text/event-stream");
    out.add(name, value);
  }
  // A proxy in front of the gateway (nginx, say) must not hold events back either.
  if (event_stream) out.add("X-Accel-Buffering", "no");
  return out;
}

void claim_bearer_challenge(http::Headers& headers, int status, const std::string& resource_metadata_url) {
  if (status != 401 && status != 403) {
    headers.remove("WWW-Authenticate");
    return;
  }
  const std::string ours = "resource_metadata=\"" + resource_metadata_url + "\"";
  auto challenge = headers.get("WWW-Authenticate");
  if (!challenge) {
    headers.set("WWW-Authenticate", "Bearer " + ours);
    return;
  }
  std::string value(*challenge);
  size_t at = value.find("resource_metadata=");
  if (at == std::string::npos) {
    bool bearer = value.size() >= 6 && iequals(std::string_view(value).substr(0, 6), "Bearer");
    value =
        bearer ? "Bearer " + ours + (value.size() > 6 ? "," + value.substr(6) : "") : "Bearer " + ours + ", " + value;
  } else {
    size_t start = at + std::string_view("resource_metadata=").size();
    size_t end = start;
    if (end < value.size() && value[end] == '"') {
      end = value.find('"', end + 1);
      end = end == std::string::npos ? value.size() : end + 1;
    } else {
      while (end < value.size() && value[end] != ',' && value[end] != ' ') ++end;
    }
    value = value.substr(0, at) + ours + value.substr(end);
  }
  headers.set("WWW-Authenticate", value);
}

}  // namespace mcpgate::proxy
