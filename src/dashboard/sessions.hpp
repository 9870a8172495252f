#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace mcpgate::dashboard {

// Who signed in, from a verified ID token.
struct Identity {
  std::string oid;
  std::string tenant_id;
  std::string email;  // preferred_username (the UPN) or email, in lower case
  std::string name;
};

struct Session {
  Identity who;
  std::string csrf_token;  // sent back in X-CSRF-Token on every change
  SysTime expires;
};

// A sign-in started and not yet finished: what the callback must match.
struct PendingSignIn {
  std::string code_verifier;
  std::string nonce;
  std::string return_to;  // a path below /dashboard/
  SysTime expires;
  std::string requester;  // the remote address that started it
};

// Dashboard sessions and sign-ins in flight, in memory: a restart signs everyone out. Keyed by
// the SHA-256 of the cookie value, so the table never holds a usable cookie. Bounded: past
// `max_entries` the oldest entries go first; one remote address holds at most
// kMaxPerRequester sign-ins in flight and one person kMaxPerPerson sessions, so neither can push
// everyone else's out. Thread-safe.
class SessionTable {
 public:
  SessionTable(const Clock& clock, std::chrono::seconds lifetime, size_t max_entries = 10'000);

  std::string create(Identity who);  // the cookie value
  std::optional<Session> find(std::string_view cookie);
  void remove(std::string_view cookie);

  std::string start_sign_in(PendingSignIn pending);                     // the state value
  std::optional<PendingSignIn> finish_sign_in(std::string_view state);  // once only

  static constexpr std::chrono::minutes kSignInLifetime{10};
  static constexpr size_t kMaxPerRequester = 20;
  static constexpr size_t kMaxPerPerson = 20;

 private:
  template <class Entry, class Same>
  void make_room(std::map<std::string, Entry>& table, size_t per_owner, Same same_owner);

  const Clock& clock_;
  std::chrono::seconds lifetime_;
  size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, PendingSignIn> sign_ins_;
};

}  // namespace mcpgate::dashboard
