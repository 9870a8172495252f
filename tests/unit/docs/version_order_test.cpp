#include "docs/version_order.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(VersionOrder, DigitRunsCompareAsNumbers) {
  EXPECT_TRUE(version_less("v1.9.2", "v1.10.0"));
  EXPECT_FALSE(version_less("v1.10.0", "v1.9.2"));
  EXPECT_TRUE(version_less("v2", "v2.0.1"));
  EXPECT_TRUE(version_less("v1.02", "v1.3")) << "leading zeros do not make a number larger";
  EXPECT_FALSE(version_less("v3", "v3"));
  std::vector<std::string> tags{"v10.0.0", "v9.1.0", "v9.10.0", "v1.0.0"};
  std::sort(tags.begin(), tags.end(), [](auto& a, auto& b) { return version_less(a, b); });
  EXPECT_EQ(tags, (std::vector<std::string>{"v1.0.0", "v9.1.0", "v9.10.0", "v10.0.0"}));
}

}  // namespace
}  // namespace mcpgate::docs
