#include "exchange/token_cache.hpp"

#include <algorithm>

namespace mcpgate::exchange {

namespace {

// Stores `entry` under `key`; past `max_entries`, first forgets what has expired, then, if still
// full of live entries, one arbitrary entry other than the one just stored.
template <class Map, class Entry>
void store_bounded(Map& entries, std::string key, Entry entry, SysTime now, size_t max_entries) {
  auto [it, inserted] = entries.insert_or_assign(std::move(key), std::move(entry));
  if (!inserted || entries.size() <= max_entries) return;
  std::string stored = it->first;
  std::erase_if(entries, [&](const auto& item) { return item.second.valid_until <= now; });
  if (entries.size() <= max_entries) return;
  auto victim = entries.begin();
  if (victim != entries.end() && victim->first == stored) ++victim;
  if (victim != entries.end()) entries.erase(victim);
}

}  // namespace

TokenCache::TokenCache(Settings settings) : settings_(settings) {}

void TokenCache::flatten_into(std::string& out, KeyView key) {
  out.clear();
  out.reserve(key.tenant_id.size() + key.oid.size() + key.scope.size() + 2);
  out.append(key.tenant_id).append(1, '\n').append(key.oid).append(1, '\n').append(key.scope);
}

std::string TokenCache::flatten(const Key& key) {
  std::string out;
  flatten_into(out, key);
  return out;
}

std::optional<std::string> TokenCache::find_token(const Key& key, SysTime now) const {
  auto shared = find_shared(key, now);
  if (!shared) return std::nullopt;
  return *shared;
}

std::shared_ptr<const std::string> TokenCache::find_shared(KeyView key, SysTime now) const {
  // The flattened key is built in a buffer each thread keeps: no allocation per lookup.
  thread_local std::string flat;
  flatten_into(flat, key);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(flat);
  if (it == entries_.end() || !it->second.access_token || now >= it->second.valid_until) return nullptr;
  return it->second.access_token;
}

std::optional<OboFailure> TokenCache::find_failure(const Key& key, SysTime now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(flatten(key));
  if (it == entries_.end() || !it->second.failure || now >= it->second.valid_until) return std::nullopt;
  return it->second.failure;
}

SysTime TokenCache::keep_until(const OboToken& token, SysTime now) const {
  auto lifetime = std::chrono::duration_cast<SysTime::duration>(token.expires_in);
  // Keep a token until the margin before it expires, but at least half its life, so short
  // Conditional Access lifetimes are still cached instead of exchanged on every request.
  return std::max(now + lifetime - settings_.expiry_margin, now + lifetime / 2);
}

void TokenCache::store_token(const Key& key, const OboToken& token, SysTime now) {
  store_until(key, token.access_token, keep_until(token, now), now);
}

void TokenCache::store_until(const Key& key, std::string access_token, SysTime valid_until, SysTime now) {
  if (valid_until <= now) return;
  std::lock_guard lock(mutex_);
  store_bounded(entries_, flatten(key),
                Entry{std::make_shared<const std::string>(std::move(access_token)), std::nullopt, valid_until}, now,
                settings_.max_entries);
}

void TokenCache::store_failure(const Key& key, const OboFailure& failure, SysTime now) {
  std::lock_guard lock(mutex_);
  store_bounded(entries_, flatten(key), Entry{nullptr, failure, now + settings_.negative_ttl}, now,
                settings_.max_entries);
}

bool TokenCache::evict_token(const Key& key, std::string_view token) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(flatten(key));
  if (it == entries_.end() || !it->second.access_token || *it->second.access_token != token) return false;
  entries_.erase(it);
  return true;
}

size_t TokenCache::forget_user(std::string_view tenant_id, std::string_view oid) {
  std::string prefix = std::string(tenant_id) + '\n' + std::string(oid) + '\n';
  std::lock_guard lock(mutex_);
  return std::erase_if(entries_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
}

void TokenCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mcpgate::exchange
