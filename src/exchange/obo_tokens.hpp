#pragma once
// Where the gateway gets a user's On-Behalf-Of token: this process's cache, then the tier the
// gateways share (when there is one), then one exchange. Concurrent misses for one user share
// one exchange in this process, and through the shared tier across every gateway.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/system/result.hpp>

#include "exchange/shared_token_cache.hpp"
#include "exchange/token_cache.hpp"

namespace mcpgate::exchange {

class OboTokens {
 public:
  using Key = TokenCache::Key;
  using Outcome = boost::system::result<std::string, OboFailure>;
  using Exchanged = boost::system::result<OboToken, OboFailure>;
  // Performs one exchange at the identity provider (and nothing else: caching is done here).
  using Exchange = std::function<Task<Exchanged>()>;

  struct Settings {
    TokenCache::Settings cache;
    // How long a gateway may hold the right to exchange for a user (the exchange's own timeout
    // and a little more); others waiting for it give up after this and exchange themselves.
    std::chrono::milliseconds claim_hold{12'000};
  };

  struct Counters {
    std::atomic<uint64_t> shared_hits{0};  // found in the shared tier, or waited for there
    std::atomic<uint64_t> exchanges{0};
  };

  // `shared` may be null (one gateway); it must outlive this.
  OboTokens(Settings settings, const Clock& clock, SharedTokenCache* shared);

  // This process's cached token, without suspending; null on a miss.
  std::shared_ptr<const std::string> find_local(TokenCache::KeyView key) const;
  // The token for `key`, from a cache or exchanged by `exchange` (once for all concurrent
  // callers). `from_cache` tells whether it was exchanged before this call.
  Task<Outcome> obtain(Key key, Exchange exchange, bool* from_cache);
  // Forgets this process's copy of a token an MCP server refused, if it is still that token.
  bool evict(const Key& key, std::string_view token);
  // Drops the user's tokens here and, through the shared tier, on every gateway.
  Task<bool> forget_user(std::string tenant_id, std::string oid);

  const Counters& counters() const { return counters_; }
  size_t size() const { return local_.size(); }
  SharedTokenCache* shared() const { return shared_; }

 private:
  struct Pending;
  Task<Outcome> lead(const Key& key, const Exchange& exchange, bool* from_cache);

  TokenCache local_;
  const Clock& clock_;
  SharedTokenCache* shared_;
  std::chrono::milliseconds claim_hold_;
  Counters counters_;
  std::mutex mutex_;  // guards pending_
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
};

}  // namespace mcpgate::exchange
