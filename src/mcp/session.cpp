#include "mcp/session.hpp"

#include <algorithm>

#include "crypto/random.hpp"

namespace mcpgate::mcp {

SessionStore::SessionStore(SessionStoreOptions options) : options_(options) {
  options_.max_sessions = std::max<size_t>(1, options_.max_sessions);
}

std::string SessionStore::create(std::string protocol_version, SysTime now) {
  SessionState state;
  state.protocol_version = std::move(protocol_version);
  return create(std::move(state), now);
}

std::string SessionStore::create(SessionState state, SysTime now) {
  std::string id = crypto::random_token(32);
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= options_.max_sessions) {
    std::erase_if(sessions_, [&](const auto& s) { return expired(s.second, now); });
    if (sessions_.size() >= options_.max_sessions)
      sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
        return a.second.last_used < b.second.last_used;
      }));
  }
  sessions_.insert_or_assign(id, Entry{std::move(state), now});
  return id;
}

std::optional<SessionState> SessionStore::find(std::string_view id, SysTime now) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = std::max(it->second.last_used, now);
  return it->second.state;
}

bool SessionStore::update(std::string_view id, SessionState state) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return false;
  it->second.state = std::move(state);
  return true;
}

bool SessionStore::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  return sessions_.erase(std::string(id)) > 0;
}

size_t SessionStore::expire(SysTime now) {
  std::lock_guard lock(mutex_);
  return std::erase_if(sessions_, [&](const auto& s) { return expired(s.second, now); });
}

size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace mcpgate::mcp
