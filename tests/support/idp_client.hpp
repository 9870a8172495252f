#pragma once
#include <string>

namespace mcpgate::testing {

// The demo tenant of `mcpgate idp`, as tests use it.
inline constexpr const char* kDemoTenant = "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
inline constexpr const char* kDemoGatewayApp = "b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02";
inline constexpr const char* kDemoGatewaySecret = "demo-gateway-secret-not-for-production";
inline constexpr const char* kDemoMcpApiApp = "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01";
inline constexpr const char* kAliceOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01";
inline constexpr const char* kBobOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a02";

// Signs `upn` in at the IdP (authorization code + PKCE, headless through login_hint) and returns
// the access token for `scope`. Throws with the IdP's answer when a step fails.
std::string sign_in(const std::string& idp_base, const std::string& upn, const std::string& scope,
                    const std::string& client_id = kDemoGatewayApp);

// The gateway-audience token MCP clients hold: api://<gateway>/Mcp.Gateway.Access.
std::string gateway_token(const std::string& idp_base, const std::string& upn);

}  // namespace mcpgate::testing
