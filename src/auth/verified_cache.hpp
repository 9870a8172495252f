#pragma once
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/verifier.hpp"
#include "common/clock.hpp"

namespace mcpgate::auth {

// Tokens already verified, until they expire, so repeat requests skip the RSA check.
// Keyed by the whole token (compared in full, so a hash collision cannot let another token in).
// Sharded locks keep concurrent lookups from serialising. Bounded: when full, expired entries go
// first, then arbitrary ones.
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t max_entries = 100'000);

  // The token's verified claims if cached and now < exp (+ no skew: expiry is strict here).
  std::optional<VerifiedToken> find(std::string_view token, SysTime now) const;
  // `now` decides which entries count as expired when the shard is full (and skips a token
  // that has already expired).
  void insert(std::string_view token, const VerifiedToken& verified, SysTime now);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, VerifiedToken> entries;
  };
  Shard& shard_for(std::string_view token) const;

  size_t max_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mcpgate::auth
