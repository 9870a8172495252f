#include "idp/model.hpp"

#include <gtest/gtest.h>

#include "idp/config.hpp"

namespace mcpgate::idp {
namespace {

TEST(Model, AppsAreFoundByClientIdOrIdentifierUriCaseInsensitively) {
  auto c = demo_config();
  auto& t = c.tenants[0];
  EXPECT_EQ(t.app("3F0C2A0E-6B7D-4C1E-9A55-7B2F4D8E1C01"), &t.apps[0]);
  EXPECT_EQ(t.app("api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01"), &t.apps[0]);
  EXPECT_EQ(t.app("api://nothing"), nullptr);
}

TEST(Model, UsersAreFoundByOidUpnOrEmail) {
  auto c = demo_config();
  auto& t = c.tenants[0];
  EXPECT_EQ(t.user("ALICE@contoso.dev"), &t.users[0]);
  EXPECT_EQ(t.user("9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a02"), &t.users[1]);
  EXPECT_EQ(t.user("mallory@contoso.dev"), nullptr);
}

TEST(Model, TenantsByIdDomainOrCommon) {
  auto c = demo_config();
  EXPECT_EQ(c.tenant("contoso.dev"), &c.tenants[0]);
  EXPECT_EQ(c.tenant("organizations"), &c.tenants[0]);
  EXPECT_EQ(c.tenant("fabrikam.dev"), nullptr);
}

}  // namespace
}  // namespace mcpgate::idp
