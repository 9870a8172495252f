#include "idp/token_issuer.hpp"

#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace mcpgate::idp {
namespace json = boost::json;

namespace {

// Entra backdates iat and nbf by five minutes to absorb clock skew at resource servers.
constexpr Seconds kBackdate{300};

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

TokenIssuer::TokenIssuer(KeyStore& keys, const IdpConfig& config, const Clock& clock)
    : keys_(keys), config_(config), clock_(clock) {}

std::string TokenIssuer::issuer(const Tenant& tenant, const std::string& base_url) const {
  if (tenant.issuer_override) return "https://login.microsoftonline.com/" + tenant.id + "/v2.0";
  return base_url + "/" + tenant.id + "/v2.0";
}

std::string TokenIssuer::v1_issuer(const Tenant& tenant) { return "https://sts.windows.net/" + tenant.id + "/"; }

std::string TokenIssuer::client_info(const Tenant& tenant, const User& user) {
  return base64url_encode(json::serialize(json::object{{"uid", user.oid}, {"utid", tenant.id}}));
}

std::string TokenIssuer::pairwise_subject(const std::string& oid, const std::string& app_id) {
  return base64url_encode(crypto::sha256(oid + "|" + app_id));
}

std::string TokenIssuer::service_principal_oid(const Tenant& tenant, const App& app) {
  return crypto::name_based_guid("service-principal|" + tenant.id + "|" + app.client_id);
}

std::string TokenIssuer::sign(const json::object& payload, bool graph_nonce) const {
  auto key = keys_.current();
  json::object header{{"typ", "JWT"}};
  // Graph tokens carry a nonce in the header that breaks standard JWS checks, as Entra's do:
  // resource servers must refuse them by audience, never try to verify them.
  if (graph_nonce) header["nonce"] = crypto::random_token(32);
  header["alg"] = "RS256";
  header["x5t"] = key.kid;
  header["kid"] = key.kid;
  return auth::sign_jwt(header, payload, key.key, crypto::JwsAlg::RS256);
}

std::string TokenIssuer::user_access_token(const Tenant& tenant, const std::string& base_url, const UserGrant& grant,
                                           const ScopeSet& scopes, const std::vector<std::string>& granted) const {
  auto now = clock_.now();
  if (grant.expired) now -= config_.lifetimes.access_token + std::chrono::hours(1);
  const User& user = *grant.user;
  const App& client = *grant.client;
  json::array amr{"pwd"};
  if (grant.mfa) amr.emplace_back("mfa");
  json::object p;
  bool v1 = scopes.graph() || scopes.resource->access_token_version < 2;
  if (v1) {
    std::string aud = scopes.graph()
                          ? std::string(kGraphAppId)
                          : (scopes.resource->identifier_uris.empty() ? scopes.resource->client_id
                                                                      : scopes.resource->identifier_uris.front());
    p["aud"] = aud;
    p["iss"] = tenant.issuer_override ? issuer(tenant, base_url) : v1_issuer(tenant);
    p["iat"] = unix_seconds(now - kBackdate);
    p["nbf"] = unix_seconds(now - kBackdate);
    p["exp"] = unix_seconds(now + config_.lifetimes.access_token);
    p["acr"] = "1";
    p["aio"] = crypto::random_token(24);
    p["amr"] = amr;
    p["appid"] = client.client_id;
    p["appidacr"] = grant.azpacr;
    p["name"] = user.name;
    p["oid"] = user.oid;
    p["rh"] = crypto::random_token(12);
    p["scp"] = join(granted, " ");
    p["sub"] = pairwise_subject(user.oid, scopes.resource_id());
    p["tid"] = tenant.id;
    p["unique_name"] = user.upn;
    p["upn"] = user.upn;
    p["uti"] = crypto::random_token(16);
    p["ver"] = "1.0";
  } else {
    p["aud"] = scopes.resource->client_id;
    p["iss"] = issuer(tenant, base_url);
    p["iat"] = unix_seconds(now - kBackdate);
    p["nbf"] = unix_seconds(now - kBackdate);
    p["exp"] = unix_seconds(now + config_.lifetimes.access_token);
    p["aio"] = crypto::random_token(24);
    p["amr"] = amr;
    p["azp"] = client.client_id;
    p["azpacr"] = grant.azpacr;
    if (scopes.resource->groups_claim && !user.groups.empty()) p["groups"] = string_array(user.groups);
    p["name"] = user.name;
    p["oid"] = user.oid;
    p["preferred_username"] = user.upn;
    p["rh"] = crypto::random_token(12);
    p["scp"] = join(granted, " ");
    p["sub"] = pairwise_subject(user.oid, scopes.resource_id());
    p["tid"] = tenant.id;
    p["uti"] = crypto::random_token(16);
    p["ver"] = "2.0";
  }
  return sign(p, scopes.graph());
}

std::string TokenIssuer::app_access_token(const Tenant& tenant, const std::string& base_url, const App& client,
                                          const App& resource, const std::vector<std::string>& roles,
                                          const std::string& azpacr) const {
  auto now = clock_.now();
  auto sp = service_principal_oid(tenant, client);
  json::object p;
  bool v1 = resource.access_token_version < 2;
  p["aud"] = v1 && !resource.identifier_uris.empty() ? resource.identifier_uris.front() : resource.client_id;
  p["iss"] = v1 && !tenant.issuer_override ? v1_issuer(tenant) : issuer(tenant, base_url);
  p["iat"] = unix_seconds(now - kBackdate);
  p["nbf"] = unix_seconds(now - kBackdate);
  p["exp"] = unix_seconds(now + config_.lifetimes.access_token);
  p["aio"] = crypto::random_token(24);
  if (v1) {
    p["appid"] = client.client_id;
    p["appidacr"] = azpacr;
  } else {
    p["azp"] = client.client_id;
    p["azpacr"] = azpacr;
  }
  p["idtyp"] = "app";
  p["oid"] = sp;
  p["rh"] = crypto::random_token(12);
  if (!roles.empty()) p["roles"] = string_array(roles);
  p["sub"] = sp;
  p["tid"] = tenant.id;
  p["uti"] = crypto::random_token(16);
  p["ver"] = v1 ? "1.0" : "2.0";
  return sign(p);
}

std::string TokenIssuer::id_token(const Tenant& tenant, const std::string& base_url, const UserGrant& grant,
                                  const std::optional<std::string>& nonce) const {
  auto now = clock_.now();
  const User& user = *grant.user;
  json::object p;
  p["aud"] = grant.client->client_id;
  p["iss"] = issuer(tenant, base_url);
  p["iat"] = unix_seconds(now - kBackdate);
  p["nbf"] = unix_seconds(now - kBackdate);
  p["exp"] = unix_seconds(now + config_.lifetimes.id_token);
  p["aio"] = crypto::random_token(24);
  json::array amr{"pwd"};
  if (grant.mfa) amr.emplace_back("mfa");
  p["amr"] = amr;
  p["email"] = user.email;
  p["name"] = user.name;
  if (nonce) p["nonce"] = *nonce;
  p["oid"] = user.oid;
  p["preferred_username"] = user.upn;
  p["rh"] = crypto::random_token(12);
  p["sub"] = pairwise_subject(user.oid, grant.client->client_id);
  p["tid"] = tenant.id;
  p["uti"] = crypto::random_token(16);
  p["ver"] = "2.0";
  return sign(p);
}

}  // namespace mcpgate::idp
