#pragma once
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace mcpgate::mcp {

// What the server remembers about one MCP session between requests.
struct SessionState {
  std::string protocol_version;  // negotiated by initialize
  bool initialized = false;      // notifications/initialized arrived
  std::string client_name;       // clientInfo, for logs
  std::string client_version;

  bool operator==(const SessionState&) const = default;
};

struct SessionStoreOptions {
  std::chrono::seconds idle_timeout{std::chrono::minutes(30)};  // forgotten after this long unused
  size_t max_sessions = 10'000;  // when full, expired sessions go first, then the least recently used
};

// Sessions by Mcp-Session-Id. Thread-safe. Time comes in as `now` from the caller's Clock, so
// tests move time instead of sleeping. A session's idle time restarts whenever it is found.
class SessionStore {
 public:
  explicit SessionStore(SessionStoreOptions options = {});

  // A new session and its id: 32 random bytes in base64url, so only visible ASCII (0x21–0x7E).
  std::string create(std::string protocol_version, SysTime now);
  std::string create(SessionState state, SysTime now);
  // The session's state if it exists and has not been idle for idle_timeout; refreshes its use.
  std::optional<SessionState> find(std::string_view id, SysTime now);
  // Replaces a live session's state; false when there is no such session.
  bool update(std::string_view id, SessionState state);
  // Ends a session; false when there was none.
  bool remove(std::string_view id);
  // Drops every expired session; returns how many went.
  size_t expire(SysTime now);
  size_t size() const;

 private:
  struct Entry {
    SessionState state;
    SysTime last_used;
  };
  bool expired(const Entry& e, SysTime now) const { return now - e.last_used >= options_.idle_timeout; }

  SessionStoreOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace mcpgate::mcp
