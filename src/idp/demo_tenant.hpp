#pragma once
// The built-in demo tenant of src/idp/demo.yaml (the guide's Part 2) as constants: the one
// definition that `mcpgate dev`, the tests and the benchmarks use. The YAML is what the IdP runs
// on; tests/unit/idp/demo_tenant_test.cpp fails if the two disagree, and the Node end-to-end tests
// read this file (tests/e2e/support/demo-tenant.mjs), so keep one `inline constexpr` per line.

namespace mcpgate::idp::demo {

inline constexpr const char* kTenantId = "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
inline constexpr const char* kTenantName = "Contoso (development)";

// The MCP API app (Part 2 Step 1): the audience of the On-Behalf-Of token.
inline constexpr const char* kMcpApiApp = "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01";
inline constexpr const char* kMcpApiScope = "mcp.access";
// The gateway app (Part 2 Step 2): what clients sign in to; it exchanges On-Behalf-Of.
inline constexpr const char* kGatewayApp = "b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02";
inline constexpr const char* kGatewayScope = "Mcp.Gateway.Access";
inline constexpr const char* kGatewaySecret = "demo-gateway-secret-not-for-production";
// Visual Studio Code's well-known client ID, pre-authorized on the gateway app.
inline constexpr const char* kVsCodeClient = "aebc6443-996d-45c2-90f0-388ff96faa56";
// The dashboard's own app registration: people sign in to /dashboard with it.
inline constexpr const char* kDashboardApp = "7c4e2b19-3d5a-4f6e-8b7c-1a2d3e4f5a06";

inline constexpr const char* kAliceOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01";
inline constexpr const char* kAliceUpn = "alice@contoso.dev";
inline constexpr const char* kBobOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a02";
// Alice's group ("Platform engineers") and Bob's ("App developers").
inline constexpr const char* kPlatformEngineersGroup = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01";
inline constexpr const char* kAppDevelopersGroup = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c02";
inline constexpr const char* kBobUpn = "bob@contoso.dev";
// Signs in, but no teamspace provisions her.
inline constexpr const char* kCarolOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a03";
inline constexpr const char* kCarolUpn = "carol@contoso.dev";
// Under a Conditional Access policy that demands MFA.
inline constexpr const char* kDaveOid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a04";
inline constexpr const char* kDaveUpn = "dave@contoso.dev";

}  // namespace mcpgate::idp::demo
