#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "http/message.hpp"

namespace mcpgate::http {

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_seconds = 0;        // until the budget is full again
  int64_t retry_after_seconds = 0;  // when refused: until one request is allowed

  // RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, and Retry-After when refused.
  void apply(Headers& headers) const;
  // What a token bucket of `requests` per `window` holding `tokens_left` after this request says.
  static RateDecision of_bucket(int64_t requests, std::chrono::seconds window, double tokens_left, bool allowed);
};

// A token bucket per caller (user or API key, never IP address): `requests` per `window`,
// refilled continuously. Idle callers are forgotten so the table stays small.
class RateLimiter {
 public:
  RateLimiter(int64_t requests, std::chrono::seconds window, const Clock& clock);
  RateDecision take(const std::string& caller);
  bool enabled() const { return requests_ > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    SysTime updated{};
  };
  int64_t requests_;
  std::chrono::seconds window_;
  const Clock& clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  SysTime last_sweep_{};
};

// A quota: at most `requests` per caller in each window, windows aligned to multiples of the
// window since the epoch (so a day runs from midnight UTC). Unlike the bucket above it does not
// refill as time passes; it starts over with the next window.
struct QuotaDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t used = 0;           // in this window, this request included
  int64_t reset_seconds = 0;  // until the next window
};

class QuotaCounter {
 public:
  QuotaCounter(int64_t requests, std::chrono::seconds window, const Clock& clock);
  QuotaDecision take(const std::string& caller);

 private:
  int64_t requests_;
  std::chrono::seconds window_;
  const Clock& clock_;
  std::mutex mutex_;
  int64_t current_window_ = -1;
  std::unordered_map<std::string, int64_t> used_;  // in current_window_
};

}  // namespace mcpgate::http
