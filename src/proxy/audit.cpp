#include "proxy/audit.hpp"

#include <cmath>
#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

namespace mcpgate::proxy {

AuditLog::AuditLog(const std::string& destination) {
  if (destination == "off") return;
  if (destination == "-") {
    out_ = stdout;
    return;
  }
  out_ = std::fopen(destination.c_str(), "a");
  if (!out_) throw std::runtime_error("cannot open audit log " + destination + " for appending");
  owned_ = true;
}

AuditLog::~AuditLog() {
  if (owned_) std::fclose(out_);
}

std::string AuditLog::to_json(const AuditRecord& r) {
  // fmt 9 formats a time_point in local time and drops the fraction: format a UTC std::tm instead.
  auto seconds = std::chrono::floor<std::chrono::seconds>(r.time);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.time - seconds).count();
  auto utc = fmt::gmtime(std::chrono::system_clock::to_time_t(seconds));
  boost::json::object o{{"time", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, ms)},
                        {"tid", r.tid},
                        {"oid", r.oid},
                        {"preferred_username", r.preferred_username},
                        {"route", r.route},
                        {"http_method", r.http_method},
                        {"rpc_method", r.rpc_method},
                        {"tool", r.tool},
                        {"status", r.status},
                        {"latency_ms", std::round(r.latency_ms * 1000) / 1000},
                        {"request_bytes", r.request_bytes},
                        {"response_bytes", r.response_bytes},
                        {"outcome", r.outcome}};
  return boost::json::serialize(o);
}

void AuditLog::write(const AuditRecord& record) {
  if (!out_) return;
  auto line = to_json(record) + "\n";
  std::lock_guard guard(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace mcpgate::proxy
