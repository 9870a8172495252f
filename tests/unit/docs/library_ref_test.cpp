#include "docs/library_ref.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(LibraryRef, PlainAndPinnedForms) {
  auto plain = parse_library_ref("/vercel/next.js");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->id, "/vercel/next.js");
  EXPECT_EQ(plain->tag, "");
  auto slash = parse_library_ref("/vercel/next.js/v14.3.0-canary.87");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->id, "/vercel/next.js");
  EXPECT_EQ(slash->tag, "v14.3.0-canary.87");
  auto at = parse_library_ref("/vercel/next.js@v15.1.8");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->tag, "v15.1.8");
}

TEST(LibraryRef, MalformedIdsExplainTheForm) {
  for (auto bad : {"", "vercel/next.js", "/vercel", "/vercel/", "/a/b/c/d", "/a/b@", "/a b/c", "/../x", "/a/b@c@d"}) {
    auto r = parse_library_ref(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("/owner/project"), std::string::npos) << bad;
  }
  EXPECT_FALSE(parse_library_ref(std::string(501, 'a')));
}

TEST(LibraryRef, IdForIndexingCarriesNoVersion) {
  EXPECT_TRUE(validate_library_id("/nodejs/node"));
  auto pinned = validate_library_id("/nodejs/node/v18");
  ASSERT_FALSE(pinned);
  EXPECT_NE(pinned.error().message.find("--version v18"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::docs
