#include "crypto/hash.hpp"

#include <atomic>
#include <thread>
#include <vector>

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

TEST(Hash, AKeyedHmacGivesTheSameTagsConcurrentlyAndAfterAMove) {
  HmacSha256 jefe("Jefe");
  EXPECT_EQ(hex(jefe.tag("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than the block is hashed first.
  HmacSha256 long_key(std::string(131, '\xaa'));
  EXPECT_EQ(hex(long_key.tag("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (jefe.tag("what do ya want for nothing?") != hmac_sha256("Jefe", "what do ya want for nothing?")) ++wrong;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  HmacSha256 moved = std::move(jefe);
  EXPECT_EQ(moved.tag("x"), hmac_sha256("Jefe", "x"));
}

}  // namespace
}  // namespace mcpgate::crypto
