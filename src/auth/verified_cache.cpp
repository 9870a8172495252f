#include "auth/verified_cache.hpp"

#include <algorithm>
#include <functional>

namespace mcpgate::auth {

VerifiedTokenCache::VerifiedTokenCache(size_t max_entries)
    : max_per_shard_(std::max<size_t>(1, max_entries / kShards)) {}

size_t VerifiedTokenCache::hash(std::string_view token) {
  constexpr size_t kTail = 32;
  return std::hash<std::string_view>{}(token.size() > kTail ? token.substr(token.size() - kTail) : token);
}

std::shared_ptr<const VerifiedToken> VerifiedTokenCache::find_shared(std::string_view token, SysTime now) const {
  Shard& shard = shards_[shard_of(token)];
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(token);
  if (it == shard.entries.end() || unix_seconds(now) >= it->second->exp) return nullptr;
  return it->second;
}

std::optional<VerifiedToken> VerifiedTokenCache::find(std::string_view token, SysTime now) const {
  auto hit = find_shared(token, now);
  if (!hit) return std::nullopt;
  return *hit;
}

void VerifiedTokenCache::insert(std::string_view token, const VerifiedToken& verified, SysTime now) {
  const auto t = unix_seconds(now);
  if (t >= verified.exp) return;  // find would never return it
  auto stored = std::make_shared<const VerifiedToken>(verified);
  Shard& shard = shards_[shard_of(token)];
  std::lock_guard lock(shard.mutex);
  std::string key(token);
  if (shard.entries.size() >= max_per_shard_ && !shard.entries.contains(key)) {
    std::erase_if(shard.entries, [t](const auto& entry) { return t >= entry.second->exp; });
    if (shard.entries.size() >= max_per_shard_) shard.entries.erase(shard.entries.begin());
  }
  shard.entries.insert_or_assign(std::move(key), std::move(stored));
}

void VerifiedTokenCache::clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.entries.clear();
  }
}

size_t VerifiedTokenCache::size() const {
  size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace mcpgate::auth
