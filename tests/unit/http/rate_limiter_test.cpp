#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"

namespace mcpgate::http {
namespace {

TEST(RateLimiter, BudgetPerCallerRefillsOverTheWindow) {
  testing::ManualClock clock;
  RateLimiter limiter(3, std::chrono::seconds(60), clock);
  EXPECT_EQ(limiter.take("alice").remaining, 2);
  EXPECT_TRUE(limiter.take("alice").allowed);
  EXPECT_TRUE(limiter.take("alice").allowed);
  auto refused = limiter.take("alice");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_seconds, 20);  // one request every 20 s
  EXPECT_EQ(refused.reset_seconds, 60);
  EXPECT_TRUE(limiter.take("bob").allowed);  // callers never share a budget
  clock.advance(std::chrono::seconds(20));
  EXPECT_TRUE(limiter.take("alice").allowed);
  EXPECT_FALSE(limiter.take("alice").allowed);
}

TEST(RateLimiter, IdleCallersComeBackWithAFullBudget) {
  testing::ManualClock clock;
  RateLimiter limiter(2, std::chrono::seconds(10), clock);
  limiter.take("alice");
  limiter.take("alice");
  clock.advance(std::chrono::seconds(3600));
  EXPECT_EQ(limiter.take("alice").remaining, 1);
}

TEST(RateLimiter, ZeroTurnsItOff) {
  testing::ManualClock clock;
  RateLimiter limiter(0, std::chrono::seconds(60), clock);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.take("alice").allowed);
}

// The manual clock starts at 08:00 UTC: the day's quota has 16 h to go.
TEST(QuotaCounter, CountsPerCallerUntilTheWindowTurnsOverAtMidnightUtc) {
  testing::ManualClock clock;
  QuotaCounter quota(2, std::chrono::hours(24), clock);
  auto first = quota.take("alice");
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.used, 1);
  EXPECT_EQ(first.reset_seconds, 16 * 3600);
  EXPECT_TRUE(quota.take("alice").allowed);
  auto refused = quota.take("alice");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 2);
  EXPECT_TRUE(quota.take("bob").allowed);
  // Unlike a bucket, time within the day gives nothing back...
  clock.advance(std::chrono::hours(15));
  EXPECT_FALSE(quota.take("alice").allowed);
  EXPECT_EQ(quota.take("alice").reset_seconds, 3600);
  // ...and the next day starts over.
  clock.advance(std::chrono::hours(1));
  EXPECT_TRUE(quota.take("alice").allowed);
  EXPECT_EQ(quota.take("alice").used, 2);
}

TEST(RateDecision, HeadersIncludeRetryAfterOnlyWhenRefused) {
  http::Headers allowed_headers, refused_headers;
  RateDecision{true, 10, 9, 6, 0}.apply(allowed_headers);
  EXPECT_EQ(allowed_headers.get("RateLimit-Limit").value_or(""), "10");
  EXPECT_EQ(allowed_headers.get("RateLimit-Remaining").value_or(""), "9");
  EXPECT_EQ(allowed_headers.get("RateLimit-Reset").value_or(""), "6");
  EXPECT_FALSE(allowed_headers.get("Retry-After"));
  RateDecision{false, 10, 0, 60, 6}.apply(refused_headers);
  EXPECT_EQ(refused_headers.get("Retry-After").value_or(""), "6");
}

}  // namespace
}  // namespace mcpgate::http
