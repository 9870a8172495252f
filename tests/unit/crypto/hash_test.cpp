#include "crypto/hash.hpp"

#include <gtest/gtest.h>

namespace mcpgate::crypto {
namespace {

TEST(Hash, KnownDigests) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

}  // namespace
}  // namespace mcpgate::crypto
