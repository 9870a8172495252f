#include "proxy/upstream_set.hpp"

#include <charconv>

#include "common/base64.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace mcpgate::proxy {

namespace {
constexpr size_t kTagBytes = 12;
}

UpstreamSet::UpstreamSet(std::vector<std::string> urls, UpstreamHealth health, std::string_view affinity_key)
    : urls_(std::move(urls)),
      health_(std::move(health)),
      // One derivation and one key schedule here, none per request: each session ID costs one HMAC.
      mac_(crypto::hmac_sha256(affinity_key, "mcpgate session affinity")),
      states_(urls_.size()) {}

bool UpstreamSet::available(size_t i, SysTime now) const {
  std::lock_guard guard(mutex_);
  return states_[i].healthy && states_[i].ejected_until <= now;
}

size_t UpstreamSet::pick(SysTime now, std::optional<size_t> except) {
  std::lock_guard guard(mutex_);
  size_t n = urls_.size();
  if (n == 1) return 0;
  for (size_t tries = 0; tries < n; ++tries) {
    size_t i = next_++ % n;
    if (except && *except == i) continue;
    if (states_[i].healthy && states_[i].ejected_until <= now) return i;
  }
  for (size_t tries = 0; tries < n; ++tries) {
    size_t i = next_++ % n;
    if (!except || *except != i) return i;
  }
  return 0;
}

void UpstreamSet::connect_failed(size_t i, SysTime now) {
  std::lock_guard guard(mutex_);
  auto& s = states_[i];
  if (++s.connect_failures >= health_.eject_after) {
    s.ejected_until = now + std::chrono::duration_cast<SysTime::duration>(health_.ejection);
    s.connect_failures = 0;
  }
}

void UpstreamSet::answered(size_t i) {
  std::lock_guard guard(mutex_);
  states_[i].connect_failures = 0;
}

bool UpstreamSet::checked(size_t i, bool ok) {
  std::lock_guard guard(mutex_);
  auto& s = states_[i];
  bool was = s.healthy;
  if (ok) {
    s.check_failures = 0;
    if (++s.check_successes >= health_.healthy_after) s.healthy = true;
    if (s.healthy) s.ejected_until = {};  // a good check ends an ejection early
  } else {
    s.check_successes = 0;
    if (++s.check_failures >= health_.unhealthy_after) s.healthy = false;
  }
  return was != s.healthy;
}

std::string UpstreamSet::tag(size_t i, std::string_view session) const {
  return base64url_encode(mac_.tag(std::to_string(i) + "\n" + std::string(session)).substr(0, kTagBytes));
}

std::string UpstreamSet::seal_session(size_t i, std::string_view session) const {
  return "u" + std::to_string(i) + "." + tag(i, session) + "." + std::string(session);
}

std::optional<UpstreamSet::Bound> UpstreamSet::open_session(std::string_view sealed) const {
  if (!sealed.starts_with('u')) return std::nullopt;
  auto dot = sealed.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  size_t i = 0;
  auto digits = sealed.substr(1, dot - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (ec != std::errc() || end != digits.data() + digits.size() || i >= urls_.size()) return std::nullopt;
  auto rest = sealed.substr(dot + 1);
  auto second = rest.find('.');
  if (second == std::string_view::npos) return std::nullopt;
  auto session = rest.substr(second + 1);
  if (session.empty() || !crypto::constant_time_equals(rest.substr(0, second), tag(i, session))) return std::nullopt;
  return Bound{i, std::string(session)};
}

}  // namespace mcpgate::proxy
