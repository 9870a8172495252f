#pragma once
#include <array>
#include <memory>
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
  // Shared rather than copied: a hit is the common case of every request.
  std::shared_ptr<const VerifiedToken> find_shared(std::string_view token, SysTime now) const;
  std::optional<VerifiedToken> find(std::string_view token, SysTime now) const;
  // `now` decides which entries count as expired when the shard is full (and skips a token
  // that has already expired).
  void insert(std::string_view token, const VerifiedToken& verified, SysTime now);
  size_t size() const;
  // Forgets everything: a signing key was retired, and what it signed must be checked again.
  void clear();

  // Only what is stored is hashed: a verified token's signature, whose last bytes are as good
  // as random and which nobody can choose without the signing key. Hashing the whole
  // kilobyte-long token would cost more than the rest of a lookup.
  static size_t hash(std::string_view token);
  static size_t shard_of(std::string_view token) { return (hash(token) >> 32) % kShards; }

 private:
  static constexpr size_t kShards = 16;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view token) const { return hash(token); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const VerifiedToken>, Hash, std::equal_to<>> entries;
  };

  size_t max_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mcpgate::auth
