#include "exchange/redis_token_cache.hpp"

#include <deque>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "exchange/obo_tokens.hpp"
#include "support/manual_clock.hpp"
#include "support/redis_server.hpp"
#include "support/run_task.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::exchange {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::run_until_done;

const std::string kSecret1 = "first-sealing-secret-of-32-characters!";
const std::string kSecret2 = "second-sealing-secret-of-32-characters";

// Two gateways' shared tiers on one real Redis.
class RedisTokenCacheTest : public ::testing::Test {
 protected:
  RedisTokenCacheSettings settings(std::vector<SealingKey> keys = {{"k1", kSecret1}}) {
    RedisTokenCacheSettings s;
    s.redis = redis::parse_url(server.url());
    s.redis.reconnect_min = 20ms;
    s.redis.reconnect_max = 100ms;
    s.prefix = "t:";
    s.keys = std::move(keys);
    return s;
  }
  std::unique_ptr<RedisTokenCache> gateway(std::vector<SealingKey> keys = {{"k1", kSecret1}}) {
    auto cache = std::make_unique<RedisTokenCache>(io.get_executor(), settings(std::move(keys)), clock);
    cache->start();
    EXPECT_TRUE(run_until(io, [&] { return cache->available(); }));
    return cache;
  }
  SharedTokenCache::Entry entry(std::string token) { return {std::move(token), clock.now() + 1h}; }

  testing::TempDir dir;
  testing::RedisServer server{dir.path()};
  testing::ManualClock clock;
  boost::asio::io_context io;
  const TokenCache::Key alice{"tenant", "alice-oid", "api://mcp/.default"};
  const TokenCache::Key bob{"tenant", "bob-oid", "api://mcp/.default"};
};

TEST_F(RedisTokenCacheTest, ATokenStoredByOneGatewayIsFoundByAnother) {
  auto one = gateway();
  auto two = gateway();
  run_until_done(io, [&]() -> Task<bool> {
    co_await one->store(alice, entry("alice-token"), clock.now());
    co_return true;
  }());
  auto found = run_until_done(io, two->find(alice));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->access_token, "alice-token");
  EXPECT_EQ(found->valid_until, clock.now() + 1h);
  EXPECT_FALSE(run_until_done(io, two->find(bob)));
  // Redis expires the entry when the gateway would stop using it.
  auto ttl = server.command({"PTTL", one->entry_key(alice)}).integer;
  EXPECT_GT(ttl, 3'590'000);
  EXPECT_LE(ttl, 3'600'000);
}

TEST_F(RedisTokenCacheTest, RedisHoldsOnlySealedTokensBoundToTheirUser) {
  auto one = gateway();
  run_until_done(io, [&]() -> Task<bool> {
    co_await one->store(alice, entry("alice-secret-token"), clock.now());
    co_await one->store(bob, entry("bob-secret-token"), clock.now());
    co_return true;
  }());
  auto stored = server.command({"GET", one->entry_key(alice)}).text;
  EXPECT_TRUE(stored.starts_with("k1."));
  EXPECT_EQ(stored.find("alice-secret-token"), std::string::npos);
  // Whoever can write Redis cannot hand Alice's token to Bob: the seal names the key it was made for.
  server.command({"SET", one->entry_key(bob), stored});
  EXPECT_FALSE(run_until_done(io, one->find(bob)));
  ASSERT_TRUE(run_until_done(io, one->find(alice)));
}

TEST_F(RedisTokenCacheTest, AKeyRotatesWithoutDroppingTheCache) {
  auto old_gateway = gateway({{"k1", kSecret1}});
  run_until_done(io, [&]() -> Task<bool> {
    co_await old_gateway->store(alice, entry("sealed-with-k1"), clock.now());
    co_return true;
  }());
  auto rotated = gateway({{"k2", kSecret2}, {"k1", kSecret1}});
  EXPECT_EQ(run_until_done(io, rotated->find(alice))->access_token, "sealed-with-k1");
  run_until_done(io, [&]() -> Task<bool> {
    co_await rotated->store(bob, entry("sealed-with-k2"), clock.now());
    co_return true;
  }());
  EXPECT_TRUE(server.command({"GET", rotated->entry_key(bob)}).text.starts_with("k2."));
  // A gateway without the key that sealed an entry treats it as a miss.
  auto stranger = gateway({{"k3", kSecret2}});
  EXPECT_FALSE(run_until_done(io, stranger->find(alice)));
}

TEST_F(RedisTokenCacheTest, ForgettingAUserDropsTheirTokensOnEveryGateway) {
  auto one = gateway();
  auto two = gateway();
  std::vector<std::string> forgotten;
  two->on_forget([&](const std::string& tid, const std::string& oid) { forgotten.push_back(tid + "/" + oid); }, [] {});
  const TokenCache::Key alice_elsewhere{"tenant", "alice-oid", "api://other/.default"};
  run_until_done(io, [&]() -> Task<bool> {
    co_await one->store(alice, entry("alice-token"), clock.now());
    co_await one->store(alice_elsewhere, entry("alice-other"), clock.now());
    co_await one->store(bob, entry("bob-token"), clock.now());
    co_return true;
  }());
  EXPECT_TRUE(run_until_done(io, one->forget_user("tenant", "alice-oid")));
  EXPECT_FALSE(run_until_done(io, two->find(alice)));
  EXPECT_TRUE(run_until_done(io, two->find(bob)));
  ASSERT_TRUE(run_until(io, [&] { return forgotten.size() == 1; }));
  EXPECT_EQ(forgotten[0], "tenant/alice-oid");
}

TEST_F(RedisTokenCacheTest, TheServerRemovingAUserReachesEveryGatewayAtOnce) {
  auto one = gateway();
  std::vector<std::string> forgotten;
  one->on_forget([&](const std::string& tid, const std::string& oid) { forgotten.push_back(tid + "/" + oid); }, [] {});
  run_until_done(io, [&]() -> Task<bool> {
    co_await one->store(alice, entry("alice-token"), clock.now());
    co_return true;
  }());
  // From code with no executor of its own (the server's administration), as `forget_user_now`.
  EXPECT_EQ(forget_user_now(settings().redis, "t:", "tenant", "alice-oid"), std::nullopt);
  EXPECT_FALSE(run_until_done(io, one->find(alice)));
  ASSERT_TRUE(run_until(io, [&] { return forgotten.size() == 1; }));
  // Redis gone: it says so within its timeouts instead of hanging the administrator's request.
  server.kill();
  auto unreachable = settings().redis;
  unreachable.connect_timeout = 200ms;
  auto problem = forget_user_now(unreachable, "t:", "tenant", "alice-oid");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find(unreachable.address()), std::string::npos) << *problem;
}

TEST_F(RedisTokenCacheTest, OneGatewayClaimsAndTheOtherWaitsForItsToken) {
  auto one = gateway();
  auto two = gateway();
  EXPECT_EQ(run_until_done(io, one->claim(alice, 10s)), SharedTokenCache::Claim::mine);
  EXPECT_EQ(run_until_done(io, two->claim(alice, 10s)), SharedTokenCache::Claim::taken);
  std::optional<SharedTokenCache::Entry> waited;
  bool done = false;
  boost::asio::co_spawn(io, two->wait_for(alice, 10s),
                        [&](std::exception_ptr, std::optional<SharedTokenCache::Entry> e) {
                          waited = std::move(e);
                          done = true;
                        });
  run_until_done(io, [&]() -> Task<bool> {
    co_await one->store(alice, entry("alice-token"), clock.now());
    co_await one->release(alice);
    co_return true;
  }());
  ASSERT_TRUE(run_until(
      io, [&] { return done; }, 5s));  // woken by the release, not by the 10 s bound
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->access_token, "alice-token");
  EXPECT_EQ(run_until_done(io, two->claim(alice, 10s)), SharedTokenCache::Claim::mine);
}

TEST_F(RedisTokenCacheTest, ConcurrentMissesOnTwoGatewaysCauseOneExchange) {
  auto shared_one = gateway();
  auto shared_two = gateway();
  OboTokens one({{}, 5s}, clock, shared_one.get());
  OboTokens two({{}, 5s}, clock, shared_two.get());
  int exchanges = 0;
  auto exchange = [&]() -> Task<OboTokens::Exchanged> {
    ++exchanges;
    co_return OboToken{"exchanged-once", std::chrono::seconds(3600), "api://mcp/.default"};
  };
  std::vector<std::string> tokens;
  std::deque<bool> from_cache(10);
  int finished = 0;
  for (int i = 0; i < 10; ++i) {
    auto& tier = i % 2 ? one : two;
    boost::asio::co_spawn(io, tier.obtain(alice, exchange, &from_cache[i]),
                          [&](std::exception_ptr, OboTokens::Outcome outcome) {
                            tokens.push_back(outcome ? *outcome : "failed");
                            ++finished;
                          });
  }
  ASSERT_TRUE(run_until(io, [&] { return finished == 10; }));
  EXPECT_EQ(exchanges, 1);
  for (auto& t : tokens) EXPECT_EQ(t, "exchanged-once");
  EXPECT_EQ(one.counters().exchanges + two.counters().exchanges, 1u);
  EXPECT_EQ(one.counters().shared_hits + two.counters().shared_hits, 1u);  // the other gateway's leader
}

TEST_F(RedisTokenCacheTest, WithoutRedisEveryCallSaysSoAndNothingIsShared) {
  auto one = gateway();
  bool dropped_all = false;
  one->on_forget([](const std::string&, const std::string&) {}, [&] { dropped_all = true; });
  server.kill();
  ASSERT_TRUE(run_until(io, [&] { return !one->available(); }));
  EXPECT_NE(one->state(), "connected");
  EXPECT_FALSE(run_until_done(io, one->find(alice)));
  EXPECT_EQ(run_until_done(io, one->claim(alice, 1s)), SharedTokenCache::Claim::unavailable);
  EXPECT_FALSE(run_until_done(io, one->forget_user("tenant", "alice-oid")));
  server.restart();
  ASSERT_TRUE(run_until(io, [&] { return one->available(); }));
  // Messages may have been missed while it was away: the local copies are dropped.
  EXPECT_TRUE(dropped_all);
}

TEST(SealingKeys, AreCheckedWithAClearSentence) {
  EXPECT_THROW(check_sealing_keys({}), std::invalid_argument);
  EXPECT_THROW(check_sealing_keys({{"k1", "short"}}), std::invalid_argument);
  EXPECT_THROW(check_sealing_keys({{"bad id", kSecret1}}), std::invalid_argument);
  EXPECT_THROW(check_sealing_keys({{"k1", kSecret1}, {"k1", kSecret2}}), std::invalid_argument);
  EXPECT_NO_THROW(check_sealing_keys({{"k1", kSecret1}, {"k2", kSecret2}}));
  try {
    check_sealing_keys({{"k1", "short-secret-value"}});
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("short-secret-value"), std::string::npos);
  }
}

}  // namespace
}  // namespace mcpgate::exchange
