#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"
#include "exchange/obo.hpp"

namespace mcpgate::exchange {

// On-Behalf-Of results per (tenant, user, target scope). A token is kept for its own lifetime
// minus a margin, never a fixed duration, so shortened Conditional Access lifetimes are honoured.
// Failures are kept only briefly (negative TTL) so a misconfiguration does not hammer the IdP
// but a fix takes effect quickly. Thread-safe. Single-flight of concurrent misses is the
// caller's business (it needs the caller's executor).
class TokenCache {
 public:
  struct Key {
    std::string tenant_id;
    std::string oid;
    std::string scope;
  };
  // A key to look up with, borrowing its parts: the cached path builds no strings.
  struct KeyView {
    std::string_view tenant_id;
    std::string_view oid;
    std::string_view scope;
    KeyView(std::string_view tenant_id, std::string_view oid, std::string_view scope)
        : tenant_id(tenant_id), oid(oid), scope(scope) {}
    KeyView(const Key& key)  // NOLINT(google-explicit-constructor): a Key is a KeyView
        : tenant_id(key.tenant_id), oid(key.oid), scope(key.scope) {}
  };
  struct Settings {
    std::chrono::seconds expiry_margin{120};
    std::chrono::seconds negative_ttl{10};
    size_t max_entries = 100'000;
  };

  explicit TokenCache(Settings settings);

  // A cached token with at least the margin left.
  std::optional<std::string> find_token(const Key& key, SysTime now) const;
  // The same, shared rather than copied: every cached request reads a token of a kilobyte or two.
  std::shared_ptr<const std::string> find_shared(KeyView key, SysTime now) const;
  // A recent failure for this key, while its negative TTL lasts.
  std::optional<OboFailure> find_failure(const Key& key, SysTime now) const;

  // Until when a token just exchanged is kept: its lifetime less the margin, at least half of it.
  SysTime keep_until(const OboToken& token, SysTime now) const;
  void store_token(const Key& key, const OboToken& token, SysTime now);
  // A token another gateway exchanged, kept as long as it decided.
  void store_until(const Key& key, std::string access_token, SysTime valid_until, SysTime now);
  void store_failure(const Key& key, const OboFailure& failure, SysTime now);
  // Forgets the key's token if it is still `token` (the one a server just refused), so a newer
  // token stored meanwhile by a concurrent exchange survives. True when something was forgotten.
  bool evict_token(const Key& key, std::string_view token);
  // The key as one string (tenant, oid and scope, one per line), for tables keyed by it.
  static std::string flatten(const Key& key);
  // The same into `out`, replacing what it held (a lookup reuses one buffer).
  static void flatten_into(std::string& out, KeyView key);

  // Drops everything cached for this user (deprovisioned, or removed by an admin).
  size_t forget_user(std::string_view tenant_id, std::string_view oid);
  void clear();
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const std::string> access_token;
    std::optional<OboFailure> failure;
    SysTime valid_until;
  };
  Settings settings_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mcpgate::exchange
