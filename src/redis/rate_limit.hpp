#pragma once
// Per-caller rate limits that hold across every gateway sharing one Redis: the same token bucket
// as http::RateLimiter, kept in Redis and updated atomically by a script on Redis's own clock
// (so gateways whose clocks differ still agree). While Redis is unavailable each gateway falls
// back to its own local bucket rather than refusing or waving everything through.
#include <atomic>
#include <chrono>
#include <string>

#include "http/rate_limiter.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace mcpgate::redis {

class SharedRateLimiter {
 public:
  // `name` tells limits apart in Redis (the route's prefix); `prefix` is the deployment's key prefix.
  SharedRateLimiter(Client& client, const std::string& prefix, const std::string& name, int64_t requests,
                    std::chrono::seconds window, const Clock& clock);
  Task<http::RateDecision> take(std::string caller);
  // Whether the last decision came from the local fallback.
  bool fell_back() const { return fell_back_; }

 private:
  Client& client_;
  std::string key_prefix_;
  int64_t requests_;
  std::chrono::seconds window_;
  http::RateLimiter local_;
  Script script_;
  std::atomic<bool> fell_back_{false};
};

// Per-caller quotas (so many requests a day) across every gateway sharing one Redis: one counter
// per caller and window, incremented atomically, windows cut on Redis's clock. Without Redis,
// each gateway counts on its own until it is back.
class SharedQuota {
 public:
  SharedQuota(Client& client, const std::string& prefix, const std::string& name, int64_t requests,
              std::chrono::seconds window, const Clock& clock);
  Task<http::QuotaDecision> take(std::string caller);
  bool fell_back() const { return fell_back_; }

 private:
  Client& client_;
  std::string key_prefix_;
  int64_t requests_;
  std::chrono::seconds window_;
  http::QuotaCounter local_;
  Script script_;
  std::atomic<bool> fell_back_{false};
};

}  // namespace mcpgate::redis
