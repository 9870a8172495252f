#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace mcpgate::http {

void RateDecision::apply(Headers& headers) const {
  headers.set("RateLimit-Limit", std::to_string(limit));
  headers.set("RateLimit-Remaining", std::to_string(remaining));
  headers.set("RateLimit-Reset", std::to_string(reset_seconds));
  if (!allowed) headers.set("Retry-After", std::to_string(retry_after_seconds));
}

RateLimiter::RateLimiter(int64_t requests, std::chrono::seconds window, const Clock& clock)
    : requests_(requests), window_(window), clock_(clock) {}

RateDecision RateLimiter::take(const std::string& caller) {
  RateDecision d;
  d.limit = requests_;
  if (requests_ <= 0) {
    d.remaining = 0;
    return d;
  }
  double per_second = double(requests_) / double(std::max<int64_t>(1, window_.count()));
  auto now = clock_.now();
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ > window_) {
    // A bucket idle for a whole window is full again; dropping it changes nothing.
    std::erase_if(buckets_, [&](auto& entry) { return now - entry.second.updated > window_; });
    last_sweep_ = now;
  }
  auto [it, inserted] = buckets_.try_emplace(caller, Bucket{double(requests_), now});
  auto& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(double(requests_), bucket.tokens + std::max(0.0, elapsed) * per_second);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after_seconds = int64_t(std::ceil((1.0 - bucket.tokens) / per_second));
  }
  d.remaining = int64_t(std::floor(bucket.tokens));
  d.reset_seconds = int64_t(std::ceil((double(requests_) - bucket.tokens) / per_second));
  return d;
}

}  // namespace mcpgate::http
