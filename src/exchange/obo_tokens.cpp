#include "exchange/obo_tokens.hpp"

#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace mcpgate::exchange {

namespace asio = boost::asio;

// One exchange in progress in this process: the first caller does it, the others wait on their
// own timers (on their own executors) and are woken when it is done.
struct OboTokens::Pending {
  std::mutex mutex;
  std::optional<Outcome> outcome;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
};

OboTokens::OboTokens(Settings settings, const Clock& clock, SharedTokenCache* shared)
    : local_(settings.cache), clock_(clock), shared_(shared), claim_hold_(settings.claim_hold) {
  if (shared_)
    shared_->on_forget(
        [this](const std::string& tenant_id, const std::string& oid) { local_.forget_user(tenant_id, oid); },
        [this] { local_.clear(); });
}

std::shared_ptr<const std::string> OboTokens::find_local(TokenCache::KeyView key) const {
  return local_.find_shared(key, clock_.now());
}

bool OboTokens::evict(const Key& key, std::string_view token) { return local_.evict_token(key, token); }

Task<bool> OboTokens::forget_user(std::string tenant_id, std::string oid) {
  local_.forget_user(tenant_id, oid);
  if (!shared_) co_return true;
  co_return co_await shared_->forget_user(std::move(tenant_id), std::move(oid));
}

Task<OboTokens::Outcome> OboTokens::obtain(Key key, Exchange exchange, bool* from_cache) {
  auto now = clock_.now();
  *from_cache = false;
  if (auto cached = local_.find_shared(key, now)) {
    *from_cache = true;
    co_return *cached;
  }
  if (auto failure = local_.find_failure(key, now)) co_return *failure;

  auto name = TokenCache::flatten(key);
  std::shared_ptr<Pending> pending;
  bool leader = false;
  {
    std::lock_guard guard(mutex_);
    auto& slot = pending_[name];
    if (!slot) {
      slot = std::make_shared<Pending>();
      leader = true;
    }
    pending = slot;
  }
  if (!leader) {
    auto timer =
        std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    {
      std::lock_guard guard(pending->mutex);
      if (pending->outcome) co_return pending->outcome.value();
      pending->waiters.push_back(timer);
    }
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard guard(pending->mutex);
    if (pending->outcome) co_return pending->outcome.value();
    co_return OboFailure{OboFailureKind::unavailable, 0, "aborted", "the exchange was abandoned", {}, {}};
  }

  Outcome outcome = OboFailure{};
  try {
    outcome = co_await lead(key, exchange, from_cache);
  } catch (const std::exception& e) {
    spdlog::error("On-Behalf-Of exchange failed: {}", e.what());
    outcome = OboFailure{
        OboFailureKind::configuration, 0, "gateway_error", "the exchange failed; see the gateway's log", {}, {}};
  }
  {
    std::lock_guard guard(mutex_);
    pending_.erase(name);
  }
  std::lock_guard guard(pending->mutex);
  pending->outcome = outcome;
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a plain lambda
  for (auto& t : pending->waiters) asio::post(t->get_executor(), [t] { t->cancel(); });
  co_return outcome;
}

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): obtain() keeps both alive
Task<OboTokens::Outcome> OboTokens::lead(const Key& key, const Exchange& exchange, bool* from_cache) {
  auto claim = SharedTokenCache::Claim::unavailable;
  if (shared_) {
    auto found = co_await shared_->find(key);
    if (!found) {
      claim = co_await shared_->claim(key, claim_hold_);
      if (claim == SharedTokenCache::Claim::taken) {
        auto waited = co_await shared_->wait_for(key, claim_hold_);
        found = std::move(waited);
      } else if (claim == SharedTokenCache::Claim::mine) {
        // Another gateway may have stored the token and released its claim between the look
        // above and this claim: look once more before exchanging.
        auto again = co_await shared_->find(key);
        found = std::move(again);
        if (found) {
          co_await shared_->release(key);
          claim = SharedTokenCache::Claim::unavailable;
        }
      }
    }
    if (found) {
      ++counters_.shared_hits;
      *from_cache = true;
      local_.store_until(key, found->access_token, found->valid_until, clock_.now());
      co_return std::move(found->access_token);
    }
  }
  ++counters_.exchanges;
  auto exchanged = co_await exchange();
  auto now = clock_.now();
  Outcome outcome = OboFailure{};
  if (exchanged) {
    local_.store_token(key, *exchanged, now);
    if (shared_) {
      SharedTokenCache::Entry entry{exchanged->access_token, local_.keep_until(*exchanged, now)};
      co_await shared_->store(key, std::move(entry), now);
    }
    outcome = std::move(exchanged->access_token);
  } else {
    // Only configuration errors are worth remembering; a user-specific refusal is not.
    if (exchanged.error().kind == OboFailureKind::configuration) local_.store_failure(key, exchanged.error(), now);
    outcome = exchanged.error();
  }
  if (claim == SharedTokenCache::Claim::mine) co_await shared_->release(key);
  co_return outcome;
}

}  // namespace mcpgate::exchange
