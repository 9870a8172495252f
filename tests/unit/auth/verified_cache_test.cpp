#include "auth/verified_cache.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "unit/auth/auth_fixture.hpp"

namespace mcpgate::auth::testing {
namespace {

using std::chrono::seconds;

VerifiedToken verified(std::string oid, int64_t exp) {
  VerifiedToken v;
  v.tid = kTenant;
  v.oid = std::move(oid);
  v.scopes = {kScope};
  v.exp = exp;
  v.nbf = kNow - 300;
  return v;
}

// Tokens that land in the same shard, as the cache picks its 16 shards.
std::map<size_t, std::vector<std::string>> tokens_by_shard(size_t per_shard) {
  std::map<size_t, std::vector<std::string>> by_shard;
  size_t full = 0;
  for (int i = 0; full < 16; ++i) {
    std::string token = "eyJ.token-" + std::to_string(i) + ".sig";
    auto& bucket = by_shard[VerifiedTokenCache::shard_of(token)];
    if (bucket.size() == per_shard) continue;
    bucket.push_back(std::move(token));
    if (bucket.size() == per_shard) ++full;
  }
  return by_shard;
}

TEST(VerifiedTokenCache, ReturnsWhatWasVerifiedForTheSameTokenOnly) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache;
  cache.insert("header.payload.signature", verified(kAliceOid, kNow + 3600), clock.now());
  auto hit = cache.find("header.payload.signature", clock.now());
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->oid, kAliceOid);
  EXPECT_EQ(hit->scopes, (std::vector<std::string>{kScope}));
  EXPECT_FALSE(cache.find("header.payload.signaturf", clock.now()));
  EXPECT_FALSE(cache.find("header.payload.", clock.now()));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(VerifiedTokenCache, ClearForgetsEveryToken) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache;
  for (auto& [shard, tokens] : tokens_by_shard(2))
    for (auto& token : tokens) cache.insert(token, verified(kAliceOid, kNow + 3600), clock.now());
  EXPECT_EQ(cache.size(), 32u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find(tokens_by_shard(1).begin()->second.front(), clock.now()));
}

TEST(VerifiedTokenCache, ForgetsATokenAtItsExpiry) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache;
  cache.insert("a.b.c", verified(kAliceOid, kNow + 60), clock.now());
  clock.advance(seconds(59));
  EXPECT_TRUE(cache.find("a.b.c", clock.now()));
  clock.advance(seconds(1));
  EXPECT_FALSE(cache.find("a.b.c", clock.now()));  // strict: no clock skew here
}

TEST(VerifiedTokenCache, DoesNotStoreAnExpiredToken) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache;
  cache.insert("a.b.c", verified(kAliceOid, kNow), clock.now());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedTokenCache, StaysWithinItsBound) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache(32);  // two a shard
  for (int i = 0; i < 500; ++i) {
    std::string token = "t." + std::to_string(i) + ".s";
    cache.insert(token, verified(std::to_string(i), kNow + 3600), clock.now());
    EXPECT_TRUE(cache.find(token, clock.now())) << "the newest entry always stays";
  }
  EXPECT_EQ(cache.size(), 32u);
  VerifiedTokenCache tiny(1);  // still one a shard
  for (int i = 0; i < 100; ++i) tiny.insert("t." + std::to_string(i) + ".s", verified("x", kNow + 3600), clock.now());
  EXPECT_LE(tiny.size(), 16u);
}

TEST(VerifiedTokenCache, EvictsExpiredEntriesBeforeLiveOnes) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache(48);  // three a shard
  auto shards = tokens_by_shard(4);
  for (auto& [_, t] : shards) {
    cache.insert(t[0], verified("live-1", kNow + 3600), clock.now());
    cache.insert(t[1], verified("short", kNow + 10), clock.now());
    cache.insert(t[2], verified("live-2", kNow + 3600), clock.now());
  }
  ASSERT_EQ(cache.size(), 48u);
  clock.advance(seconds(10));
  for (auto& [shard, t] : shards) {
    cache.insert(t[3], verified("new", kNow + 3600), clock.now());
    EXPECT_TRUE(cache.find(t[0], clock.now())) << "shard " << shard;
    EXPECT_TRUE(cache.find(t[2], clock.now())) << "shard " << shard;
    EXPECT_TRUE(cache.find(t[3], clock.now())) << "shard " << shard;
  }
  EXPECT_EQ(cache.size(), 48u);
}

TEST(VerifiedTokenCache, ConcurrentUseStaysConsistentAndBounded) {
  mcpgate::testing::ManualClock clock;
  VerifiedTokenCache cache(256);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string oid = std::to_string(t) + "-" + std::to_string(i % 300);
        std::string token = "hdr." + oid + ".sig";
        if (auto hit = cache.find(token, clock.now())) {
          if (hit->oid != oid) ++wrong;
        } else {
          cache.insert(token, verified(oid, kNow + 3600), clock.now());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 256u);
  EXPECT_GT(cache.size(), 0u);
}

}  // namespace
}  // namespace mcpgate::auth::testing
