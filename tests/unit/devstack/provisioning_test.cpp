#include "devstack/provisioning.hpp"

#include <gtest/gtest.h>

#include "devstack/dev_settings.hpp"
#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::devstack {
namespace {

class Provisioning : public ::testing::Test {
 protected:
  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "mcpgate.db", clock);
  admin::AdminService admin{*store, admin::TenantCheckOptions{}, clock};
};

TEST_F(Provisioning, SetsUpTheGuidesPart4) {
  auto report = provision_demo_teamspace(admin);
  EXPECT_FALSE(report.steps.empty());
  auto ts = store->find_teamspace(kTeamspace).value();
  EXPECT_EQ(ts.plan, store::Plan::enterprise);
  auto entra = store->entra_config(kTeamspace).value();
  EXPECT_EQ(entra.tenant_id, idp::demo::kTenantId);
  EXPECT_EQ(entra.audience, idp::demo::kMcpApiApp);  // the MCP API app, not the gateway's
  EXPECT_EQ(entra.required_scope, "mcp.access");
  auto users = store->list_entra_users(kTeamspace).value();
  std::vector<std::string> emails;
  for (const auto& u : users) emails.push_back(u.email);
  EXPECT_EQ(emails, (std::vector<std::string>{"alice@contoso.dev", "bob@contoso.dev", "dave@contoso.dev"}));
}

TEST_F(Provisioning, ASecondRunChangesNothing) {
  provision_demo_teamspace(admin);
  auto before = store->entra_config(kTeamspace).value();
  auto report = provision_demo_teamspace(admin);
  for (const auto& step : report.steps) EXPECT_EQ(step.find("provisioned"), std::string::npos) << step;
  EXPECT_EQ(store->list_teamspaces().value().size(), 1u);
  EXPECT_EQ(store->list_entra_users(kTeamspace).value().size(), 3u);
  EXPECT_EQ(store->entra_config(kTeamspace).value().updated, before.updated);
}

TEST_F(Provisioning, PutsBackWhatSomeoneRemoved) {
  provision_demo_teamspace(admin);
  store->remove_entra_user(kTeamspace, "bob@contoso.dev").value();
  provision_demo_teamspace(admin);
  EXPECT_EQ(store->list_entra_users(kTeamspace).value().size(), 3u);
}

TEST_F(Provisioning, ARefusedStepNamesWhatFailed) {
  // Someone downgraded the teamspace: Entra ID is refused on a free plan.
  store->create_teamspace(kTeamspace, store::Plan::free, std::nullopt).value();
  try {
    provision_demo_teamspace(admin);
    FAIL() << "provisioned a free teamspace";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Microsoft Entra ID"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mcpgate::devstack
