#include "redis/rate_limit.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/redis_server.hpp"
#include "support/run_task.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::redis {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::run_until_done;

class SharedRateLimiterTest : public ::testing::Test {
 protected:
  SharedRateLimiterTest() {
    auto s = parse_url(server.url());
    s.reconnect_min = 20ms;
    s.reconnect_max = 100ms;
    first = std::make_unique<Client>(io.get_executor(), s, "gateway-1");
    second = std::make_unique<Client>(io.get_executor(), s, "gateway-2");
    first->start();
    second->start();
    run_until(io, [&] { return first->connected() && second->connected(); });
  }
  testing::TempDir dir;
  testing::RedisServer server{dir.path()};
  testing::ManualClock clock;
  boost::asio::io_context io;
  std::unique_ptr<Client> first, second;
};

TEST_F(SharedRateLimiterTest, TwoGatewaysShareOneBudgetPerCaller) {
  // Five requests an hour: however they are spread over the two gateways, the sixth is refused.
  SharedRateLimiter a(*first, "test:", "/mcp", 5, std::chrono::hours(1), clock);
  SharedRateLimiter b(*second, "test:", "/mcp", 5, std::chrono::hours(1), clock);
  for (int i = 0; i < 5; ++i) {
    auto decision = run_until_done(io, (i % 2 ? a : b).take("tenant/alice"));
    EXPECT_TRUE(decision.allowed) << i;
    EXPECT_EQ(decision.remaining, 4 - i);
  }
  auto refused = run_until_done(io, a.take("tenant/alice"));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 5);
  EXPECT_EQ(refused.retry_after_seconds, 720);  // one request every 12 minutes
  EXPECT_FALSE(run_until_done(io, b.take("tenant/alice")).allowed);
  // Another user, and the same user on another route, have budgets of their own.
  EXPECT_TRUE(run_until_done(io, b.take("tenant/bob")).allowed);
  SharedRateLimiter other_route(*first, "test:", "/other", 5, std::chrono::hours(1), clock);
  EXPECT_TRUE(run_until_done(io, other_route.take("tenant/alice")).allowed);
  EXPECT_FALSE(a.fell_back());
}

TEST_F(SharedRateLimiterTest, WithoutRedisEachGatewayLimitsOnItsOwnUntilItIsBack) {
  SharedRateLimiter a(*first, "test:", "/mcp", 2, std::chrono::hours(1), clock);
  server.kill();
  ASSERT_TRUE(run_until(io, [&] { return !first->connected(); }));
  EXPECT_TRUE(run_until_done(io, a.take("tenant/alice")).allowed);
  EXPECT_TRUE(a.fell_back());
  EXPECT_TRUE(run_until_done(io, a.take("tenant/alice")).allowed);
  EXPECT_FALSE(run_until_done(io, a.take("tenant/alice")).allowed);  // the local bucket still limits
  server.restart();
  ASSERT_TRUE(run_until(io, [&] { return first->connected(); }));
  EXPECT_TRUE(run_until_done(io, a.take("tenant/alice")).allowed);  // a fresh bucket in the new Redis
  EXPECT_FALSE(a.fell_back());
}

TEST_F(SharedRateLimiterTest, AQuotaHoldsAcrossGatewaysAndFallsBackWithoutRedis) {
  SharedQuota a(*first, "test:", "/mcp", 3, std::chrono::hours(24), clock);
  SharedQuota b(*second, "test:", "/mcp", 3, std::chrono::hours(24), clock);
  EXPECT_TRUE(run_until_done(io, a.take("tenant/alice")).allowed);
  EXPECT_TRUE(run_until_done(io, b.take("tenant/alice")).allowed);
  auto third = run_until_done(io, a.take("tenant/alice"));
  EXPECT_TRUE(third.allowed);
  EXPECT_EQ(third.used, 3);
  EXPECT_GT(third.reset_seconds, 0);
  EXPECT_LE(third.reset_seconds, 24 * 3600);
  auto refused = run_until_done(io, b.take("tenant/alice"));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 3);
  EXPECT_TRUE(run_until_done(io, b.take("tenant/bob")).allowed);
  EXPECT_FALSE(a.fell_back());
  server.kill();
  ASSERT_TRUE(run_until(io, [&] { return !first->connected(); }));
  EXPECT_TRUE(run_until_done(io, a.take("tenant/alice")).allowed);  // counted here alone meanwhile
  EXPECT_TRUE(a.fell_back());
}

}  // namespace
}  // namespace mcpgate::redis
