#pragma once
// The OAuth surface MCP clients need in front of Entra (the seed's Part 5), as pure functions:
// protected-resource and authorization-server metadata, /authorize and /token bridging without
// the RFC 8707 `resource` parameter Entra rejects, and the dynamic client registration shim.
#include <string>

#include <boost/system/result.hpp>

#include "common/clock.hpp"
#include "http/message.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::proxy {

// The tenant's endpoints, from its OpenID discovery document (or the authority's defaults).
struct TenantEndpoints {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};
TenantEndpoints default_endpoints(const GatewayConfig& config);

// RFC 9728 for one route; `resource` is the gateway's own public URL of the MCP endpoint.
http::Response protected_resource_metadata(const GatewayConfig& config, const RouteConfig& route,
                                           const std::string& resource_path);
// RFC 8414: issuer and endpoints are the gateway's; keys are the tenant's.
http::Response authorization_server_metadata(const GatewayConfig& config, const TenantEndpoints& tenant);
// What the gateway asks Entra for on a client's behalf: the client's scopes, the gateway's own
// client scope when the client named none of the gateway's (MCP SDK clients often send no scope,
// or only OIDC ones, and Entra then issues a Microsoft Graph token: AADSTS650053 or a Graph
// audience), and offline_access, so that clients get a refresh token and need not sign in again
// every hour.
std::string bridged_scope(std::optional<std::string_view> requested, const GatewayConfig& config);
// 302 to the tenant's authorize endpoint with the query preserved, minus `resource`, and the
// scope bridged.
http::Response authorize_redirect(const http::Request& request, const TenantEndpoints& tenant,
                                  const GatewayConfig& config);
// The form to forward to the tenant's token endpoint: `resource` removed; for code and refresh
// grants the scope bridged, so a refresh asks for the same token as the sign-in did.
boost::system::result<std::string, http::Response> token_request_body(const http::Request& request,
                                                                      const GatewayConfig& config);
// RFC 7591: 201 with the pre-registered public client ID when every redirect URI is loopback
// or allow-listed; 400 invalid_redirect_uri / invalid_client_metadata otherwise.
http::Response register_client(const http::Request& request, const RegistrationShim& shim, SysTime now);

// RFC 6749 §5.2: {"error", "error_description"}, readable by browser clients.
http::Response oauth_error(int status, const std::string& error, const std::string& description);
void allow_cors(http::Response& response);
http::Response cors_preflight();

}  // namespace mcpgate::proxy
