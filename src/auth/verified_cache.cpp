#include "auth/verified_cache.hpp"

#include <algorithm>
#include <functional>

namespace mcpgate::auth {

VerifiedTokenCache::VerifiedTokenCache(size_t max_entries) : max_per_shard_(std::max<size_t>(1, max_entries / kShards)) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::shard_for(std::string_view token) const {
  return shards_[std::hash<std::string_view>{}(token) % kShards];
}

std::optional<VerifiedToken> VerifiedTokenCache::find(std::string_view token, SysTime now) const {
  Shard& shard = shard_for(token);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(std::string(token));
  if (it == shard.entries.end() || unix_seconds(now) >= it->second.exp) return std::nullopt;
  return it->second;
}

void VerifiedTokenCache::insert(std::string_view token, const VerifiedToken& verified, SysTime now) {
  const auto t = unix_seconds(now);
  if (t >= verified.exp) return;  // find would never return it
  Shard& shard = shard_for(token);
  std::lock_guard lock(shard.mutex);
  std::string key(token);
  if (shard.entries.size() >= max_per_shard_ && !shard.entries.contains(key)) {
    std::erase_if(shard.entries, [t](const auto& entry) { return t >= entry.second.exp; });
    if (shard.entries.size() >= max_per_shard_) shard.entries.erase(shard.entries.begin());
  }
  shard.entries.insert_or_assign(std::move(key), verified);
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
