#include "exchange/redis_token_cache.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "common/base64.hpp"
#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "redis/script.hpp"

namespace mcpgate::exchange {

namespace asio = boost::asio;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// KEYS: the entry, the user's index. ARGV: the sealed value, its lifetime in ms.
constexpr const char* kStore = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
)lua";

// KEYS: the user's index. ARGV: the channel, the message. Returns how many entries went.
constexpr const char* kForget = R"lua(
local entries = redis.call('SMEMBERS', KEYS[1])
for _, entry in ipairs(entries) do redis.call('DEL', entry) end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #entries
)lua";

// KEYS: the claim. ARGV: its owner, the channel, the message. Only the owner's claim is dropped.
constexpr const char* kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
)lua";

std::string short_hash(std::string_view text) { return crypto::hex(crypto::sha256(text)).substr(0, 32); }

std::string user_part(std::string_view tenant_id, std::string_view oid) {
  return short_hash(std::string(tenant_id) + '\n' + std::string(oid));
}

std::string user_index_key(const std::string& prefix, std::string_view tenant_id, std::string_view oid) {
  return prefix + "obo-user:" + user_part(tenant_id, oid);
}

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): callers keep them alive
Task<bool> forget_in(redis::Client& client, const std::string& prefix, std::string tenant_id, std::string oid) {
  static const redis::Script forget_script{kForget};
  std::vector<std::string> keys{user_index_key(prefix, tenant_id, oid)};
  std::vector<std::string> arguments{prefix + "obo-events", "forget " + tenant_id + " " + oid};
  auto answer = co_await forget_script.run(client, std::move(keys), std::move(arguments));
  co_return answer && !answer->is_error();
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

void check_sealing_keys(const std::vector<SealingKey>& keys) {
  if (keys.empty())
    throw std::invalid_argument(
        "no key to seal cached tokens with: list redis.token_keys, each with an id and a secret of 32+ characters "
        "given as ${env:NAME} or ${file:/path}");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!valid_key_id(keys[i].id))
      throw std::invalid_argument("redis.token_keys[" + std::to_string(i) +
                                  "].id must be 1 to 32 letters, digits, '-' or '_'");
    if (keys[i].secret.size() < 32)
      throw std::invalid_argument("redis.token_keys[" + std::to_string(i) +
                                  "].secret must be at least 32 characters, given as ${env:NAME} or ${file:/path}");
    for (size_t j = 0; j < i; ++j)
      if (keys[j].id == keys[i].id)
        throw std::invalid_argument("redis.token_keys: the id \"" + keys[i].id + "\" is used twice");
  }
}

struct RedisTokenCache::Impl {
  RedisTokenCacheSettings settings;
  const Clock& clock;
  redis::Client commands;
  redis::Client events;
  std::string channel;
  std::string owner = crypto::random_token(16);               // this gateway, in the claims it holds
  std::vector<std::pair<std::string, std::string>> aes_keys;  // id → 32-byte key, newest first
  redis::Script store_script{kStore};
  redis::Script release_script{kRelease};

  std::mutex mutex;  // guards waiters and the callbacks
  std::unordered_map<std::string, std::vector<std::shared_ptr<asio::steady_timer>>> waiters;
  std::function<void(const std::string&, const std::string&)> forget_one;
  std::function<void()> forget_all;
  bool connected_before = false;

  Impl(const asio::any_io_executor& executor, RedisTokenCacheSettings s, const Clock& c)
      : settings(std::move(s)),
        clock(c),
        commands(executor, settings.redis, "mcpgate-gateway"),
        events(executor, settings.redis, "mcpgate-gateway-events"),
        channel(settings.prefix + "obo-events") {
    check_sealing_keys(settings.keys);
    // Derived once here: a request seals or opens with the key as it is.
    for (const auto& k : settings.keys)
      aes_keys.emplace_back(k.id, crypto::hmac_sha256(k.secret, "mcpgate on-behalf-of token cache"));
  }

  std::string entry_key(const Key& key) const {
    return settings.prefix + "obo:" + user_part(key.tenant_id, key.oid) + ":" + short_hash(key.scope);
  }
  std::string claim_key(const Key& key) const {
    return settings.prefix + "obo-claim:" + user_part(key.tenant_id, key.oid) + ":" + short_hash(key.scope);
  }
  std::string user_index(std::string_view tenant_id, std::string_view oid) const {
    return user_index_key(settings.prefix, tenant_id, oid);
  }

  std::string seal(const std::string& where, const Entry& entry) const {
    auto until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(entry.valid_until.time_since_epoch());
    std::string plain = std::to_string(until_ms.count()) + "\n" + entry.access_token;
    return aes_keys.front().first + "." + base64url_encode(crypto::seal(aes_keys.front().second, plain, where));
  }

  std::optional<Entry> open(const std::string& where, const std::string& value) const {
    auto dot = value.find('.');
    if (dot == std::string::npos) return std::nullopt;
    std::string_view id(value.data(), dot);
    for (const auto& [key_id, key] : aes_keys) {
      if (key_id != id) continue;
      auto sealed = base64url_decode(std::string_view(value).substr(dot + 1));
      if (!sealed) return std::nullopt;
      auto plain = crypto::open(key, *sealed, where);
      if (!plain) return std::nullopt;
      auto newline = plain->find('\n');
      if (newline == std::string::npos) return std::nullopt;
      try {
        SysTime until{std::chrono::milliseconds(std::stoll(plain->substr(0, newline)))};
        return Entry{plain->substr(newline + 1), until};
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  void wake(const std::string& entry) {
    std::vector<std::shared_ptr<asio::steady_timer>> woken;
    {
      std::lock_guard guard(mutex);
      auto it = waiters.find(entry);
      if (it == waiters.end()) return;
      woken.swap(it->second);
      waiters.erase(it);
    }
    for (auto& timer : woken) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }

  void on_event(const std::string& payload) {
    if (payload.starts_with("released ")) {
      wake(payload.substr(9));
      return;
    }
    if (payload.starts_with("forget ")) {
      auto rest = payload.substr(7);
      auto space = rest.find(' ');
      if (space == std::string::npos) return;
      std::function<void(const std::string&, const std::string&)> callback;
      {
        std::lock_guard guard(mutex);
        callback = forget_one;
      }
      if (callback) callback(rest.substr(0, space), rest.substr(space + 1));
    }
  }

  void on_events_connected() {
    std::function<void()> callback;
    {
      std::lock_guard guard(mutex);
      if (connected_before) callback = forget_all;
      connected_before = true;
    }
    // Messages sent while the connection was down are lost: what they may have dropped is
    // dropped here (the shared tier still has every token that is still good).
    if (callback) callback();
  }
};

RedisTokenCache::RedisTokenCache(const asio::any_io_executor& executor, RedisTokenCacheSettings settings,
                                 const Clock& clock)
    : impl_(std::make_shared<Impl>(executor, std::move(settings), clock)) {
  impl_->events.subscribe(
      {impl_->channel},
      [impl = impl_.get()](const std::string&, const std::string& payload) { impl->on_event(payload); },
      [impl = impl_.get()] { impl->on_events_connected(); });
}

RedisTokenCache::~RedisTokenCache() { stop(); }

void RedisTokenCache::start() {
  impl_->commands.start();
  impl_->events.start();
}

void RedisTokenCache::stop() {
  impl_->commands.stop();
  impl_->events.stop();
}

std::string RedisTokenCache::entry_key(const Key& key) const { return impl_->entry_key(key); }

Task<std::optional<SharedTokenCache::Entry>> RedisTokenCache::find(Key key) {
  auto where = impl_->entry_key(key);
  std::vector<std::string> get{"GET", where};
  auto answer = co_await impl_->commands.command(std::move(get));
  if (!answer || answer->type != redis::Reply::Type::string) co_return std::nullopt;
  auto entry = impl_->open(where, answer->text);
  if (!entry) {
    // Sealed with a key this gateway no longer has, or altered: useless, not dangerous.
    spdlog::warn(
        "shared token cache: an entry could not be opened (a retired sealing key, or changed in Redis); "
        "exchanging anew");
    co_return std::nullopt;
  }
  if (entry->valid_until <= impl_->clock.now()) co_return std::nullopt;
  co_return entry;
}

Task<void> RedisTokenCache::store(Key key, Entry entry, SysTime now) {
  auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(entry.valid_until - now);
  if (lifetime.count() <= 0) co_return;
  auto where = impl_->entry_key(key);
  auto sealed = impl_->seal(where, entry);
  std::vector<std::string> keys{where, impl_->user_index(key.tenant_id, key.oid)};
  std::vector<std::string> arguments{std::move(sealed), std::to_string(lifetime.count())};
  auto answer = co_await impl_->store_script.run(impl_->commands, std::move(keys), std::move(arguments));
  if (answer && answer->is_error()) spdlog::warn("shared token cache: storing failed: {}", answer->text);
}

Task<SharedTokenCache::Claim> RedisTokenCache::claim(Key key, std::chrono::milliseconds hold) {
  std::vector<std::string> set{
      "SET", impl_->claim_key(key), impl_->owner, "NX", "PX", std::to_string(std::max<int64_t>(1, hold.count()))};
  auto answer = co_await impl_->commands.command(std::move(set));
  if (!answer || answer->is_error()) co_return Claim::unavailable;
  co_return answer->is_nil() ? Claim::taken : Claim::mine;
}

Task<void> RedisTokenCache::release(Key key) {
  std::vector<std::string> keys{impl_->claim_key(key)};
  std::vector<std::string> arguments{impl_->owner, impl_->channel, "released " + impl_->entry_key(key)};
  co_await impl_->release_script.run(impl_->commands, std::move(keys), std::move(arguments));
}

Task<std::optional<SharedTokenCache::Entry>> RedisTokenCache::wait_for(Key key, std::chrono::milliseconds limit) {
  auto where = impl_->entry_key(key);
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  timer->expires_after(limit);
  {
    std::lock_guard guard(impl_->mutex);
    impl_->waiters[where].push_back(timer);
  }
  // Registered before looking: a release between the look and the wait still wakes it.
  auto entry = co_await find(key);
  if (!entry) {
    // A release that came while looking has already taken the timer out (and its cancel may
    // have run before there was a wait to cancel): then it is time to look again, not to wait.
    bool released = false;
    {
      std::lock_guard guard(impl_->mutex);
      auto it = impl_->waiters.find(where);
      released =
          it == impl_->waiters.end() || std::find(it->second.begin(), it->second.end(), timer) == it->second.end();
    }
    if (!released) co_await timer->async_wait(as_tuple);
    entry = co_await find(key);
  }
  std::lock_guard guard(impl_->mutex);
  auto it = impl_->waiters.find(where);
  if (it != impl_->waiters.end()) {
    std::erase(it->second, timer);
    if (it->second.empty()) impl_->waiters.erase(it);
  }
  co_return entry;
}

Task<bool> RedisTokenCache::forget_user(std::string tenant_id, std::string oid) {
  auto forgotten = co_await forget_in(impl_->commands, impl_->settings.prefix, std::move(tenant_id), std::move(oid));
  co_return forgotten;
}

namespace {

// Connecting is the client's own business; this waits for it (at most `limit`), then forgets.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): the caller runs it to the end
Task<bool> forget_once_connected(redis::Client& client, std::chrono::milliseconds limit, std::string prefix,
                                 std::string tenant_id, std::string oid) {
  asio::steady_timer wait(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!client.connected() && std::chrono::steady_clock::now() < deadline) {
    wait.expires_after(std::chrono::milliseconds(5));
    co_await wait.async_wait(as_tuple);
  }
  auto done = co_await forget_in(client, prefix, std::move(tenant_id), std::move(oid));
  co_return done;
}

}  // namespace

std::optional<std::string> forget_user_now(const redis::Settings& settings, const std::string& prefix,
                                           const std::string& tenant_id, const std::string& oid) {
  asio::io_context io;
  redis::Client client(io.get_executor(), settings, "mcpgate-server");
  client.start();
  std::optional<bool> forgotten;
  asio::co_spawn(io, forget_once_connected(client, settings.connect_timeout, prefix, tenant_id, oid),
                 [&](const std::exception_ptr&, bool done) {
                   forgotten = done;
                   io.stop();
                 });
  io.run_for(settings.connect_timeout + settings.command_timeout + std::chrono::milliseconds(100));
  client.stop();
  if (forgotten && *forgotten) return std::nullopt;
  return "Redis at " + settings.address() + ": " + client.state();
}

void RedisTokenCache::on_forget(std::function<void(const std::string&, const std::string&)> forget_user,
                                std::function<void()> forget_all) {
  std::lock_guard guard(impl_->mutex);
  impl_->forget_one = std::move(forget_user);
  impl_->forget_all = std::move(forget_all);
}

bool RedisTokenCache::available() const { return impl_->commands.connected() && impl_->events.connected(); }

std::string RedisTokenCache::state() const {
  if (!impl_->commands.connected()) return impl_->commands.state();
  if (!impl_->events.connected()) return "events: " + impl_->events.state();
  return "connected";
}

}  // namespace mcpgate::exchange
