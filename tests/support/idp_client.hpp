#pragma once
#include <string>

#include "idp/demo_tenant.hpp"

namespace mcpgate::testing {

// The demo tenant of `mcpgate idp`, as tests use it.
inline constexpr const char* kDemoTenant = mcpgate::idp::demo::kTenantId;
inline constexpr const char* kDemoGatewayApp = mcpgate::idp::demo::kGatewayApp;
inline constexpr const char* kDemoGatewaySecret = mcpgate::idp::demo::kGatewaySecret;
inline constexpr const char* kDemoMcpApiApp = mcpgate::idp::demo::kMcpApiApp;
inline constexpr const char* kAliceOid = mcpgate::idp::demo::kAliceOid;
inline constexpr const char* kBobOid = mcpgate::idp::demo::kBobOid;
inline constexpr const char* kCarolOid = mcpgate::idp::demo::kCarolOid;

// Signs `upn` in at the IdP (authorization code + PKCE, headless through login_hint), as an MCP
// client does, and returns the access token for `scope`. Throws with the IdP's answer when a step
// fails. Also the benchmarks' sign-in (bench/loadgen.cpp).
std::string sign_in(const std::string& idp_base, const std::string& upn, const std::string& scope,
                    const std::string& client_id = kDemoGatewayApp, const std::string& tenant = kDemoTenant);

// The gateway-audience token MCP clients hold: api://<gateway>/Mcp.Gateway.Access.
std::string gateway_token(const std::string& idp_base, const std::string& upn);

}  // namespace mcpgate::testing
