#include "auth/key_set.hpp"

#include <algorithm>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/jwt.hpp"
#include "common/strings.hpp"

namespace mcpgate::auth {
namespace {

// Retry pacing after a failed or pending fetch. Fixed rather than configurable: they only keep a
// broken identity provider from being hammered, and the configurable intervals sit in KeySetPolicy.
constexpr std::chrono::seconds kInitialRetry{5};   // no keys yet: every request is waiting for them
constexpr std::chrono::seconds kRefreshRetry{30};  // keys loaded: the old set keeps serving meanwhile

std::optional<boost::json::object> parse_object(std::string_view json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

bool elapsed(const std::optional<SysTime>& since, SysTime now, std::chrono::seconds interval) {
  return !since || now - *since >= interval;
}

}  // namespace

std::optional<OpenIdMetadata> parse_openid_metadata(std::string_view json, std::string& error) {
  auto doc = parse_object(json);
  if (!doc) {
    error = "the OpenID Connect discovery document is not a JSON object";
    return std::nullopt;
  }
  OpenIdMetadata meta;
  meta.issuer = json_string(*doc, "issuer").value_or("");
  meta.jwks_uri = json_string(*doc, "jwks_uri").value_or("");
  meta.authorization_endpoint = json_string(*doc, "authorization_endpoint").value_or("");
  meta.token_endpoint = json_string(*doc, "token_endpoint").value_or("");
  std::vector<std::string> missing;
  if (meta.issuer.empty()) missing.emplace_back("\"issuer\"");
  if (meta.jwks_uri.empty()) missing.emplace_back("\"jwks_uri\"");
  if (!missing.empty()) {
    error = "the OpenID Connect discovery document lacks the string member(s) " + join(missing, " and ");
    return std::nullopt;
  }
  return meta;
}

KeySet::KeySet(KeySetPolicy policy) : policy_(policy) {}

std::optional<std::string> KeySet::update(std::string_view jwks_json, SysTime now) {
  std::unordered_map<std::string, Entry> fresh;
  auto doc = parse_object(jwks_json);
  const boost::json::value* keys = doc ? doc->if_contains("keys") : nullptr;
  std::optional<std::string> error;
  if (!keys || !keys->is_array()) {
    error = "the JWKS document is not a JSON object with a \"keys\" array";
  } else {
    for (const auto& item : keys->get_array()) {
      if (!item.is_object()) continue;
      const auto& jwk = item.get_object();
      // Entra's keys carry use "sig"; a key meant for anything else must not check signatures.
      if (jwk.contains("use") && json_string(jwk, "use") != "sig") continue;
      auto kid = json_string(jwk, "kid");
      if (!kid) kid = json_string(jwk, "x5t");
      if (!kid || kid->empty()) continue;     // a key no token can name is of no use
      auto key = crypto::Key::from_jwk(jwk);  // RSA and EC only; anything else is skipped
      if (!key) continue;
      fresh.insert_or_assign(std::move(*kid), Entry{std::move(*key), json_string(jwk, "issuer")});
    }
    if (fresh.empty()) error = "the JWKS document holds no usable signing key (RSA or EC with use \"sig\" and a kid)";
  }

  std::lock_guard lock(mutex_);
  last_attempt_ = now;
  if (error) return error;
  keys_ = std::move(fresh);
  last_success_ = now;
  return std::nullopt;
}

void KeySet::fetch_failed(SysTime now) {
  std::lock_guard lock(mutex_);
  last_attempt_ = now;
}

std::optional<KeySet::Entry> KeySet::find(std::string_view kid) const {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(std::string(kid));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

bool KeySet::loaded() const {
  std::lock_guard lock(mutex_);
  return last_success_.has_value();
}

size_t KeySet::size() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

std::vector<std::string> KeySet::kids() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [kid, entry] : keys_) out.push_back(kid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool KeySet::refresh_due(SysTime now) const {
  std::lock_guard lock(mutex_);
  if (!last_success_) return elapsed(last_attempt_, now, kInitialRetry);
  return now - *last_success_ >= policy_.refresh_interval && elapsed(last_attempt_, now, kRefreshRetry);
}

bool KeySet::claim_unknown_kid_refetch(SysTime now) {
  std::lock_guard lock(mutex_);
  if (!elapsed(last_unknown_kid_refetch_, now, policy_.unknown_kid_min_interval)) return false;
  last_unknown_kid_refetch_ = now;
  return true;
}

std::string openid_configuration_url(std::string_view authority, std::string_view tenant_id) {
  return std::string(authority) + "/" + std::string(tenant_id) + "/v2.0/.well-known/openid-configuration";
}

std::optional<OpenIdMetadata> read_discovery_answer(std::string_view url, int status, std::string_view body,
                                                    std::string_view tenant_id, std::string& error) {
  if (status != 200) {
    error = std::string(url) + " answered " + std::to_string(status);
    return std::nullopt;
  }
  std::string why;
  auto metadata = parse_openid_metadata(body, why);
  if (!metadata) {
    error = std::string(url) + ": " + why;
    return std::nullopt;
  }
  if (metadata->issuer.find(tenant_id) == std::string::npos) {
    error = "the discovery document's issuer " + metadata->issuer + " is not tenant " + std::string(tenant_id);
    return std::nullopt;
  }
  return metadata;
}

std::optional<std::string> KeySet::update_from(std::string_view url, int status, std::string_view body, SysTime now) {
  if (status != 200) return std::string(url) + " answered " + std::to_string(status);
  if (auto e = update(body, now)) return std::string(url) + ": " + *e;
  return std::nullopt;
}

}  // namespace mcpgate::auth
