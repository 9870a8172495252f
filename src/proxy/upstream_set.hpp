#pragma once
// Several MCP servers behind one route: which one answers a request. Round robin over those that
// pass their health check and are not ejected; a session opened on one stays with it (its
// Mcp-Session-Id carries the choice under an HMAC, so no table is kept and every gateway with the
// same key routes it alike). Pure: the gateway reports what happened, a clock says when.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "crypto/hash.hpp"

namespace mcpgate::proxy {

struct UpstreamHealth {
  std::string path = "/readyz";  // a 200 means ready
  std::chrono::milliseconds interval{5'000};
  std::chrono::milliseconds timeout{2'000};
  int unhealthy_after = 2;  // consecutive failed checks
  int healthy_after = 1;    // consecutive good checks
  // Passive: consecutive connection failures that eject an upstream, and for how long.
  int eject_after = 2;
  std::chrono::milliseconds ejection{30'000};
};

class UpstreamSet {
 public:
  UpstreamSet(std::vector<std::string> urls, UpstreamHealth health, std::string_view affinity_key);

  size_t size() const { return urls_.size(); }
  const std::string& url(size_t i) const { return urls_[i]; }
  const UpstreamHealth& health() const { return health_; }

  // The next upstream for a request bound to none: round robin over the available ones; when
  // none is available, over all (a guess beats a certain failure). `except`: one that just failed.
  size_t pick(SysTime now, std::optional<size_t> except = std::nullopt);
  bool available(size_t i, SysTime now) const;

  // What the gateway saw: a connection that could not be made, or any answer at all.
  void connect_failed(size_t i, SysTime now);
  void answered(size_t i);
  // An active health check's result; true when this changed whether the upstream is in service.
  bool checked(size_t i, bool ok);

  // The session ID the client sees for `session` opened on upstream i, and back. nullopt when
  // the ID was not made by a gateway with this key (or names an upstream this route lacks).
  std::string seal_session(size_t i, std::string_view session) const;
  struct Bound {
    size_t upstream = 0;
    std::string session;  // as the MCP server issued it
  };
  std::optional<Bound> open_session(std::string_view sealed) const;

 private:
  struct State {
    bool healthy = true;
    int check_failures = 0, check_successes = 0;
    int connect_failures = 0;
    SysTime ejected_until{};
  };
  std::string tag(size_t i, std::string_view session) const;

  std::vector<std::string> urls_;
  UpstreamHealth health_;
  crypto::HmacSha256 mac_;
  mutable std::mutex mutex_;
  std::vector<State> states_;
  size_t next_ = 0;
};

}  // namespace mcpgate::proxy
