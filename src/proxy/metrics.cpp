#include "proxy/metrics.hpp"

#include <fmt/format.h>

namespace mcpgate::proxy {

void Metrics::request(const std::string& route, int status) {
  std::lock_guard guard(mutex_);
  ++requests_[{route, status}];
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
  for (auto& [k, v] : requests_) out += fmt::format("mcpgate_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", k.first, k.second, v);
  out += "# HELP mcpgate_token_validation_failures_total Refused bearer tokens, by reason.\n";
  out += "# TYPE mcpgate_token_validation_failures_total counter\n";
  for (auto& [k, v] : failures_) out += fmt::format("mcpgate_token_validation_failures_total{{reason=\"{}\"}} {}\n", k, v);
  out += "# HELP mcpgate_obo_exchanges_total On-Behalf-Of exchanges with the identity provider, by outcome.\n";
  out += "# TYPE mcpgate_obo_exchanges_total counter\n";
  for (auto& [k, v] : exchanges_) out += fmt::format("mcpgate_obo_exchanges_total{{outcome=\"{}\"}} {}\n", k, v);
  out += "# HELP mcpgate_obo_exchange_seconds Time spent in On-Behalf-Of exchanges.\n";
  out += "# TYPE mcpgate_obo_exchange_seconds summary\n";
  out += fmt::format("mcpgate_obo_exchange_seconds_sum {}\nmcpgate_obo_exchange_seconds_count {}\n", exchange_seconds_sum_,
                     exchange_count_);
  out += "# TYPE mcpgate_obo_cache_hits_total counter\n";
  out += fmt::format("mcpgate_obo_cache_hits_total {}\n", obo_cache_hits.load());
  out += "# TYPE mcpgate_obo_cache_misses_total counter\n";
  out += fmt::format("mcpgate_obo_cache_misses_total {}\n", obo_cache_misses.load());
  out += "# TYPE mcpgate_verified_token_cache_hits_total counter\n";
  out += fmt::format("mcpgate_verified_token_cache_hits_total {}\n", verified_cache_hits.load());
  out += "# HELP mcpgate_open_streams Responses currently streaming to clients.\n";
  out += "# TYPE mcpgate_open_streams gauge\n";
  out += fmt::format("mcpgate_open_streams {}\n", open_streams.load());
  return out;
}

}  // namespace mcpgate::proxy
