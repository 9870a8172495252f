#include "common/base64.hpp"

#include <gtest/gtest.h>

namespace mcpgate {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(base64url_encode(bytes), "-__-");
  EXPECT_EQ(base64url_decode("-__-"), bytes);
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
}

TEST(Base64Url, RejectsInvalidInput) {
  EXPECT_FALSE(base64url_decode("ab+c"));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("ab.c"));
  EXPECT_FALSE(base64_decode("a-b_"));
}

}  // namespace
}  // namespace mcpgate
