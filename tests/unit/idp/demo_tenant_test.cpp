// The demo tenant's constants (src/idp/demo_tenant.hpp) must name what src/idp/demo.yaml, the
// configuration the IdP really runs, defines: `mcpgate dev`, the tests and the benchmarks rely on
// the constants, the IdP on the YAML.
#include "idp/demo_tenant.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "idp/config.hpp"

namespace mcpgate::idp {
namespace {

const Tenant& demo_tenant() {
  static const IdpConfig config = demo_config();
  return config.tenants.at(0);
}

const App* app(const std::string& client_id) {
  auto& apps = demo_tenant().apps;
  auto it = std::find_if(apps.begin(), apps.end(), [&](const App& a) { return a.client_id == client_id; });
  return it == apps.end() ? nullptr : &*it;
}

const User* user(const std::string& oid) {
  auto& users = demo_tenant().users;
  auto it = std::find_if(users.begin(), users.end(), [&](const User& u) { return u.oid == oid; });
  return it == users.end() ? nullptr : &*it;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

TEST(DemoTenant, TenantIsTheYamlsOnlyTenant) {
  ASSERT_EQ(demo_config().tenants.size(), 1u);
  EXPECT_EQ(demo_tenant().id, demo::kTenantId);
  EXPECT_EQ(demo_tenant().name, demo::kTenantName);
}

TEST(DemoTenant, AppsExposeTheirScopes) {
  const App* mcp_api = app(demo::kMcpApiApp);
  ASSERT_NE(mcp_api, nullptr) << "no app " << demo::kMcpApiApp << " in demo.yaml";
  EXPECT_TRUE(contains(mcp_api->scopes, demo::kMcpApiScope));
  const App* gateway = app(demo::kGatewayApp);
  ASSERT_NE(gateway, nullptr) << "no app " << demo::kGatewayApp << " in demo.yaml";
  EXPECT_TRUE(contains(gateway->scopes, demo::kGatewayScope));
  EXPECT_TRUE(contains(gateway->secrets, demo::kGatewaySecret));
  EXPECT_NE(app(demo::kVsCodeClient), nullptr) << "VS Code's client is registered";
}

TEST(DemoTenant, UsersHaveTheirNames) {
  for (auto [oid, upn] : {std::pair{demo::kAliceOid, demo::kAliceUpn}, std::pair{demo::kBobOid, demo::kBobUpn},
                          std::pair{demo::kCarolOid, demo::kCarolUpn}, std::pair{demo::kDaveOid, demo::kDaveUpn}}) {
    const User* u = user(oid);
    ASSERT_NE(u, nullptr) << "no user " << oid << " in demo.yaml";
    EXPECT_EQ(u->upn, upn);
  }
  EXPECT_TRUE(contains(user(demo::kAliceOid)->groups, demo::kPlatformEngineersGroup));
  EXPECT_TRUE(contains(user(demo::kBobOid)->groups, demo::kAppDevelopersGroup));
  EXPECT_FALSE(contains(user(demo::kBobOid)->groups, demo::kPlatformEngineersGroup));
}

TEST(DemoTenant, TheGatewaysTokensCarryGroupsForItsPerToolRules) {
  const App* gateway = app(demo::kGatewayApp);
  ASSERT_NE(gateway, nullptr);
  EXPECT_TRUE(gateway->groups_claim);
}

}  // namespace
}  // namespace mcpgate::idp
