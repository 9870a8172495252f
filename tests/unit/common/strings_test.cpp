#include "common/strings.hpp"

#include <gtest/gtest.h>

namespace mcpgate {
namespace {

TEST(Strings, Guid) {
  EXPECT_TRUE(is_guid("aebc6443-996d-45c2-90f0-388ff96faa56"));
  EXPECT_TRUE(is_guid("AEBC6443-996D-45C2-90F0-388FF96FAA56"));
  EXPECT_FALSE(is_guid("aebc6443996d45c290f0388ff96faa56"));
  EXPECT_FALSE(is_guid("{{mcp-api-app-id}}"));
}

TEST(Strings, SplitAndJoin) {
  EXPECT_EQ(split_whitespace("  a b\tc  "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
}

TEST(Strings, HtmlEscapeNeutralisesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
}

TEST(Strings, CaseInsensitiveCompare) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("a", "ab"));
  EXPECT_FALSE(iequals("@", "`")) << "differ by 0x20 but are no letters";
  EXPECT_FALSE(iequals("[x]", "{x}"));
  EXPECT_TRUE(iequals("X-FORWARDED-FOR", "x-forwarded-for"));
}

}  // namespace
}  // namespace mcpgate
