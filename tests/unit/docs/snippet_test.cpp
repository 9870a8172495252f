#include "docs/snippet.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(Snippet, TokensApproximateFourBytesEach) {
  EXPECT_EQ(approximate_tokens(""), 0);
  EXPECT_EQ(approximate_tokens("abcd"), 1);
  EXPECT_EQ(approximate_tokens("abcde"), 2);
  Snippet s;
  s.title = "abcd";
  s.code.push_back({"js", "12345678"});
  EXPECT_EQ(s.tokens(), 3);
}

TEST(Snippet, GithubStyleSlugs) {
  EXPECT_EQ(heading_slug("fs.readFile(path[, options], callback)"), "fsreadfilepath-options-callback");
  EXPECT_EQ(heading_slug("Hello World_2"), "hello-world_2");
  EXPECT_EQ(heading_slug("Ünïcode stays"), "Ünïcode-stays");
}

TEST(Snippet, NormalizedTextIgnoresCaseSpacingPunctuation) {
  EXPECT_EQ(normalized_for_comparison("  Hello,   WORLD!\n"), "hello world");
  EXPECT_EQ(normalized_for_comparison("a-b"), normalized_for_comparison("A  B"));
}

TEST(Snippet, BreadcrumbText) {
  Snippet s;
  s.breadcrumb = {"Routing", "Middleware"};
  EXPECT_EQ(s.breadcrumb_text(), "Routing > Middleware");
}

}  // namespace
}  // namespace mcpgate::docs
