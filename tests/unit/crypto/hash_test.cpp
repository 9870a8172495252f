#include "crypto/hash.hpp"

#include <gtest/gtest.h>

namespace mcpgate::crypto {
namespace {

TEST(Hash, KnownDigests) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// RFC 4231 test case 2 ("Jefe").
TEST(Hash, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace mcpgate::crypto
