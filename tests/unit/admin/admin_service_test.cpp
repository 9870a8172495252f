// The operations both front ends share: value parsing, plan rules and error codes.
#include "admin/admin_service.hpp"

#include <gtest/gtest.h>

#include "unit/admin/admin_fixture.hpp"

namespace mcpgate::admin {
namespace {

using std::chrono::hours;
using namespace testing;  // the admin fixture

TEST(AdminTime, ParsesDatesAndUtcTimes) {
  // 2027-01-31T00:00:00Z is 1801353600 seconds after the epoch.
  EXPECT_EQ(parse_time("2027-01-31"), SysTime(std::chrono::seconds(1'801'353'600)));
  EXPECT_EQ(parse_time("2027-01-31T12:34:56Z"),
            SysTime(std::chrono::seconds(1'801'353'600 + 12 * 3600 + 34 * 60 + 56)));
  EXPECT_EQ(parse_time("2028-02-29"), SysTime(std::chrono::sys_days(std::chrono::year(2028) / 2 / 29)));
  for (auto bad :
       {"", "2027-1-31", "2027-02-29", "2027-13-01", "31-01-2027", "2027-01-31T24:00:00Z", "2027-01-31T12:00:00",
        "2027-01-31T12:00:00+01:00", "2027-01-31 12:00:00Z", "+027-01-31", "2027-01-3a"})
    EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(AdminTime, FormatsToTheSecondInUtc) {
  EXPECT_EQ(format_time(SysTime(std::chrono::seconds(1'801'353'600)) + std::chrono::milliseconds(999)),
            "2027-01-31T00:00:00Z");
  for (auto text : {"2027-01-31T00:00:00Z", "1999-12-31T23:59:59Z"}) EXPECT_EQ(format_time(*parse_time(text)), text);
}

class AdminServiceTest : public StoreFixture {
 protected:
  AdminService service{*store, {}, clock};
};

TEST_F(AdminServiceTest, MapsStoreErrorsToItsOwnCodes) {
  ASSERT_TRUE(service.create_teamspace("acme", "pro", std::nullopt));
  EXPECT_EQ(service.create_teamspace("acme", "pro", std::nullopt).error().code, ErrorCode::conflict);
  EXPECT_EQ(service.teamspace("nope").error().code, ErrorCode::not_found);
  EXPECT_EQ(service.add_member("acme", "not-an-email", "developer").error().code, ErrorCode::invalid);
  EXPECT_EQ(to_string(ErrorCode::plan_refused), "plan_refused");
  EXPECT_EQ(to_string(ErrorCode::store_failure), "store_failure");
}

TEST_F(AdminServiceTest, EntraNeedsEnterpriseOrATrialThatHasNotEnded) {
  store::EntraSettings settings{std::string(kTenant), std::string(kAudience), "mcp.access"};
  for (auto plan : {"free", "pro"}) {
    auto name = std::string("ts-") + plan;
    ASSERT_TRUE(service.create_teamspace(name, plan, std::nullopt));
    auto refused = service.set_entra(name, settings);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::plan_refused);
    EXPECT_TRUE(mentions(refused.error().message, std::string("is on plan ") + plan)) << refused.error().message;
  }
  ASSERT_TRUE(service.create_teamspace("trial", "enterprise-trial", "2027-01-16"));
  ASSERT_TRUE(service.set_entra("trial", settings));
  EXPECT_TRUE(service.add_user("trial", "a@contoso.com", oid(1)));
  clock.advance(hours(16));  // 2027-01-16T00:00:00Z: the end is exclusive
  EXPECT_EQ(service.entra("trial").error().code, ErrorCode::plan_refused);
  EXPECT_EQ(service.import_users("trial", "b@contoso.com," + oid(2), false).error().code, ErrorCode::plan_refused);
  // Reviewing and withdrawing access stay possible.
  EXPECT_EQ(service.users("trial").value().size(), 1u);
  EXPECT_TRUE(service.remove_user("trial", oid(1)));
}

TEST_F(AdminServiceTest, RemovingAUserTellsWhoLeftSoTheGatewaysCanForgetThem) {
  enterprise("acme");
  std::vector<std::string> removed;
  service.on_user_removed([&](const std::string& tid, const std::string& who) { removed.push_back(tid + "/" + who); });
  ASSERT_TRUE(service.add_user("acme", "a@contoso.com", oid(1)));
  ASSERT_TRUE(service.add_user("acme", "b@contoso.com", oid(2)));
  EXPECT_TRUE(service.remove_user("acme", "A@Contoso.com"));  // by email, in any case
  EXPECT_TRUE(service.remove_user("acme", oid(2)));           // by object ID
  EXPECT_FALSE(service.remove_user("acme", oid(3)));          // nobody: nothing to tell
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0], std::string(kTenant) + "/" + oid(1));
  EXPECT_EQ(removed[1], std::string(kTenant) + "/" + oid(2));
}

TEST_F(AdminServiceTest, ImportCountsOnlyNewMappings) {
  enterprise("acme");
  auto first = service.import_users("acme", "a@contoso.com," + oid(1) + "\nb@contoso.com," + oid(2), false).value();
  EXPECT_EQ(first.imported, 2u);
  EXPECT_EQ(first.failed, 0u);
  auto second = service.import_users("acme", "a@contoso.com," + oid(1) + "\nc@contoso.com,x", false).value();
  EXPECT_EQ(second.imported, 0u);
  EXPECT_EQ(second.failed, 1u);
  EXPECT_EQ(second.rows.size(), 2u);
}

TEST_F(AdminServiceTest, UsageLimitDefaultsAndBounds) {
  auto ts = service.create_teamspace("acme", "pro", std::nullopt).value();
  for (int i = 0; i < int(kDefaultUsageLimit) + 5; ++i)
    store->record_usage({.time = clock.now(), .teamspace_id = ts.id, .user_label = "ci", .tool = "t"}).value();
  EXPECT_EQ(service.usage("acme", std::nullopt).value().size(), kDefaultUsageLimit);
  EXPECT_EQ(service.usage("acme", "1000").value().size(), kDefaultUsageLimit + 5);
  EXPECT_EQ(service.usage("acme", "1001").error().code, ErrorCode::invalid);
  EXPECT_EQ(service.usage("acme", "").error().code, ErrorCode::invalid);
}

}  // namespace
}  // namespace mcpgate::admin
