#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::proxy {

// The route a path belongs to, and the path after its prefix ("/mcp" for "/context7/mcp").
struct RouteMatch {
  const RouteConfig* route = nullptr;
  std::string suffix;
};
std::optional<RouteMatch> match_route(const std::vector<RouteConfig>& routes, std::string_view path);

// rewrite-uri: the first rule whose `from` equals the suffix (or is a parent path of it).
std::string rewrite_path(const RouteConfig& route, const std::string& suffix);

// Headers for the upstream: the caller's Authorization replaced by the exchanged token, no other
// credential of the caller (cookies, proxy credentials), no hop-by-hop headers, X-Forwarded-*
// set; MCP headers (Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, Accept, Content-Type)
// pass untouched.
http::Headers upstream_request_headers(const http::Request& request, const std::string& exchanged_token);

// Headers for the client: the upstream's, without hop-by-hop and framing headers (the gateway
// frames the body itself); an event stream says `X-Accel-Buffering: no` (MCP 2026-07-28).
http::Headers downstream_response_headers(const http::Headers& upstream);

// An upstream's Bearer challenge names the upstream's own protected-resource metadata, which
// clients of the gateway cannot or must not reach. On a 401 or 403 the gateway points
// resource_metadata at its own (as the guide's API Management policy overrides the header),
// keeping the upstream's error and description. On any other answer a challenge has no meaning
// (RFC 6750) and would only name the upstream's address: it is removed.
void claim_bearer_challenge(http::Headers& headers, int status, const std::string& resource_metadata_url);

}  // namespace mcpgate::proxy
