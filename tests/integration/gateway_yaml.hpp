#pragma once
// Gateway configurations for the integration tests: the demo tenant on a running `mcpgate idp`,
// the demo gateway app (its secret from MCPGATE_TEST_GATEWAY_SECRET), routes to test upstreams.
#include <string>

#include "support/idp_client.hpp"

namespace mcpgate::testing {

// One route to `upstream` requiring the gateway app's audience and Mcp.Gateway.Access, exchanging
// On-Behalf-Of for the MCP API app; `extra` adds route keys (indented lines).
inline std::string demo_route_yaml(const std::string& prefix, const std::string& upstream,
                                   const std::string& extra = "") {
  return "  - prefix: " + prefix + "\n    upstream: '" + upstream + "'\n    audiences: ['" + kDemoGatewayApp +
         "']\n    scopes: [Mcp.Gateway.Access]\n    obo_scope: api://" + kDemoMcpApiApp + "/.default\n" + extra;
}

// The whole file: listen on a free loopback port, the tenant at the IdP on `idp_port`, then
// `extra` top-level keys and the routes.
inline std::string demo_gateway_yaml(int idp_port, const std::string& routes, const std::string& audit_log = "off",
                                     const std::string& extra = "") {
  return "listen: {host: 127.0.0.1, port: 0}\npublic_url: https://gateway.test\nentra: {authority: "
         "'http://127.0.0.1:" +
         std::to_string(idp_port) + "', tenant_id: " + kDemoTenant + "}\nclient: {client_id: " + kDemoGatewayApp +
         ", client_secret: '${env:MCPGATE_TEST_GATEWAY_SECRET}'}\naudit_log: '" + audit_log + "'\n" + extra +
         "routes:\n" + routes;
}

}  // namespace mcpgate::testing
