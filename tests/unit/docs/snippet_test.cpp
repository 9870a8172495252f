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

TEST(Snippet, SignatureHeadingsSplitIntoNameAndParameters) {
  auto read = split_signature("fs.readFile(path[, options], callback)");
  EXPECT_EQ(read.name, "fs.readFile");
  EXPECT_EQ(read.parameters, "path options callback");
  EXPECT_EQ(split_signature("Static method: Buffer.alloc(size[, fill[, encoding]])").name,
            "Static method: Buffer.alloc");
  EXPECT_EQ(split_signature("buf[index](x)").parameters, "x");
  EXPECT_EQ(split_signature("server.close()").parameters, "");
  EXPECT_EQ(split_signature("server.close()").name, "server.close");
  for (std::string_view whole : {"Streams (advanced)", "Event: 'close'", "(x)", "Reading files", "a(b) c"}) {
    EXPECT_EQ(split_signature(whole).name, whole);
    EXPECT_EQ(split_signature(whole).parameters, "");
  }
}

TEST(Snippet, BreadcrumbText) {
  Snippet s;
  s.breadcrumb = {"Routing", "Middleware"};
  EXPECT_EQ(s.breadcrumb_text(), "Routing > Middleware");
}

}  // namespace
}  // namespace mcpgate::docs
