#pragma once
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "common/clock.hpp"

namespace mcpgate::proxy {

// One MCP request, as the audit trail records it. No token or secret ever goes in here.
struct AuditRecord {
  SysTime time;
  std::string tid;
  std::string oid;
  std::string preferred_username;
  std::string route;
  std::string http_method;
  std::string rpc_method;
  std::string tool;
  int status = 0;  // what the client got
  double latency_ms = 0;
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  std::string outcome;  // "forwarded", or why not (a reason code)
};

// JSON lines to a file or standard output, one per record, flushed as written.
class AuditLog {
 public:
  explicit AuditLog(const std::string& destination);  // path, "-" (stdout) or "off"
  ~AuditLog();
  void write(const AuditRecord& record);
  // Whether records go anywhere: when not, callers skip assembling them.
  bool enabled() const { return out_ != nullptr; }
  static std::string to_json(const AuditRecord& record);

 private:
  std::mutex mutex_;
  FILE* out_ = nullptr;
  bool owned_ = false;
};

}  // namespace mcpgate::proxy
