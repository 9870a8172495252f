#include "dashboard/sessions.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace mcpgate::dashboard {
namespace {

constexpr size_t kRandomBytes = 32;

std::string key_of(std::string_view value) { return crypto::hex(crypto::sha256(value)); }

}  // namespace

SessionTable::SessionTable(const Clock& clock, std::chrono::seconds lifetime, size_t max_entries)
    : clock_(clock), lifetime_(lifetime), max_entries_(std::max<size_t>(max_entries, 1)) {}

// Expired entries first; then the owner's own oldest past its share; then, if still full, the
// one closest to expiring.
template <class Entry, class Same>
void SessionTable::make_room(std::map<std::string, Entry>& table, size_t per_owner, Same same_owner) {
  auto now = clock_.now();
  std::erase_if(table, [&](const auto& item) { return item.second.expires <= now; });
  auto soonest_of = [&](auto pick) {
    auto best = table.end();
    for (auto it = table.begin(); it != table.end(); ++it)
      if (pick(it->second) && (best == table.end() || it->second.expires < best->second.expires)) best = it;
    return best;
  };
  while (size_t(std::count_if(table.begin(), table.end(), [&](const auto& item) { return same_owner(item.second); })) >=
         per_owner)
    table.erase(soonest_of(same_owner));
  while (table.size() >= max_entries_) table.erase(soonest_of([](const Entry&) { return true; }));
}

std::string SessionTable::create(Identity who) {
  std::string cookie = crypto::random_token(kRandomBytes);
  Session session{std::move(who), crypto::random_token(kRandomBytes), clock_.now() + lifetime_};
  std::lock_guard lock(mutex_);
  make_room(sessions_, kMaxPerPerson, [&](const Session& other) { return other.who.oid == session.who.oid; });
  sessions_.emplace(key_of(cookie), std::move(session));
  return cookie;
}

std::optional<Session> SessionTable::find(std::string_view cookie) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key_of(cookie));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= clock_.now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionTable::remove(std::string_view cookie) {
  std::lock_guard lock(mutex_);
  sessions_.erase(key_of(cookie));
}

std::string SessionTable::start_sign_in(PendingSignIn pending) {
  std::string state = crypto::random_token(kRandomBytes);
  pending.expires = clock_.now() + kSignInLifetime;
  std::lock_guard lock(mutex_);
  make_room(sign_ins_, kMaxPerRequester,
            [&](const PendingSignIn& other) { return other.requester == pending.requester; });
  sign_ins_.emplace(key_of(state), std::move(pending));
  return state;
}

std::optional<PendingSignIn> SessionTable::finish_sign_in(std::string_view state) {
  std::lock_guard lock(mutex_);
  auto node = sign_ins_.extract(key_of(state));
  if (node.empty() || node.mapped().expires <= clock_.now()) return std::nullopt;
  return std::move(node.mapped());
}

}  // namespace mcpgate::dashboard
