#include "http/path.hpp"

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

std::string normalized(std::string_view path) {
  std::string error;
  auto out = normalize_path(path, error);
  EXPECT_TRUE(out) << path << ": " << error;
  return out.value_or("(refused)");
}

std::string refusal(std::string_view path) {
  std::string error;
  auto out = normalize_path(path, error);
  EXPECT_FALSE(out) << path << " became " << out.value_or("");
  return error;
}

TEST(NormalizePath, PlainPathsAreUnchanged) {
  EXPECT_EQ(normalized("/"), "/");
  EXPECT_EQ(normalized("/context7/mcp"), "/context7/mcp");
  EXPECT_EQ(normalized("/a/b/"), "/a/b/");
  EXPECT_EQ(normalized("/.well-known/oauth-protected-resource/context7/mcp"),
            "/.well-known/oauth-protected-resource/context7/mcp");
  EXPECT_EQ(normalized("/a/.hidden/..."), "/a/.hidden/...");
}

TEST(NormalizePath, DotSegmentsCannotLeaveTheirRoute) {
  EXPECT_EQ(normalized("/context7/mcp/../../admin"), "/admin");
  EXPECT_EQ(normalized("/context7/mcp/./x"), "/context7/mcp/x");
  EXPECT_EQ(normalized("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/a/b/.."), "/a/");
  EXPECT_EQ(normalized("/a/."), "/a/");
  EXPECT_EQ(normalized("/.."), "/");
}

TEST(NormalizePath, EncodedDotsAreDotsAndEncodedUnreservedAreDecoded) {
  EXPECT_EQ(normalized("/context7/mcp/%2e%2e/%2E%2E/admin"), "/admin");
  EXPECT_EQ(normalized("/context7/%6Dcp"), "/context7/mcp");
  EXPECT_EQ(normalized("/a/%7euser"), "/a/~user");
  EXPECT_EQ(normalized("/a/%3a%20b"), "/a/%3A%20b") << "reserved and other escapes stay escaped, hex upper-cased";
}

TEST(NormalizePath, RepeatedSlashesAreOne) {
  EXPECT_EQ(normalized("//context7//mcp"), "/context7/mcp");
  EXPECT_EQ(normalized("/context7/mcp//..//admin"), "/context7/admin");
}

TEST(NormalizePath, AmbiguousSpellingsAreRefused) {
  EXPECT_NE(refusal("/context7/mcp%2F..%2F..%2Fadmin").find("%2F"), std::string::npos);
  EXPECT_NE(refusal("/context7%5cmcp").find("%5C"), std::string::npos);
  EXPECT_NE(refusal("/context7\\mcp").find("'\\'"), std::string::npos);
  EXPECT_NE(refusal("/a%zz").find("two hex digits"), std::string::npos);
  EXPECT_NE(refusal("/a%2").find("two hex digits"), std::string::npos);
  EXPECT_NE(refusal("/a%00b").find("NUL"), std::string::npos);
  EXPECT_NE(refusal(std::string_view("/a\x01", 3)).find("control"), std::string::npos);
  EXPECT_NE(refusal("context7/mcp").find("start with '/'"), std::string::npos);
  EXPECT_NE(refusal("").find("start with '/'"), std::string::npos);
}

TEST(NormalizePath, NormalisingTwiceChangesNothing) {
  for (std::string_view path : {"/context7/mcp/%2e%2e/x", "//a//b/./c/..", "/a/%3a", "/%7e/../b"}) {
    std::string error;
    auto once = normalize_path(path, error);
    ASSERT_TRUE(once) << path;
    EXPECT_EQ(normalize_path(*once, error), once) << path;
  }
}

}  // namespace
}  // namespace mcpgate::http
