#include "redis/rate_limit.hpp"

#include <spdlog/spdlog.h>

#include "crypto/hash.hpp"

namespace mcpgate::redis {

namespace {

// KEYS[1]: the caller's bucket. ARGV: capacity, window in ms. Returns {allowed, tokens left}
// (the count as a string: Lua numbers become integers on the way out).
constexpr const char* kTokenBucket = R"lua(
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
if now > updated then tokens = math.min(capacity, tokens + (now - updated) * capacity / window) end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(math.max(now, updated)))
redis.call('PEXPIRE', KEYS[1], window)
return {allowed, tostring(tokens)}
)lua";

// KEYS[1]: the caller's counter, less its window. ARGV: the window in ms. Returns {used, ms left}.
// (The window's key is made here, from Redis's clock: every gateway cuts windows at one instant.)
constexpr const char* kQuota = R"lua(
local per = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = math.floor(now / per)
local key = KEYS[1] .. ':' .. window
local used = redis.call('INCR', key)
if used == 1 then redis.call('PEXPIREAT', key, (window + 1) * per + 60000) end
return {used, (window + 1) * per - now}
)lua";

std::string caller_key(const std::string& prefix, const std::string& caller) {
  // The caller's name is hashed: it is an identity, and Redis key names show up in monitoring.
  return prefix + crypto::hex(crypto::sha256(caller)).substr(0, 32);
}

}  // namespace

SharedRateLimiter::SharedRateLimiter(Client& client, const std::string& prefix, const std::string& name,
                                     int64_t requests, std::chrono::seconds window, const Clock& clock)
    : client_(client),
      key_prefix_(prefix + "rate:" + crypto::hex(crypto::sha256(name)).substr(0, 16) + ":"),
      requests_(requests),
      window_(window),
      local_(requests, window, clock),
      script_(kTokenBucket) {}

Task<http::RateDecision> SharedRateLimiter::take(std::string caller) {
  std::vector<std::string> keys{caller_key(key_prefix_, caller)};
  std::vector<std::string> arguments{std::to_string(requests_), std::to_string(window_.count() * 1000)};
  auto answer = co_await script_.run(client_, std::move(keys), std::move(arguments));
  bool usable = answer && answer->type == Reply::Type::array && answer->elements.size() == 2 &&
                answer->elements[0].type == Reply::Type::integer;
  if (!usable) {
    if (!fell_back_.exchange(true))
      spdlog::warn("rate limits are counted per gateway until Redis answers again: {}",
                   answer ? answer->text : answer.error().message);
    co_return local_.take(caller);
  }
  if (fell_back_.exchange(false)) spdlog::info("rate limits are counted in Redis again");
  double tokens = 0;
  try {
    tokens = std::stod(answer->elements[1].text);
  } catch (const std::exception&) {
    tokens = 0;
  }
  co_return http::RateDecision::of_bucket(requests_, window_, tokens, answer->elements[0].integer == 1);
}

SharedQuota::SharedQuota(Client& client, const std::string& prefix, const std::string& name, int64_t requests,
                         std::chrono::seconds window, const Clock& clock)
    : client_(client),
      key_prefix_(prefix + "quota:" + crypto::hex(crypto::sha256(name)).substr(0, 16) + ":"),
      requests_(requests),
      window_(window),
      local_(requests, window, clock),
      script_(kQuota) {}

Task<http::QuotaDecision> SharedQuota::take(std::string caller) {
  std::vector<std::string> keys{caller_key(key_prefix_, caller)};
  std::vector<std::string> arguments{std::to_string(window_.count() * 1000)};
  auto answer = co_await script_.run(client_, std::move(keys), std::move(arguments));
  bool usable = answer && answer->type == Reply::Type::array && answer->elements.size() == 2 &&
                answer->elements[0].type == Reply::Type::integer && answer->elements[1].type == Reply::Type::integer;
  if (!usable) {
    if (!fell_back_.exchange(true))
      spdlog::warn("quotas are counted per gateway until Redis answers again: {}",
                   answer ? answer->text : answer.error().message);
    co_return local_.take(caller);
  }
  if (fell_back_.exchange(false)) spdlog::info("quotas are counted in Redis again");
  int64_t used = answer->elements[0].integer;
  int64_t left_ms = answer->elements[1].integer;
  co_return http::QuotaDecision{used <= requests_, requests_, used, (left_ms + 999) / 1000};
}

}  // namespace mcpgate::redis
