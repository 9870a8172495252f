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

}  // namespace mcpgate::http
