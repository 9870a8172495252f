#include "proxy/metrics.hpp"

#include <fmt/format.h>

namespace mcpgate::proxy {

size_t Metrics::route_slot(const std::string& route) {
  std::lock_guard guard(mutex_);
  for (size_t i = 0; i < routes_.size(); ++i)
    if (routes_[i].route == route) return i;
  auto& counters = routes_.emplace_back();
  counters.route = route;
  if (routes_.size() <= kMaxRoutes) slots_[routes_.size() - 1].store(&counters, std::memory_order_release);
  return routes_.size() - 1;
}

void Metrics::request(size_t slot, int status) {
  RouteCounters* counters = slot < kMaxRoutes ? slots_[slot].load(std::memory_order_acquire) : nullptr;
  if (counters && status >= kMinStatus && status <= kMaxStatus) {
    counters->by_status[size_t(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::lock_guard guard(mutex_);
  if (slot < routes_.size()) ++odd_requests_[{routes_[slot].route, status}];
}

void Metrics::validation_failure(const std::string& reason) {
  std::lock_guard guard(mutex_);
  ++failures_[reason];
}

void Metrics::exchange(const std::string& outcome, double seconds) {
  std::lock_guard guard(mutex_);
  ++exchanges_[outcome];
  exchange_seconds_sum_ += seconds;
  ++exchange_count_;
}

std::string Metrics::render() const {
  std::lock_guard guard(mutex_);
  std::string out;
  out += "# HELP mcpgate_requests_total Requests answered, by route and HTTP status.\n";
  out += "# TYPE mcpgate_requests_total counter\n";
  std::map<std::pair<std::string, int>, long> requests = odd_requests_;
  for (auto& r : routes_)
    for (size_t i = 0; i < r.by_status.size(); ++i)
      if (long n = r.by_status[i].load(std::memory_order_relaxed)) requests[{r.route, int(i) + kMinStatus}] += n;
  for (auto& [k, v] : requests)
    out += fmt::format("mcpgate_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", k.first, k.second, v);
  out += "# HELP mcpgate_token_validation_failures_total Refused bearer tokens, by reason.\n";
  out += "# TYPE mcpgate_token_validation_failures_total counter\n";
  for (auto& [k, v] : failures_)
    out += fmt::format("mcpgate_token_validation_failures_total{{reason=\"{}\"}} {}\n", k, v);
  out += "# HELP mcpgate_obo_exchanges_total On-Behalf-Of exchanges with the identity provider, by outcome.\n";
  out += "# TYPE mcpgate_obo_exchanges_total counter\n";
  for (auto& [k, v] : exchanges_) out += fmt::format("mcpgate_obo_exchanges_total{{outcome=\"{}\"}} {}\n", k, v);
  out += "# HELP mcpgate_obo_exchange_seconds Time spent in On-Behalf-Of exchanges.\n";
  out += "# TYPE mcpgate_obo_exchange_seconds summary\n";
  out += fmt::format("mcpgate_obo_exchange_seconds_sum {}\nmcpgate_obo_exchange_seconds_count {}\n",
                     exchange_seconds_sum_, exchange_count_);
  out += "# TYPE mcpgate_obo_cache_hits_total counter\n";
  out += fmt::format("mcpgate_obo_cache_hits_total {}\n", obo_cache_hits.load());
  out += "# TYPE mcpgate_obo_cache_misses_total counter\n";
  out += fmt::format("mcpgate_obo_cache_misses_total {}\n", obo_cache_misses.load());
  out +=
      "# HELP mcpgate_obo_cache_evictions_total Cached On-Behalf-Of tokens dropped because the MCP server "
      "refused them as invalid.\n";
  out += "# TYPE mcpgate_obo_cache_evictions_total counter\n";
  out += fmt::format("mcpgate_obo_cache_evictions_total {}\n", obo_cache_evictions.load());
  out += "# TYPE mcpgate_verified_token_cache_hits_total counter\n";
  out += fmt::format("mcpgate_verified_token_cache_hits_total {}\n", verified_cache_hits.load());
  out += "# HELP mcpgate_open_streams Responses currently streaming to clients.\n";
  out += "# TYPE mcpgate_open_streams gauge\n";
  out += fmt::format("mcpgate_open_streams {}\n", open_streams.load());
  return out;
}

}  // namespace mcpgate::proxy
