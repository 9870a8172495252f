#include "dashboard/sessions.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"

namespace mcpgate::dashboard {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Identity alice() { return {"9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01", "tenant", "alice@contoso.dev", "Alice"}; }

TEST(SessionTable, FindsASessionByItsCookieUntilItExpires) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8));
  auto cookie = table.create(alice());
  EXPECT_GE(cookie.size(), 43u);  // 32 random bytes, base64url
  auto found = table.find(cookie);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->who.email, "alice@contoso.dev");
  EXPECT_GE(found->csrf_token.size(), 43u);
  EXPECT_NE(found->csrf_token, cookie);
  EXPECT_FALSE(table.find(cookie + "x"));
  EXPECT_FALSE(table.find(""));
  clock.advance(hours(8));
  EXPECT_FALSE(table.find(cookie));
}

TEST(SessionTable, RemovedSessionsAreGone) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8));
  auto cookie = table.create(alice());
  table.remove(cookie);
  EXPECT_FALSE(table.find(cookie));
}

TEST(SessionTable, StaysWithinItsBoundDroppingTheOldestFirst) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8), 3);
  std::vector<std::string> cookies;
  for (int i = 0; i < 4; ++i) {
    cookies.push_back(table.create(alice()));
    clock.advance(std::chrono::seconds(1));
  }
  EXPECT_FALSE(table.find(cookies[0]));
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(table.find(cookies[size_t(i)]));
}

TEST(SessionTable, OneAddressCannotPushEveryoneElsesSignInsOut) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8));
  auto victim = table.start_sign_in({"v", "n", "/dashboard/", {}, "10.0.0.1"});
  for (int i = 0; i < 1000; ++i) table.start_sign_in({"a", "n", "/dashboard/", {}, "10.6.6.6"});
  EXPECT_TRUE(table.finish_sign_in(victim)) << "the flood only displaced its own";
}

TEST(SessionTable, OnePersonHoldsABoundedNumberOfSessions) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8));
  Identity bob{"bob-oid", "tenant", "bob@contoso.dev", "Bob"};
  auto alices = table.create(alice());
  std::vector<std::string> bobs;
  for (size_t i = 0; i < SessionTable::kMaxPerPerson + 5; ++i) {
    bobs.push_back(table.create(bob));
    clock.advance(std::chrono::seconds(1));
  }
  EXPECT_TRUE(table.find(alices));
  EXPECT_FALSE(table.find(bobs.front())) << "bob's oldest went first";
  EXPECT_TRUE(table.find(bobs.back()));
}

TEST(SessionTable, ASignInFinishesOnceAndWithinTenMinutes) {
  testing::ManualClock clock;
  SessionTable table(clock, hours(8));
  auto state = table.start_sign_in({"verifier", "nonce", "/dashboard/", {}, "127.0.0.1"});
  auto pending = table.finish_sign_in(state);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->code_verifier, "verifier");
  EXPECT_FALSE(table.finish_sign_in(state)) << "a state is good for one callback";

  auto late = table.start_sign_in({"verifier", "nonce", "/dashboard/", {}, "127.0.0.1"});
  clock.advance(minutes(10));
  EXPECT_FALSE(table.finish_sign_in(late));
}

}  // namespace
}  // namespace mcpgate::dashboard
