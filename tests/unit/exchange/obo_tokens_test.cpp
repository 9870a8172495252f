#include "exchange/obo_tokens.hpp"

#include <deque>
#include <map>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/run_task.hpp"

namespace mcpgate::exchange {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::run_until_done;

// A shared tier in memory, for the decisions OboTokens makes around it (the Redis one is tested
// against a real Redis in redis_token_cache_test.cpp).
class MemoryTier final : public SharedTokenCache {
 public:
  Task<std::optional<Entry>> find(Key key) override {
    ++finds;
    auto it = entries.find(key.oid);
    if (it == entries.end()) co_return std::nullopt;
    co_return it->second;
  }
  Task<void> store(Key key, Entry entry, SysTime) override {
    entries[key.oid] = std::move(entry);
    co_return;
  }
  Task<Claim> claim(Key key, std::chrono::milliseconds) override {
    if (filled_before_claim) entries[key.oid] = *filled_before_claim;
    co_return next_claim;
  }
  Task<void> release(Key) override {
    ++releases;
    co_return;
  }
  Task<std::optional<Entry>> wait_for(Key key, std::chrono::milliseconds) override {
    ++waits;
    if (filled_while_waiting) entries[key.oid] = *filled_while_waiting;
    auto found = co_await find(key);
    co_return found;
  }
  Task<bool> forget_user(std::string, std::string oid) override {
    entries.erase(oid);
    co_return true;
  }
  void on_forget(std::function<void(const std::string&, const std::string&)> one, std::function<void()> all) override {
    forget_one = std::move(one);
    forget_all = std::move(all);
  }
  bool available() const override { return true; }
  std::string state() const override { return "connected"; }

  std::map<std::string, Entry> entries;
  Claim next_claim = Claim::mine;
  std::optional<Entry> filled_while_waiting;
  std::optional<Entry> filled_before_claim;  // another gateway stored and released just before
  int finds = 0, releases = 0, waits = 0;
  std::function<void(const std::string&, const std::string&)> forget_one;
  std::function<void()> forget_all;
};

class OboTokensTest : public ::testing::Test {
 protected:
  OboTokens::Exchange counting(std::string token = "fresh", std::chrono::seconds lifetime = 3600s) {
    return [this, token, lifetime]() -> Task<OboTokens::Exchanged> {
      ++exchanges;
      co_return OboToken{token, lifetime, "scope"};
    };
  }
  OboTokens::Outcome obtain(OboTokens& tokens, OboTokens::Exchange exchange, bool* from_cache) {
    return run_until_done(io, tokens.obtain(alice, std::move(exchange), from_cache));
  }

  testing::ManualClock clock;
  boost::asio::io_context io;
  int exchanges = 0;
  const TokenCache::Key alice{"tenant", "alice", "scope"};
};

TEST_F(OboTokensTest, ExchangesOnceThenServesTheCachedToken) {
  OboTokens tokens({}, clock, nullptr);
  bool from_cache = true;
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "fresh");
  EXPECT_FALSE(from_cache);
  EXPECT_EQ(*tokens.find_local(alice), "fresh");
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "fresh");
  EXPECT_TRUE(from_cache);
  EXPECT_EQ(exchanges, 1);
}

TEST_F(OboTokensTest, ConcurrentMissesInOneProcessShareOneExchange) {
  OboTokens tokens({}, clock, nullptr);
  std::deque<bool> from_cache(20);
  int finished = 0;
  for (int i = 0; i < 20; ++i)
    boost::asio::co_spawn(io, tokens.obtain(alice, counting(), &from_cache[i]),
                          [&](std::exception_ptr, OboTokens::Outcome outcome) {
                            EXPECT_TRUE(outcome && *outcome == "fresh");
                            ++finished;
                          });
  ASSERT_TRUE(run_until(io, [&] { return finished == 20; }));
  EXPECT_EQ(exchanges, 1);
}

// Gateway B missed in Redis, then gateway A stored its token and released its claim, then B
// claimed: B must look again rather than exchange a second time.
TEST_F(OboTokensTest, AClaimWonAfterAnotherGatewayFinishedLooksAgainBeforeExchanging) {
  MemoryTier tier;
  tier.filled_before_claim = SharedTokenCache::Entry{"from-gateway-a", clock.now() + 1h};
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "from-gateway-a");
  EXPECT_TRUE(from_cache);
  EXPECT_EQ(exchanges, 0);
  EXPECT_EQ(tier.releases, 1);  // the claim it won is given back at once
}

TEST_F(OboTokensTest, OnlyConfigurationFailuresAreRemembered) {
  OboTokens tokens({}, clock, nullptr);
  bool from_cache = false;
  auto failing = [this](OboFailureKind kind) {
    return [this, kind]() -> Task<OboTokens::Exchanged> {
      ++exchanges;
      co_return OboFailure{kind, 65001, "invalid_grant", "consent", {}, {}};
    };
  };
  EXPECT_FALSE(obtain(tokens, failing(OboFailureKind::invalid_assertion), &from_cache));
  EXPECT_FALSE(obtain(tokens, failing(OboFailureKind::invalid_assertion), &from_cache));
  EXPECT_EQ(exchanges, 2);
  EXPECT_FALSE(obtain(tokens, failing(OboFailureKind::configuration), &from_cache));
  EXPECT_FALSE(obtain(tokens, failing(OboFailureKind::configuration), &from_cache));
  EXPECT_EQ(exchanges, 3);  // the second came from the negative cache
}

TEST_F(OboTokensTest, ATokenAnotherGatewayExchangedIsTakenFromTheSharedTier) {
  MemoryTier tier;
  tier.entries["alice"] = {"from-elsewhere", clock.now() + 30min};
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "from-elsewhere");
  EXPECT_TRUE(from_cache);
  EXPECT_EQ(exchanges, 0);
  EXPECT_EQ(tokens.counters().shared_hits, 1u);
  // Kept here for as long as the other gateway decided, then no longer.
  EXPECT_EQ(*tokens.find_local(alice), "from-elsewhere");
  clock.advance(31min);
  EXPECT_FALSE(tokens.find_local(alice));
}

TEST_F(OboTokensTest, AnExchangeIsStoredInTheSharedTierAndItsClaimReleased) {
  MemoryTier tier;
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  EXPECT_EQ(*obtain(tokens, counting("fresh", 3600s), &from_cache), "fresh");
  ASSERT_TRUE(tier.entries.count("alice"));
  EXPECT_EQ(tier.entries["alice"].valid_until, clock.now() + 3600s - 120s);  // the margin, as locally
  EXPECT_EQ(tier.releases, 1);
}

TEST_F(OboTokensTest, AClaimHeldElsewhereIsWaitedForInsteadOfExchanging) {
  MemoryTier tier;
  tier.next_claim = SharedTokenCache::Claim::taken;
  tier.filled_while_waiting = SharedTokenCache::Entry{"theirs", clock.now() + 1h};
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "theirs");
  EXPECT_EQ(exchanges, 0);
  EXPECT_EQ(tier.waits, 1);
  EXPECT_EQ(tier.releases, 0);  // not ours to release
}

TEST_F(OboTokensTest, WhenTheOtherGatewayFailsThisOneExchangesItself) {
  MemoryTier tier;
  tier.next_claim = SharedTokenCache::Claim::taken;
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  EXPECT_EQ(*obtain(tokens, counting(), &from_cache), "fresh");
  EXPECT_EQ(exchanges, 1);
}

TEST_F(OboTokensTest, ForgettingAUserDropsTheLocalCopyHereAndEverywhere) {
  MemoryTier tier;
  OboTokens tokens({}, clock, &tier);
  bool from_cache = false;
  obtain(tokens, counting(), &from_cache);
  ASSERT_TRUE(tokens.find_local(alice));
  // Told by another gateway:
  tier.forget_one("tenant", "alice");
  EXPECT_FALSE(tokens.find_local(alice));
  obtain(tokens, counting(), &from_cache);
  // Or done here:
  EXPECT_TRUE(run_until_done(io, tokens.forget_user("tenant", "alice")));
  EXPECT_FALSE(tokens.find_local(alice));
  EXPECT_FALSE(tier.entries.count("alice"));
  // After the tier was unreachable, everything local goes.
  obtain(tokens, counting(), &from_cache);
  tier.forget_all();
  EXPECT_FALSE(tokens.find_local(alice));
}

}  // namespace
}  // namespace mcpgate::exchange
