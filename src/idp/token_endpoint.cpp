// POST /{tenant}/oauth2/v2.0/token: every grant, client authentication and On-Behalf-Of rules.
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "idp/identity_provider.hpp"

namespace mcpgate::idp {
namespace json = boost::json;
using http::Form;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::string_view kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::optional<std::string> opt(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

bool amr_has_mfa(const auth::Jwt& jwt) {
  for (auto& m : jwt.claim_list("amr"))
    if (m == "mfa") return true;
  return false;
}

std::string s256(std::string_view verifier) { return base64url_encode(crypto::sha256(verifier)); }

// The Conditional Access policy that demands MFA, named in claims challenges.
std::string ca_policy_id(const Tenant& tenant) { return crypto::name_based_guid("ca-mfa-policy|" + tenant.id); }

}  // namespace

Response IdentityProvider::token(const Tenant& tenant, const std::string& base, const Request& request) {
  auto content_type = request.header("Content-Type").value_or("");
  if (to_lower(content_type).rfind("application/x-www-form-urlencoded", 0) != 0)
    return fail(make_error(
        "invalid_request", 900144,
        "The request body must be application/x-www-form-urlencoded (got '" + std::string(content_type) + "')."));
  auto form = http::parse_form(request.body);
  if (!form) return fail(invalid_parameter("body", "it is not valid form encoding"));
  if (auto repeated = form->repeated_name())
    return fail(make_error("invalid_request", 90015,
                           "The parameter '" + std::string(*repeated) + "' is given more than once."));
  auto grant_type = form->get("grant_type");
  if (!grant_type || grant_type->empty()) return fail(missing_parameter("grant_type"));

  boost::system::result<Response, EntraError> result = make_error("unsupported_grant_type", 70003, "");
  if (*grant_type == "authorization_code")
    result = grant_authorization_code(tenant, base, *form, request);
  else if (*grant_type == "refresh_token")
    result = grant_refresh_token(tenant, base, *form, request);
  else if (*grant_type == "client_credentials")
    result = grant_client_credentials(tenant, base, *form, request);
  else if (*grant_type == kJwtBearer)
    result = grant_on_behalf_of(tenant, base, *form, request);
  else
    return fail(make_error("unsupported_grant_type", 70003,
                           "The app requested an unsupported grant type '" + std::string(*grant_type) +
                               "'. Supported: authorization_code, refresh_token, client_credentials, " +
                               std::string(kJwtBearer) + " (On-Behalf-Of)."));
  if (!result) return fail(result.error());
  count_grant(*grant_type == kJwtBearer ? "on_behalf_of" : std::string(*grant_type));
  return *result;
}

boost::system::result<IdentityProvider::ClientAuthentication, EntraError> IdentityProvider::authenticate_client(
    const Tenant& tenant, const std::string& base, const Form& form, const Request& request, bool credential_required) {
  std::optional<std::string> client_id = opt(form.get("client_id"));
  std::optional<std::string> secret = opt(form.get("client_secret"));
  auto assertion = form.get("client_assertion");
  int methods = (secret ? 1 : 0) + (assertion ? 1 : 0);

  if (auto basic = request.header("Authorization"); basic && to_lower(basic->substr(0, 6)) == "basic ") {
    ++methods;
    auto decoded = base64_decode(basic->substr(6));
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos)
      return make_error("invalid_client", 7000216, "The Basic authorization header is malformed.", 401);
    auto id = http::parse_form("a=" + decoded->substr(0, colon) + "&b=" + decoded->substr(colon + 1));
    if (!id) return make_error("invalid_client", 7000216, "The Basic authorization header is malformed.", 401);
    if (client_id && *client_id != *id->get("a"))
      return make_error("invalid_client", 7000216, "client_id in the body differs from the Basic credentials.", 401);
    client_id = std::string(*id->get("a"));
    secret = std::string(*id->get("b"));
  }
  if (methods > 1)
    return make_error("invalid_request", 90023,
                      "More than one client credential was sent; use exactly one of client_secret, HTTP Basic or "
                      "client_assertion.");

  std::optional<auth::Jwt> assertion_jwt;
  if (assertion) {
    if (form.get("client_assertion_type") != kAssertionType)
      return make_error("invalid_request", 700027,
                        "client_assertion_type must be " + std::string(kAssertionType) + ".");
    auto parsed = auth::parse_jwt(*assertion);
    if (!parsed)
      return make_error("invalid_client", 700027,
                        "Client assertion failed signature validation: " + std::string(to_string(parsed.error())), 401);
    assertion_jwt = std::move(*parsed);
    auto iss = assertion_jwt->claim_string("iss");
    if (!client_id) client_id = iss;
    if (!iss || iss != client_id || assertion_jwt->claim_string("sub") != client_id)
      return make_error("invalid_client", 700021, "Client assertion iss and sub must both equal the client ID.", 401);
  }
  if (!client_id || client_id->empty()) return missing_parameter("client_id");
  const App* app = tenant.app(*client_id);
  if (!app || !is_guid(*client_id)) return unknown_client(*client_id, tenant.name);

  if (secret) {
    if (app->public_client && app->secrets.empty())
      return make_error("invalid_request", 700025,
                        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    bool ok = false;
    for (auto& s : app->secrets) ok = crypto::constant_time_equals(s, *secret) || ok;
    if (!ok)
      return make_error("invalid_client", 7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                        "secret value, not the client secret ID, for a secret added to app '" +
                            app->client_id + "'.",
                        401);
    return ClientAuthentication{app, "1"};
  }
  if (assertion_jwt) {
    auto& jwt = *assertion_jwt;
    if (!jwt.alg || (*jwt.alg != crypto::JwsAlg::RS256 && *jwt.alg != crypto::JwsAlg::PS256))
      return make_error("invalid_client", 700027, "Client assertion must be signed with RS256 or PS256.", 401);
    auto x5t = jwt.header_string("x5t");
    auto x5t256 = jwt.header_string("x5t#S256");
    const crypto::Certificate* cert = nullptr;
    for (auto& c : app->certificates)
      if ((x5t && c.x5t() == *x5t) || (x5t256 && c.x5t_s256() == *x5t256)) cert = &c;
    if (!cert)
      return make_error("invalid_client", 700027,
                        "Client assertion contains an invalid signature: no certificate of app '" + app->client_id +
                            "' has the thumbprint in its x5t / x5t#S256 header.",
                        401);
    if (!cert->public_key().verify(*jwt.alg, jwt.signing_input, jwt.signature))
      return make_error("invalid_client", 700027, "Client assertion failed signature validation.", 401);
    auto auds = jwt.audiences();
    std::string expected_path = "/" + tenant.id + "/oauth2/v2.0/token";
    bool aud_ok = std::any_of(auds.begin(), auds.end(), [&](auto& a) {
      return a == base + expected_path || a == "https://login.microsoftonline.com" + expected_path ||
             a == base + "/" + tenant.id + "/v2.0" ||
             (a.size() > expected_path.size() && a.ends_with("/oauth2/v2.0/token") &&
              a.find("/" + tenant.id + "/") != std::string::npos);
    });
    if (!aud_ok)
      return make_error("invalid_client", 700212,
                        "The client assertion's aud must be this tenant's token endpoint " + base + expected_path + ".",
                        401);
    auto now = unix_seconds(clock_.now());
    auto exp = jwt.claim_int("exp");
    auto nbf = jwt.claim_int("nbf");
    auto skew = config_.clock_skew.count();
    if (!exp || *exp + skew < now || (nbf && *nbf - skew > now))
      return make_error("invalid_client", 700024,
                        "Client assertion is not within its valid time range. Mint a new one and check the clock.",
                        401);
    if (auto jti = jwt.claim_string("jti")) {
      std::lock_guard guard(mutex_);
      auto key = app->client_id + "|" + *jti;
      std::erase_if(used_assertion_ids_, [&](auto& e) { return e.second < clock_.now(); });
      if (used_assertion_ids_.count(key))
        return make_error("invalid_client", 700023, "Client assertion (jti) was already used; mint a new one.", 401);
      used_assertion_ids_[key] = SysTime(Seconds(*exp + skew));
    }
    return ClientAuthentication{app, "2"};
  }
  if (credential_required || !app->public_client)
    return make_error("invalid_client", 7000218,
                      "The request body must contain the following parameter: 'client_assertion' or 'client_secret' "
                      "(app '" +
                          app->name + "' is a confidential client).",
                      401);
  return ClientAuthentication{app, "0"};
}

Response IdentityProvider::user_token_response(const Tenant& tenant, const std::string& base, const UserGrant& grant,
                                               const ScopeSet& scopes, const std::vector<std::string>& granted,
                                               const Form& form, const std::optional<std::string>& nonce) {
  auto lifetime = issuer_.access_token_lifetime().count();
  UserGrant issued = grant;
  {
    std::lock_guard guard(mutex_);
    issued.expired = expire_next_.erase(to_lower(grant.user->upn)) > 0;
  }
  json::object body{{"token_type", "Bearer"},
                    {"scope", response_scope(scopes, granted)},
                    {"expires_in", lifetime},
                    {"ext_expires_in", lifetime},
                    {"access_token", issuer_.user_access_token(tenant, base, issued, scopes, granted)}};
  if (scopes.offline_access) {
    auto rt = crypto::random_token(64);
    {
      std::lock_guard guard(mutex_);
      auto now = clock_.now();
      std::erase_if(refresh_tokens_, [&](auto& r) { return r.second.expires < now; });
      refresh_tokens_[rt] = RefreshGrant{
          &tenant, grant.client, grant.user, scopes, granted, grant.mfa, now + config_.lifetimes.refresh_token};
    }
    body["refresh_token"] = rt;
  }
  if (scopes.openid) body["id_token"] = issuer_.id_token(tenant, base, grant, nonce);
  if (form.get("client_info") == "1") body["client_info"] = TokenIssuer::client_info(tenant, *grant.user);
  auto r = Response::json(200, body);
  r.headers.set("Access-Control-Allow-Origin", "*");
  return r;
}

boost::system::result<Response, EntraError> IdentityProvider::grant_authorization_code(const Tenant& tenant,
                                                                                       const std::string& base,
                                                                                       const Form& form,
                                                                                       const Request& request) {
  auto code_value = form.get("code");
  if (!code_value || code_value->empty()) return missing_parameter("code");
  auto client = authenticate_client(tenant, base, form, request, false);
  if (!client) return client.error();
  auto redirect_uri = form.get("redirect_uri");
  if (!redirect_uri) return missing_parameter("redirect_uri");

  AuthorizationCode code{};
  {
    std::lock_guard guard(mutex_);
    auto it = codes_.find(std::string(*code_value));
    if (it == codes_.end())
      return make_error("invalid_grant", 70000,
                        "The provided value for the 'code' parameter is not valid; request a new authorization code.");
    if (it->second.redeemed)
      return make_error("invalid_grant", 54005,
                        "OAuth2 Authorization code was already redeemed, please retry with a "
                        "new valid code or use an existing refresh token.");
    if (it->second.expires < clock_.now())
      return make_error("invalid_grant", 70008,
                        "The provided authorization code or refresh token has expired due to inactivity. Send a new "
                        "interactive authorization request for this user and resource.");
    if (it->second.client != client->app)
      return make_error("invalid_grant", 70000, "The authorization code was issued to a different client.");
    // Mark before checking the verifier: a code survives no failed redemption attempt either.
    it->second.redeemed = true;
    code = it->second;
  }
  if (code.redirect_uri != *redirect_uri)
    return make_error("invalid_grant", 500112,
                      "The reply address '" + std::string(*redirect_uri) +
                          "' does not match the reply address provided when requesting the authorization code.");
  if (code.code_challenge) {
    auto verifier = form.get("code_verifier");
    if (!verifier) return make_error("invalid_grant", 501491, "Must provide code_verifier with PKCE requests.");
    std::string computed = code.code_challenge_method == "S256" ? s256(*verifier) : std::string(*verifier);
    if (!crypto::constant_time_equals(computed, *code.code_challenge))
      return make_error("invalid_grant", 501481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
  }
  ScopeSet scopes = code.scopes;
  if (auto scope = form.get("scope"); scope && !scope->empty()) {
    // The token leg may repeat the scopes; it may not widen them to another resource.
    auto again = parse_scopes(tenant, *scope);
    if (!again) return again.error();
    if (again->resource_id() != scopes.resource_id())
      return make_error("invalid_grant", 70011,
                        "The scope requested at the token endpoint names a different resource "
                        "than the authorization request.");
    scopes.offline_access = scopes.offline_access || again->offline_access;
  }
  if (auto e = check_resource_parameter(scopes, form.get("resource"))) return *e;
  UserGrant grant{code.user, code.client, client->azpacr, code.mfa};
  return user_token_response(tenant, base, grant, scopes, code.granted, form, code.nonce);
}

boost::system::result<Response, EntraError> IdentityProvider::grant_refresh_token(const Tenant& tenant,
                                                                                  const std::string& base,
                                                                                  const Form& form,
                                                                                  const Request& request) {
  auto value = form.get("refresh_token");
  if (!value || value->empty()) return missing_parameter("refresh_token");
  auto client = authenticate_client(tenant, base, form, request, false);
  if (!client) return client.error();
  RefreshGrant rt{};
  {
    std::lock_guard guard(mutex_);
    auto it = refresh_tokens_.find(std::string(*value));
    if (it == refresh_tokens_.end() || it->second.tenant != &tenant)
      return make_error("invalid_grant", 9002313,
                        "Invalid refresh token: it is unknown, was already used (refresh tokens rotate), or the "
                        "identity provider restarted. Sign in again.");
    if (it->second.expires < clock_.now()) {
      refresh_tokens_.erase(it);
      return make_error("invalid_grant", 700082, "The refresh token has expired due to inactivity. Sign in again.");
    }
    if (it->second.client != client->app)
      return make_error("invalid_grant", 70000, "The refresh token was issued to a different client.");
    rt = it->second;
    refresh_tokens_.erase(it);  // rotation: each refresh token is good for one use
  }
  ScopeSet scopes = rt.scopes;
  std::vector<std::string> granted = rt.granted;
  if (auto scope = form.get("scope"); scope && !scope->empty()) {
    auto wanted = parse_scopes(tenant, *scope);
    if (!wanted) return wanted.error();
    auto grant = delegated_grant(tenant, *rt.client, *wanted, false);
    if (!grant) return grant.error();
    scopes = *wanted;
    scopes.offline_access = true;  // the new refresh token replaces the one just used
    granted = *grant;
  }
  if (auto e = check_resource_parameter(scopes, form.get("resource"))) return *e;
  UserGrant grant{rt.user, rt.client, client->azpacr, rt.mfa};
  return user_token_response(tenant, base, grant, scopes, granted, form, std::nullopt);
}

boost::system::result<Response, EntraError> IdentityProvider::grant_client_credentials(const Tenant& tenant,
                                                                                       const std::string& base,
                                                                                       const Form& form,
                                                                                       const Request& request) {
  auto client = authenticate_client(tenant, base, form, request, true);
  if (!client) return client.error();
  auto scope = form.get("scope");
  if (!scope || scope->empty()) return missing_parameter("scope");
  auto scopes = parse_scopes(tenant, *scope);
  if (!scopes) return scopes.error();
  if (!scopes->default_scope || scopes->graph() || scopes->openid || scopes->profile || scopes->offline_access)
    return make_error("invalid_scope", 1002012,
                      "The provided value for scope " + std::string(*scope) +
                          " is not valid. Client credential flows must have a scope value with /.default suffixed to "
                          "the resource identifier (application ID URI), e.g. api://<app-id>/.default.");
  if (auto e = check_resource_parameter(*scopes, form.get("resource"))) return *e;
  auto roles = application_grant(*client->app, *scopes->resource);
  auto lifetime = issuer_.access_token_lifetime().count();
  json::object body{
      {"token_type", "Bearer"},
      {"expires_in", lifetime},
      {"ext_expires_in", lifetime},
      {"access_token", issuer_.app_access_token(tenant, base, *client->app, *scopes->resource, roles, client->azpacr)}};
  return Response::json(200, body);
}

boost::system::result<UserGrant, EntraError> IdentityProvider::verify_user_assertion(const Tenant& tenant,
                                                                                     const App& caller,
                                                                                     std::string_view assertion) {
  auto bad = [](const std::string& why) {
    return make_error("invalid_grant", 50013, "Assertion failed signature validation. [Reason - " + why + "]");
  };
  auto jwt = auth::parse_jwt(assertion);
  if (!jwt) return bad(std::string(to_string(jwt.error())));
  if (jwt->alg != crypto::JwsAlg::RS256) return bad("the assertion must be signed with RS256, got " + jwt->alg_name);
  auto kid = jwt->header_string("kid");
  if (!kid) kid = jwt->header_string("x5t");
  auto key = kid ? keys_.verification_key(*kid) : std::nullopt;
  if (!key) return bad("the key was not found (kid not in this tenant's published keys)");
  if (!key->verify(crypto::JwsAlg::RS256, jwt->signing_input, jwt->signature)) return bad("the signature is invalid");
  auto iss = jwt->claim_string("iss").value_or("");
  bool iss_ok = iss == TokenIssuer::v1_issuer(tenant) || iss.ends_with("/" + tenant.id + "/v2.0");
  if (!iss_ok) return bad("the issuer '" + iss + "' is not this tenant's");
  auto now = unix_seconds(clock_.now());
  auto exp = jwt->claim_int("exp");
  auto skew = config_.clock_skew.count();
  if (!exp || *exp < now)
    return make_error("invalid_grant", 500133,
                      "Assertion is not within its valid time range. Ensure that the access token is not expired "
                      "before using it for user assertion, or request a new token.");
  if (auto nbf = jwt->claim_int("nbf"); nbf && *nbf - skew > now) return bad("the assertion is not yet valid (nbf)");
  auto auds = jwt->audiences();
  if (std::none_of(auds.begin(), auds.end(), [&](auto& a) { return caller.identified_by(a); }))
    return make_error("invalid_grant", 500131,
                      "Assertion audience does not match the Client app presenting the assertion. The audience in the "
                      "assertion was '" +
                          (auds.empty() ? std::string() : auds.front()) +
                          "' and the expected "
                          "audience is '" +
                          caller.client_id + "' or one of the Application Id URIs of this app.");
  if (jwt->claim_string("idtyp") == "app" || (!jwt->payload.contains("scp") && jwt->payload.contains("roles")))
    return bad("the assertion is an app-only token; On-Behalf-Of needs a user's delegated token");
  auto oid = jwt->claim_string("oid").value_or("");
  const User* user = tenant.user(oid);
  if (!user) return bad("the assertion's user (oid) does not exist in this tenant");
  auto azp = jwt->claim_string("azp");
  if (!azp) azp = jwt->claim_string("appid");
  const App* client = azp ? tenant.app(*azp) : nullptr;
  return UserGrant{user, client ? client : &caller, "0", amr_has_mfa(*jwt)};
}

boost::system::result<Response, EntraError> IdentityProvider::grant_on_behalf_of(const Tenant& tenant,
                                                                                 const std::string& base,
                                                                                 const Form& form,
                                                                                 const Request& request) {
  auto client = authenticate_client(tenant, base, form, request, true);
  if (!client) return client.error();
  auto use = form.get("requested_token_use");
  if (use != "on_behalf_of")
    return make_error("invalid_request", 900144,
                      "The request body must contain the following parameter: 'requested_token_use' = on_behalf_of.");
  auto assertion = form.get("assertion");
  if (!assertion || assertion->empty()) return missing_parameter("assertion");
  auto scope = form.get("scope");
  if (!scope || scope->empty()) return missing_parameter("scope");
  auto user_grant = verify_user_assertion(tenant, *client->app, *assertion);
  if (!user_grant) return user_grant.error();
  auto scopes = parse_scopes(tenant, *scope);
  if (!scopes) return scopes.error();
  if (scopes->graph() && scopes->scopes.empty() && !scopes->default_scope)
    return make_error("invalid_scope", 70011,
                      "The provided value for the input parameter 'scope' is not valid: name the downstream API, e.g. "
                      "api://<mcp-api-app-id>/.default.");
  if (auto e = check_resource_parameter(*scopes, form.get("resource"))) return *e;
  auto granted = delegated_grant(tenant, *client->app, *scopes, false);
  if (!granted) return granted.error();

  if (user_grant->user->mfa_required && !user_grant->mfa) {
    auto e = make_error("interaction_required", 50076,
                        "Due to a configuration change made by your administrator, or because you moved to a new "
                        "location, you must use multi-factor authentication to access '" +
                            (scopes->resource ? scopes->resource->name : std::string("Microsoft Graph")) + "'.");
    e.suberror = "basic_action";
    e.claims = json::serialize(json::object{
        {"access_token", json::object{{"capolids", json::object{{"essential", true},
                                                                {"values", json::array{ca_policy_id(tenant)}}}}}}});
    return e;
  }
  {
    std::lock_guard guard(mutex_);
    ++stats_.obo_by_user[tenant.id + "/" + user_grant->user->oid];
  }
  UserGrant grant{user_grant->user, client->app, client->azpacr, user_grant->mfa};
  return user_token_response(tenant, base, grant, *scopes, *granted, form, std::nullopt);
}

}  // namespace mcpgate::idp
