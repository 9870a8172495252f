#pragma once
// The tier of the On-Behalf-Of cache that several gateways share (Redis in production, see
// redis_token_cache.hpp): a user exchanged on one gateway is served from the cache on all, and
// concurrent misses for one user on several gateways cause one exchange at Entra.
// Every operation degrades to "nothing shared" when the tier is unavailable; none throws.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "exchange/token_cache.hpp"
#include "http/async.hpp"

namespace mcpgate::exchange {

using http::Task;

class SharedTokenCache {
 public:
  using Key = TokenCache::Key;
  struct Entry {
    std::string access_token;
    SysTime valid_until;
  };
  enum class Claim {
    mine,         // this gateway exchanges, then stores and releases
    taken,        // another gateway is exchanging: wait_for() its result
    unavailable,  // the tier cannot say: exchange without it
  };

  virtual ~SharedTokenCache() = default;

  virtual Task<std::optional<Entry>> find(Key key) = 0;
  virtual Task<void> store(Key key, Entry entry, SysTime now) = 0;
  // Claims the right to exchange for `key` for at most `hold` (so a gateway that dies while
  // exchanging holds nobody up for longer).
  virtual Task<Claim> claim(Key key, std::chrono::milliseconds hold) = 0;
  // Gives the claim up (after store(), or after a failure) and wakes the gateways waiting on it.
  virtual Task<void> release(Key key) = 0;
  // The entry another gateway is exchanging: it looks, waits for the release (at most `limit`),
  // and looks again. nullopt when the other gateway failed or took too long.
  virtual Task<std::optional<Entry>> wait_for(Key key, std::chrono::milliseconds limit) = 0;
  // Drops the user's tokens on every gateway. False when the tier could not be reached.
  virtual Task<bool> forget_user(std::string tenant_id, std::string oid) = 0;

  // What the owner must drop locally when told: one user's tokens, or everything (after the tier
  // was unreachable, when such messages may have been missed).
  virtual void on_forget(std::function<void(const std::string& tenant_id, const std::string& oid)> forget_user,
                         std::function<void()> forget_all) = 0;

  virtual bool available() const = 0;
  // "connected", or why not (for /readyz; never a secret).
  virtual std::string state() const = 0;
};

}  // namespace mcpgate::exchange
