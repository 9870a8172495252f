#include "server/entra_authenticator.hpp"

#include "auth/jwt.hpp"
#include "auth/verifier.hpp"
#include "common/strings.hpp"
#include "http/client.hpp"

namespace mcpgate::server {

TenantKeys::Fetch TenantKeys::http_fetch(std::optional<std::string> ca_file) {
  return [options = http::ClientOptions{std::move(ca_file), std::chrono::seconds(10)}](const std::string& url) {
    return http::fetch({"GET", url, {}, {}}, options);
  };
}

TenantKeys::TenantKeys(std::string authority, std::optional<std::string> ca_file, auth::KeySetPolicy policy,
                       const Clock& clock)
    : TenantKeys(std::move(authority), http_fetch(std::move(ca_file)), policy, clock) {}

TenantKeys::TenantKeys(std::string authority, Fetch fetch, auth::KeySetPolicy policy, const Clock& clock)
    : authority_(std::move(authority)), fetch_(std::move(fetch)), policy_(policy), clock_(clock) {}

std::optional<std::string> TenantKeys::fetch(const std::string& tenant_id, Entry& entry) {
  auto url = auth::openid_configuration_url(authority_, tenant_id);
  try {
    auto doc = fetch_(url);
    std::string error;
    auto metadata = auth::read_discovery_answer(url, doc.status, doc.body, tenant_id, error);
    if (!metadata) return error;
    auto jwks = fetch_(metadata->jwks_uri);
    if (auto e = entry.keys->update_from(metadata->jwks_uri, jwks.status, jwks.body, clock_.now())) return e;
    entry.issuer = metadata->issuer;
    return std::nullopt;
  } catch (const http::ClientError& e) {
    return std::string(e.what());
  }
}

boost::system::result<TenantKeys::Snapshot, AuthFailure> TenantKeys::get(const std::string& tenant_id,
                                                                         bool force_refetch) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard guard(mutex_);
    auto& slot = tenants_[tenant_id];
    if (!slot) {
      slot = std::make_shared<Entry>();
      slot->keys = std::make_shared<auth::KeySet>(policy_);
    }
    entry = slot;
  }
  std::lock_guard guard(entry->mutex);
  auto now = clock_.now();
  bool due = entry->keys->refresh_due(now) || (force_refetch && entry->keys->claim_unknown_kid_refetch(now));
  if (due) {
    if (auto error = fetch(tenant_id, *entry)) {
      entry->keys->fetch_failed(now);
      if (!entry->keys->loaded())
        return AuthFailure{"keys_unavailable", "cannot fetch the signing keys of tenant " + tenant_id + ": " + *error};
    }
  }
  // Between retries after a failed first fetch there are no keys to check against: that is the
  // answer, not the issuer or signature mismatch that checking against nothing would report.
  if (!entry->keys->loaded())
    return AuthFailure{"keys_unavailable",
                       "the signing keys of tenant " + tenant_id + " could not be fetched yet; retrying shortly"};
  return Snapshot{entry->issuer, entry->keys};
}

EntraAuthenticator::EntraAuthenticator(store::Store& store, TenantKeys& keys, std::chrono::seconds clock_skew,
                                       const Clock& clock)
    : store_(store), keys_(keys), clock_skew_(clock_skew), clock_(clock) {}

boost::system::result<Principal, AuthFailure> EntraAuthenticator::authenticate(std::string_view token) {
  // Read the claims without trusting them, only to find which teamspace's configuration applies.
  auto unverified = auth::parse_jwt(token);
  if (!unverified) return AuthFailure{"malformed", std::string(auth::to_string(unverified.error()))};
  auto audiences = unverified->audiences();
  auto tid = unverified->claim_string("tid").value_or("");
  if (audiences.empty()) return AuthFailure{"audience_mismatch", "the token has no aud claim"};

  std::vector<store::EntraConfig> configs;
  for (auto& aud : audiences) {
    auto found = store_.teamspaces_for_audience(aud);
    if (!found) return AuthFailure{"store_unavailable", found.error().message};
    configs.insert(configs.end(), found->begin(), found->end());
  }
  if (configs.empty())
    return AuthFailure{"audience_mismatch",
                       "no teamspace accepts tokens with audience " + join(audiences, ", ") +
                           ": configure the teamspace's Microsoft Entra ID audience as the MCP API app's client ID "
                           "(the OBO token's aud, not the gateway app's)"};
  std::vector<const store::EntraConfig*> for_tenant;
  for (auto& c : configs)
    if (iequals(c.tenant_id, tid)) for_tenant.push_back(&c);
  if (for_tenant.empty())
    return AuthFailure{"tenant_not_configured",
                       "the token's tenant (tid " + (tid.empty() ? std::string("missing") : tid) +
                           ") is not the tenant configured for its audience: check the teamspace's Tenant ID"};

  AuthFailure last{"bad_signature", "the token was not accepted"};
  for (const auto* config : for_tenant) {
    auto tenant = keys_.get(config->tenant_id);
    if (!tenant) return tenant.error();
    auth::VerificationPolicy policy;
    policy.issuer = tenant->issuer;
    policy.tenant_id = config->tenant_id;
    policy.audiences = {config->audience};
    policy.required_scopes = {config->required_scope};
    policy.required_tenant = config->tenant_id;
    policy.clock_skew = clock_skew_;
    auto verified = auth::verify_token(token, policy, *tenant->keys, clock_.now());
    if (!verified && verified.error().failure == auth::TokenFailure::unknown_key) {
      auto refreshed = keys_.get(config->tenant_id, true);
      if (refreshed) verified = auth::verify_token(token, policy, *refreshed->keys, clock_.now());
    }
    if (!verified) {
      last = {std::string(auth::reason_code(verified.error().failure)), verified.error().detail};
      continue;
    }
    auto teamspace = std::to_string(config->teamspace_id);
    auto user = store_.find_entra_user(teamspace, config->tenant_id, verified->oid);
    if (!user) return AuthFailure{"store_unavailable", user.error().message};
    if (!*user) {
      last = {"user_not_provisioned",
              "the token is valid, but user " + verified->oid +
                  " is not provisioned in the teamspace: an owner or admin must add this Object ID (oid) under the "
                  "teamspace's Microsoft Entra ID users"};
      continue;
    }
    return Principal{config->teamspace_id, (*user)->user_id, (*user)->email,
                     config->tenant_id,    verified->oid,    verified->groups};
  }
  return last;
}

}  // namespace mcpgate::server
