#pragma once
#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace mcpgate::proxy {

// The gateway's Prometheus metrics. Counters with labels sit behind one mutex (uncontended
// in practice: one increment per request); the plain ones are atomics.
class Metrics {
 public:
  void request(const std::string& route, int status);
  void validation_failure(const std::string& reason);
  void exchange(const std::string& outcome, double seconds);  // outcome: ok, invalid_assertion, …

  std::atomic<long> verified_cache_hits{0};
  std::atomic<long> obo_cache_hits{0};
  std::atomic<long> obo_cache_misses{0};
  std::atomic<long> open_streams{0};

  std::string render() const;  // text exposition format 0.0.4

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, long> requests_;
  std::map<std::string, long> failures_;
  std::map<std::string, long> exchanges_;
  double exchange_seconds_sum_ = 0;
  long exchange_count_ = 0;
};

}  // namespace mcpgate::proxy
