#include "crypto/random.hpp"

#include <gtest/gtest.h>

#include "common/strings.hpp"

namespace mcpgate::crypto {
namespace {

TEST(Random, GuidsAreVersion4AndDistinct) {
  auto a = random_guid(), b = random_guid();
  EXPECT_TRUE(is_guid(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
}

TEST(Random, NameBasedGuidsAreStable) {
  EXPECT_EQ(name_based_guid("x"), name_based_guid("x"));
  EXPECT_NE(name_based_guid("x"), name_based_guid("y"));
  EXPECT_EQ(name_based_guid("x")[14], '5');
}

TEST(Random, TokensHaveTheRequestedEntropy) {
  EXPECT_EQ(random_token(32).size(), 43u);
  EXPECT_NE(random_token(32), random_token(32));
}

TEST(Random, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("secret", "secret"));
  EXPECT_FALSE(constant_time_equals("secret", "secreT"));
  EXPECT_FALSE(constant_time_equals("secret", "secret2"));
}

}  // namespace
}  // namespace mcpgate::crypto
