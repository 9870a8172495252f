#include "crypto/aead.hpp"

#include <gtest/gtest.h>

namespace mcpgate::crypto {
namespace {

const std::string kKey(32, 'k');

TEST(Aead, OpensWhatItSealedAndNothingElse) {
  auto sealed = seal(kKey, "a refresh token", "client-1");
  EXPECT_EQ(sealed.find("refresh"), std::string::npos) << "the plaintext is not readable";
  EXPECT_EQ(open(kKey, sealed, "client-1"), "a refresh token");
  EXPECT_FALSE(open(kKey, sealed, "client-2")) << "bound to what it was sealed for";
  EXPECT_FALSE(open(std::string(32, 'x'), sealed, "client-1")) << "another key";
  for (size_t i = 0; i < sealed.size(); ++i) {
    auto changed = sealed;
    changed[i] = char(changed[i] ^ 1);
    EXPECT_FALSE(open(kKey, changed, "client-1")) << "byte " << i;
  }
  EXPECT_FALSE(open(kKey, sealed.substr(0, 20), "client-1"));
  EXPECT_NE(seal(kKey, "same", ""), seal(kKey, "same", "")) << "a fresh nonce each time";
  EXPECT_EQ(open(kKey, seal(kKey, "", ""), ""), "");
  EXPECT_THROW(seal("short", "x", ""), std::invalid_argument);
}

}  // namespace
}  // namespace mcpgate::crypto
