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

std::string counter_prefix(const std::string& prefix, const char* kind, const std::string& name) {
  return prefix + kind + ":" + crypto::hex(crypto::sha256(name)).substr(0, 16) + ":";
}

// A script's answer as two integers (the second may be a number sent as a string, as Lua's
// floats are); nullopt when Redis did not answer so, and the switch to and from counting locally
// is logged once each way.
std::optional<std::pair<int64_t, std::string>> two_numbers(const Result& answer, std::atomic<bool>& fell_back,
                                                           const char* what) {
  bool usable = answer && answer->type == Reply::Type::array && answer->elements.size() == 2 &&
                answer->elements[0].type == Reply::Type::integer;
  if (!usable) {
    if (!fell_back.exchange(true))
      spdlog::warn("{} are counted per gateway until Redis answers again: {}", what,
                   answer ? answer->text : answer.error().message);
    return std::nullopt;
  }
  if (fell_back.exchange(false)) spdlog::info("{} are counted in Redis again", what);
  const auto& second = answer->elements[1];
  return std::pair{answer->elements[0].integer,
                   second.type == Reply::Type::integer ? std::to_string(second.integer) : second.text};
}

double number_or_zero(const std::string& text) {
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string caller_key(const std::string& prefix, const std::string& caller) {
  // The caller's name is hashed: it is an identity, and Redis key names show up in monitoring.
  return prefix + crypto::hex(crypto::sha256(caller)).substr(0, 32);
}

}  // namespace

SharedRateLimiter::SharedRateLimiter(Client& client, const std::string& prefix, const std::string& name,
                                     int64_t requests, std::chrono::seconds window, const Clock& clock)
    : client_(client),
      key_prefix_(counter_prefix(prefix, "rate", name)),
      requests_(requests),
      window_(window),
      local_(requests, window, clock),
      script_(kTokenBucket) {}

Task<http::RateDecision> SharedRateLimiter::take(std::string caller) {
  std::vector<std::string> keys{caller_key(key_prefix_, caller)};
  std::vector<std::string> arguments{std::to_string(requests_), std::to_string(window_.count() * 1000)};
  auto answer = co_await script_.run(client_, std::move(keys), std::move(arguments));
  auto counted = two_numbers(answer, fell_back_, "rate limits");
  if (!counted) co_return local_.take(caller);
  co_return http::RateDecision::of_bucket(requests_, window_, number_or_zero(counted->second), counted->first == 1);
}

SharedQuota::SharedQuota(Client& client, const std::string& prefix, const std::string& name, int64_t requests,
                         std::chrono::seconds window, const Clock& clock)
    : client_(client),
      key_prefix_(counter_prefix(prefix, "quota", name)),
      requests_(requests),
      window_(window),
      local_(requests, window, clock),
      script_(kQuota) {}

Task<http::QuotaDecision> SharedQuota::take(std::string caller) {
  std::vector<std::string> keys{caller_key(key_prefix_, caller)};
  std::vector<std::string> arguments{std::to_string(window_.count() * 1000)};
  auto answer = co_await script_.run(client_, std::move(keys), std::move(arguments));
  auto counted = two_numbers(answer, fell_back_, "quotas");
  if (!counted) co_return local_.take(caller);
  int64_t used = counted->first;
  auto left_ms = int64_t(number_or_zero(counted->second));
  co_return http::QuotaDecision{used <= requests_, requests_, used, (left_ms + 999) / 1000};
}

}  // namespace mcpgate::redis
