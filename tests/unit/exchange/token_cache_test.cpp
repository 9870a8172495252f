#include "exchange/token_cache.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"

namespace mcpgate::exchange {
namespace {

using std::chrono::seconds;

const TokenCache::Key kAlice{"tenant-1", "alice-oid", "api://mcp/.default"};
const TokenCache::Key kBob{"tenant-1", "bob-oid", "api://mcp/.default"};

OboToken token(std::string value, seconds expires_in) { return {std::move(value), expires_in, "api://mcp/mcp.access"}; }

OboFailure failure(int aadsts) {
  OboFailure f;
  f.kind = OboFailureKind::configuration;
  f.aadsts = aadsts;
  f.error = "invalid_grant";
  return f;
}

class TokenCacheTest : public ::testing::Test {
 protected:
  // Stores a token with this lifetime, then moves time on a second at a time while the cache
  // still serves it: how long it was served.
  seconds served_for(const TokenCache::Key& key, seconds expires_in) {
    auto stored = clock.now();
    cache.store_token(key, token("t", expires_in), stored);
    while (cache.find_token(key, clock.now()) == "t") clock.advance(seconds(1));
    return std::chrono::duration_cast<seconds>(clock.now() - stored);
  }

  testing::ManualClock clock;
  TokenCache cache{{.expiry_margin = seconds(120), .negative_ttl = seconds(10), .max_entries = 100}};
};

TEST_F(TokenCacheTest, TokenIsServedUntilTheMarginBeforeItExpires) {
  EXPECT_EQ(served_for(kAlice, seconds(3600)), seconds(3600 - 120));
  EXPECT_FALSE(cache.find_failure(kAlice, clock.now()));
  // A Conditional Access session control cut this one to ten minutes.
  EXPECT_EQ(served_for(kBob, seconds(600)), seconds(600 - 120));
}

TEST_F(TokenCacheTest, ShortLifetimesAreKeptForAtLeastHalfOfThem) {
  EXPECT_EQ(served_for(kAlice, seconds(100)), seconds(50));
  EXPECT_EQ(served_for(kBob, seconds(120)), seconds(60));
  EXPECT_EQ(served_for(kAlice, seconds(121)), seconds(61));  // half (60.5 s), not the 1 s the margin leaves
  EXPECT_EQ(served_for(kBob, seconds(240)), seconds(120));
  EXPECT_EQ(served_for(kAlice, seconds(300)), seconds(180));  // the margin rule takes over
  EXPECT_EQ(served_for(kBob, seconds(0)), seconds(0));
}

TEST_F(TokenCacheTest, FailureLastsOnlyTheNegativeTtl) {
  cache.store_failure(kAlice, failure(65001), clock.now());
  auto found = cache.find_failure(kAlice, clock.now());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->aadsts, 65001);
  EXPECT_FALSE(cache.find_token(kAlice, clock.now()));
  clock.advance(seconds(9));
  EXPECT_TRUE(cache.find_failure(kAlice, clock.now()));
  clock.advance(seconds(1));
  EXPECT_FALSE(cache.find_failure(kAlice, clock.now()));
}

TEST_F(TokenCacheTest, UsersTenantsAndScopesAreIsolated) {
  cache.store_token(kAlice, token("alice", seconds(3600)), clock.now());
  cache.store_failure(kBob, failure(50013), clock.now());
  EXPECT_EQ(cache.find_token(kAlice, clock.now()), "alice");
  EXPECT_FALSE(cache.find_token(kBob, clock.now()));
  EXPECT_FALSE(cache.find_failure(kAlice, clock.now()));
  EXPECT_TRUE(cache.find_failure(kBob, clock.now()));

  EXPECT_FALSE(cache.find_token({"tenant-1", "alice-oid", "api://other/.default"}, clock.now()));
  EXPECT_FALSE(cache.find_token({"tenant-2", "alice-oid", "api://mcp/.default"}, clock.now()));
  EXPECT_FALSE(cache.find_token({"tenant-1", "alice", "-oidapi://mcp/.default"}, clock.now()));
}

TEST_F(TokenCacheTest, TokenReplacesFailureAndFailureReplacesToken) {
  cache.store_failure(kAlice, failure(65001), clock.now());
  cache.store_token(kAlice, token("after-consent", seconds(3600)), clock.now());
  EXPECT_EQ(cache.find_token(kAlice, clock.now()), "after-consent");
  EXPECT_FALSE(cache.find_failure(kAlice, clock.now()));

  cache.store_failure(kAlice, failure(50173), clock.now());
  EXPECT_FALSE(cache.find_token(kAlice, clock.now()));
  EXPECT_EQ(cache.find_failure(kAlice, clock.now())->aadsts, 50173);
  EXPECT_EQ(cache.size(), 1u);

  cache.store_token(kAlice, token("newer", seconds(3600)), clock.now());
  cache.store_token(kAlice, token("newest", seconds(3600)), clock.now());
  EXPECT_EQ(cache.find_token(kAlice, clock.now()), "newest");
  EXPECT_EQ(cache.size(), 1u);
}

// "prefix<i>", built by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on "literal" + std::string.
std::string numbered(std::string prefix, int i) { return prefix.append(std::to_string(i)); }

TokenCache::Key user(int i) { return {"tenant-1", numbered("oid-", i), "api://mcp/.default"}; }

TEST_F(TokenCacheTest, ACachedTokenIsSharedNotCopied) {
  cache.store_token(kAlice, token("abc", seconds(3600)), clock.now());
  auto first = cache.find_shared(kAlice, clock.now());
  auto second = cache.find_shared(kAlice, clock.now());
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "abc");
  EXPECT_EQ(first.get(), second.get()) << "one string for every reader";
  EXPECT_FALSE(cache.find_shared(kBob, clock.now()));
  cache.store_token(kAlice, token("def", seconds(3600)), clock.now());
  EXPECT_EQ(*first, "abc") << "a reader keeps the token it got while a new one is stored";
  clock.advance(seconds(3600));
  EXPECT_FALSE(cache.find_shared(kAlice, clock.now()));
}

TEST_F(TokenCacheTest, EvictionForgetsOnlyTheRefusedToken) {
  cache.store_token(kAlice, token("old", seconds(3600)), clock.now());
  cache.store_token(kBob, token("bobs", seconds(3600)), clock.now());
  EXPECT_FALSE(cache.evict_token(kAlice, "another")) << "a newer token stored meanwhile stays";
  EXPECT_EQ(cache.find_token(kAlice, clock.now()), "old");
  EXPECT_TRUE(cache.evict_token(kAlice, "old"));
  EXPECT_EQ(cache.find_token(kAlice, clock.now()), std::nullopt);
  EXPECT_FALSE(cache.evict_token(kAlice, "old")) << "already gone";
  EXPECT_EQ(cache.find_token(kBob, clock.now()), "bobs") << "other users keep theirs";
  cache.store_failure(kAlice, failure(65001), clock.now());
  EXPECT_FALSE(cache.evict_token(kAlice, "")) << "a remembered failure is not a token";
  EXPECT_TRUE(cache.find_failure(kAlice, clock.now()));
}

TEST_F(TokenCacheTest, CapacityDropsExpiredEntriesFirst) {
  TokenCache small({.expiry_margin = seconds(120), .negative_ttl = seconds(10), .max_entries = 3});
  small.store_failure(user(0), failure(65001), clock.now());
  small.store_token(user(1), token("one", seconds(3600)), clock.now());
  small.store_token(user(2), token("two", seconds(3600)), clock.now());
  clock.advance(seconds(10));  // user 0's failure has lapsed
  small.store_token(user(3), token("three", seconds(3600)), clock.now());
  EXPECT_EQ(small.size(), 3u);
  EXPECT_EQ(small.find_token(user(1), clock.now()), "one");
  EXPECT_EQ(small.find_token(user(2), clock.now()), "two");
  EXPECT_EQ(small.find_token(user(3), clock.now()), "three");
}

TEST_F(TokenCacheTest, CapacityDropsSomeLiveEntryButKeepsTheNewOne) {
  TokenCache small({.expiry_margin = seconds(120), .negative_ttl = seconds(10), .max_entries = 3});
  for (int i = 0; i < 10; ++i) {
    small.store_token(user(i), token(numbered("t", i), seconds(3600)), clock.now());
    EXPECT_LE(small.size(), 3u);
    EXPECT_EQ(small.find_token(user(i), clock.now()), numbered("t", i));
  }
  EXPECT_EQ(small.size(), 3u);
}

TEST_F(TokenCacheTest, ConcurrentUseIsSafe) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto key = user(t * 1000 + i % 150);
        if (i % 3 == 0)
          cache.store_failure(key, failure(50013), clock.now());
        else
          cache.store_token(key, token("t", seconds(3600)), clock.now());
        (void)cache.find_token(key, clock.now());
        (void)cache.find_failure(key, clock.now());
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 100u);
}

}  // namespace
}  // namespace mcpgate::exchange
