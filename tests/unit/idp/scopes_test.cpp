#include "idp/scopes.hpp"

#include <gtest/gtest.h>

#include "idp/config.hpp"

namespace mcpgate::idp {
namespace {

class Scopes : public ::testing::Test {
 protected:
  IdpConfig config = demo_config();
  const Tenant& tenant = config.tenants[0];
  const App& api = tenant.apps[0];
  const App& gateway = tenant.apps[1];
  const App& vscode = tenant.apps[2];
};

TEST_F(Scopes, SplitsOpenIdScopesFromOneResource) {
  auto s = parse_scopes(tenant, "api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02/Mcp.Gateway.Access openid offline_access");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->resource, &gateway);
  EXPECT_EQ(s->scopes, std::vector<std::string>{"Mcp.Gateway.Access"});
  EXPECT_TRUE(s->openid && s->offline_access && !s->profile);
}

TEST_F(Scopes, AcceptsTheClientIdFormOfTheResource) {
  auto s = parse_scopes(tenant, "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->resource, &api);
  EXPECT_TRUE(s->default_scope);
}

TEST_F(Scopes, OpenIdOnlyMeansMicrosoftGraph) {
  auto s = parse_scopes(tenant, "openid profile");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->graph());
  EXPECT_EQ(s->resource_id(), "00000003-0000-0000-c000-000000000000");
}

TEST_F(Scopes, RefusesTwoResourcesUnknownScopesAndUnknownResources) {
  auto two = parse_scopes(tenant,
                          "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access "
                          "api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02/Mcp.Gateway.Access");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, 70011);
  auto unknown_scope = parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.write");
  ASSERT_FALSE(unknown_scope);
  EXPECT_NE(unknown_scope.error().description.find("exposed: mcp.access"), std::string::npos);
  auto unknown_resource = parse_scopes(tenant, "api://00000000-0000-0000-0000-000000000000/.default");
  ASSERT_FALSE(unknown_resource);
  EXPECT_EQ(unknown_resource.error().code, 500011);
  EXPECT_FALSE(parse_scopes(tenant, "   "));
}

TEST_F(Scopes, ResourceParameterMustNameTheScopesResource) {
  auto s = *parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access");
  EXPECT_FALSE(check_resource_parameter(s, std::nullopt));
  EXPECT_FALSE(check_resource_parameter(s, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01"));
  EXPECT_FALSE(check_resource_parameter(s, "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01"));
  auto e = check_resource_parameter(s, "https://mcp.example/mcp");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error, "invalid_target");
  EXPECT_EQ(e->code, 9010010);
}

TEST_F(Scopes, DotDefaultGrantsWhatIsPreAuthorizedOrAdminConsented) {
  auto s = *parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default");
  auto g = delegated_grant(tenant, gateway, s, false);
  ASSERT_TRUE(g);
  EXPECT_EQ(*g, std::vector<std::string>{"mcp.access"});
  auto refused = delegated_grant(tenant, vscode, s, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 65001);
}

TEST_F(Scopes, UserConsentTenantsLetInteractiveSignInConsent) {
  auto config2 = demo_config();
  config2.tenants[0].user_consent = true;
  auto& t = config2.tenants[0];
  auto s = *parse_scopes(t, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access");
  EXPECT_TRUE(delegated_grant(t, t.apps[2], s, true));
  EXPECT_FALSE(delegated_grant(t, t.apps[2], s, false));  // no interaction, no consent
}

TEST_F(Scopes, ResponseScopeUsesFullNames) {
  auto s = *parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default offline_access");
  EXPECT_EQ(response_scope(s, {"mcp.access"}), "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access offline_access");
}

}  // namespace
}  // namespace mcpgate::idp
