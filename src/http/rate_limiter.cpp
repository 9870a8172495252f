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

RateDecision RateDecision::of_bucket(int64_t requests, std::chrono::seconds window, double tokens_left, bool allowed) {
  double per_second = double(requests) / double(std::max<int64_t>(1, window.count()));
  RateDecision d;
  d.limit = requests;
  d.allowed = allowed;
  if (!allowed) d.retry_after_seconds = std::max<int64_t>(1, int64_t(std::ceil((1.0 - tokens_left) / per_second)));
  d.remaining = int64_t(std::floor(tokens_left));
  d.reset_seconds = int64_t(std::ceil((double(requests) - tokens_left) / per_second));
  return d;
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
  bool allowed = bucket.tokens >= 1.0;
  if (allowed) bucket.tokens -= 1.0;
  return RateDecision::of_bucket(requests_, window_, bucket.tokens, allowed);
}

QuotaCounter::QuotaCounter(int64_t requests, std::chrono::seconds window, const Clock& clock)
    : requests_(requests), window_(std::max<std::chrono::seconds>(window, std::chrono::seconds(1))), clock_(clock) {}

QuotaDecision QuotaCounter::take(const std::string& caller) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  int64_t window = since_epoch / window_.count();
  std::lock_guard lock(mutex_);
  if (window != current_window_) {
    used_.clear();  // a new window: everyone starts over, and the table is as small as it gets
    current_window_ = window;
  }
  int64_t used = ++used_[caller];
  return {used <= requests_, requests_, used, (window + 1) * window_.count() - since_epoch};
}

}  // namespace mcpgate::http
