#pragma once
// The shared On-Behalf-Of tier in Redis. Tokens are sealed with AES-256-GCM before they leave the
// gateway, bound (as associated data) to the Redis key they are stored under, so whoever can
// read Redis cannot use them and whoever can write it cannot move one user's token under
// another user's key. Each entry expires in Redis when the gateway would stop using it.
//
// Layout, under the deployment's prefix (default "mcpgate:"):
//   obo:<user>:<scope>       the sealed token: "<key id>.<base64url(nonce|ciphertext|tag)>"
//   obo-user:<user>          the set of that user's entries, so one user can be forgotten
//   obo-claim:<user>:<scope> who is exchanging now (SET NX PX)
//   channel obo-events       "released <entry>" and "forget <tenant> <oid>"
// where <user> and <scope> are hashes, so identities do not show up in key names.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "exchange/shared_token_cache.hpp"
#include "redis/client.hpp"

namespace mcpgate::exchange {

// A key that seals cached tokens. The newest is listed first and seals; all of them open, so a
// key can rotate without dropping the cache.
struct SealingKey {
  std::string id;      // [A-Za-z0-9_-]{1,32}, stored beside each value
  std::string secret;  // at least 32 characters, from a secret reference
};

struct RedisTokenCacheSettings {
  redis::Settings redis;
  std::string prefix = "mcpgate:";
  std::vector<SealingKey> keys;
};

class RedisTokenCache final : public SharedTokenCache {
 public:
  RedisTokenCache(const boost::asio::any_io_executor& executor, RedisTokenCacheSettings settings, const Clock& clock);
  ~RedisTokenCache() override;

  void start();
  void stop();

  Task<std::optional<Entry>> find(Key key) override;
  Task<void> store(Key key, Entry entry, SysTime now) override;
  Task<Claim> claim(Key key, std::chrono::milliseconds hold) override;
  Task<void> release(Key key) override;
  Task<std::optional<Entry>> wait_for(Key key, std::chrono::milliseconds limit) override;
  Task<bool> forget_user(std::string tenant_id, std::string oid) override;
  void on_forget(std::function<void(const std::string&, const std::string&)> forget_user,
                 std::function<void()> forget_all) override;
  bool available() const override;
  std::string state() const override;

  // The Redis key an entry is stored under (for tests that tamper with it).
  std::string entry_key(const Key& key) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Drops a user's tokens from Redis and from every gateway's own cache, now, from code that does
// not run on an executor (the MCP server's administration, when it removes a user). The error,
// when Redis could not be reached in time.
std::optional<std::string> forget_user_now(const redis::Settings& settings, const std::string& prefix,
                                           const std::string& tenant_id, const std::string& oid);

// Checks a key list from the configuration; throws std::invalid_argument naming what is wrong.
void check_sealing_keys(const std::vector<SealingKey>& keys);

}  // namespace mcpgate::exchange
