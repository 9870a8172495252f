#pragma once
#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace mcpgate::proxy {

// The gateway's Prometheus metrics. Requests are counted in atomics per route and status, so
// the request path takes no lock; the rarer labelled counters (refusals, exchanges) sit behind
// one mutex.
class Metrics {
 public:
  // A route's counters; the same name always gets the same slot.
  size_t route_slot(const std::string& route);
  void request(size_t route_slot, int status);
  void request(const std::string& route, int status) { request(route_slot(route), status); }
  void validation_failure(const std::string& reason);
  void exchange(const std::string& outcome, double seconds);  // outcome: ok, invalid_assertion, …

  std::atomic<long> verified_cache_hits{0};
  std::atomic<long> obo_cache_hits{0};
  std::atomic<long> obo_cache_misses{0};
  std::atomic<long> obo_cache_evictions{0};  // cached tokens the MCP server refused as invalid
  std::atomic<long> open_streams{0};

  std::string render() const;  // text exposition format 0.0.4

 private:
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  struct RouteCounters {
    std::string route;
    std::array<std::atomic<long>, kMaxStatus - kMinStatus + 1> by_status{};
  };

  static constexpr size_t kMaxRoutes = 256;

  mutable std::mutex mutex_;
  std::deque<RouteCounters> routes_;  // owns the counters; a deque so they never move
  // What request() reads without the lock: published once, never changed.
  std::array<std::atomic<RouteCounters*>, kMaxRoutes> slots_{};
  // Statuses outside 100..599 and routes beyond kMaxRoutes: counted under the lock.
  std::map<std::pair<std::string, int>, long> odd_requests_;
  std::map<std::string, long> failures_;
  std::map<std::string, long> exchanges_;
  double exchange_seconds_sum_ = 0;
  long exchange_count_ = 0;
};

}  // namespace mcpgate::proxy
