#include "store/store.hpp"

#include <type_traits>

#include <gtest/gtest.h>

namespace mcpgate::store {
namespace {

// A bare string must not become an error, or StoreResult<std::string> would be ambiguous.
static_assert(!std::is_constructible_v<StoreError, std::string>);
static_assert(!std::is_constructible_v<StoreError, const char*>);

TEST(Plan, NamesRoundTripInAnyCase) {
  for (auto plan : {Plan::free, Plan::pro, Plan::enterprise, Plan::enterprise_trial})
    EXPECT_EQ(parse_plan(to_string(plan)), plan);
  EXPECT_EQ(to_string(Plan::enterprise_trial), "enterprise-trial");
  EXPECT_EQ(parse_plan("Enterprise-Trial"), Plan::enterprise_trial);
  EXPECT_FALSE(parse_plan("enterprise_trial"));
  EXPECT_FALSE(parse_plan(""));
}

TEST(Role, NamesRoundTripInAnyCase) {
  for (auto role : {Role::owner, Role::admin, Role::developer}) EXPECT_EQ(parse_role(to_string(role)), role);
  EXPECT_EQ(parse_role("ADMIN"), Role::admin);
  EXPECT_FALSE(parse_role("member"));
}

TEST(StoreError, FactoriesSetCodeAndMessage) {
  auto e = StoreError::conflict("taken");
  EXPECT_EQ(e.code, StoreErrorCode::conflict);
  EXPECT_EQ(e.message, "taken");
  EXPECT_EQ(StoreError::not_found("x").code, StoreErrorCode::not_found);
  EXPECT_EQ(StoreError::invalid("x").code, StoreErrorCode::invalid);
  EXPECT_EQ(StoreError::io("x").code, StoreErrorCode::io);
  EXPECT_EQ(to_string(StoreErrorCode::not_found), "not_found");
}

TEST(StoreResult, HoldsAStringOrAnErrorAndValueThrowsTheMessage) {
  StoreResult<std::string> ok = std::string("value");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "value");

  StoreResult<std::string> failed = StoreError::invalid("email is empty");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, StoreErrorCode::invalid);
  try {
    (void)failed.value();
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "invalid: email is empty");
  }
}

}  // namespace
}  // namespace mcpgate::store
