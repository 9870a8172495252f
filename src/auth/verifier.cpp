#include "auth/verifier.hpp"

#include <algorithm>

#include "auth/jwt.hpp"
#include "common/strings.hpp"

namespace mcpgate::auth {
namespace {

constexpr std::string_view kV1IssuerPrefix = "https://sts.windows.net/";
constexpr std::string_view kTenantPlaceholder = "{tenantid}";

using Check = std::optional<VerifyError>;

VerifyError fail(TokenFailure failure, std::string detail) { return VerifyError{failure, std::move(detail)}; }

// A value quoted in a detail sentence. It comes from an untrusted token and ends up in headers
// and logs: printable ASCII only, and short.
std::string shown(std::string_view value) {
  constexpr size_t kMax = 120;
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  }
  if (value.size() > kMax) out += "...";
  return out + "'";
}

std::string shown(const std::vector<std::string>& values) {
  std::vector<std::string> parts;
  parts.reserve(values.size());
  for (const auto& v : values) parts.push_back(shown(v));
  return parts.empty() ? "(none)" : join(parts, ", ");
}

template <typename T>
bool contains(const std::vector<T>& list, const auto& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_symmetric_or_none(crypto::JwsAlg alg) {
  using crypto::JwsAlg;
  return alg == JwsAlg::None || alg == JwsAlg::HS256 || alg == JwsAlg::HS384 || alg == JwsAlg::HS512;
}

// Microsoft Graph's audience, as its URL or its well-known application ID.
bool is_graph_audience(std::string_view aud) {
  return iequals(aud, "https://graph.microsoft.com") || iequals(aud, "https://graph.microsoft.com/") ||
         iequals(aud, "00000003-0000-0000-c000-000000000000");
}

Check check_algorithm(const Jwt& jwt, const VerificationPolicy& policy) {
  // none and HS* are refused whatever the allow-list says: with a public key as the HMAC secret,
  // anyone could mint them.
  if (jwt.alg && !is_symmetric_or_none(*jwt.alg) && contains(policy.allowed_algorithms, *jwt.alg)) return {};
  std::vector<std::string> accepted;
  for (auto alg : policy.allowed_algorithms)
    if (!is_symmetric_or_none(alg)) accepted.emplace_back(crypto::to_string(alg));
  std::string accepted_list = accepted.empty() ? "none" : join(accepted, ", ");
  return fail(TokenFailure::disallowed_algorithm,
              "algorithm " + shown(jwt.alg_name) +
                  " is not accepted; Entra signs with RS256 (accepted here: " + accepted_list + ")");
}

Check check_issuer(const Jwt& jwt, const VerificationPolicy& policy) {
  auto iss = jwt.claim_string("iss");
  if (!iss) return fail(TokenFailure::issuer_mismatch, "the token has no iss claim; expected " + shown(policy.issuer));
  if (iss->starts_with(kV1IssuerPrefix) && iss->ends_with('/') && iss->size() > kV1IssuerPrefix.size() + 1) {
    auto aud = jwt.audiences();
    return fail(TokenFailure::v1_token,
                "this is an Entra v1 token (iss " + shown(*iss) +
                    "); set \"requestedAccessTokenVersion\": 2 in the manifest of the API app registration whose "
                    "client ID is the token's aud (" +
                    shown(aud) + "), then request a new token");
  }
  if (*iss != policy.issuer)
    return fail(TokenFailure::issuer_mismatch,
                "the token's iss is " + shown(*iss) + ", expected " + shown(policy.issuer));
  return {};
}

Check check_lifetime(const Jwt& jwt, const VerificationPolicy& policy, SysTime now) {
  const int64_t t = unix_seconds(now);
  const int64_t skew = policy.clock_skew.count();
  auto exp = jwt.claim_int("exp");
  if (!exp) return fail(TokenFailure::malformed, "the token has no numeric exp claim");
  // Written as t - skew > exp rather than t > exp + skew, so a huge exp cannot overflow.
  if (t - skew > *exp)
    return fail(TokenFailure::token_expired, "the token expired " + std::to_string(t - *exp) + " s ago (exp " +
                                                 std::to_string(*exp) + "), beyond the allowed clock skew of " +
                                                 std::to_string(skew) + " s; request a new token");
  if (jwt.payload.contains("nbf")) {
    auto nbf = jwt.claim_int("nbf");
    if (!nbf) return fail(TokenFailure::malformed, "the token's nbf claim is not a number");
    if (t + skew < *nbf)
      return fail(TokenFailure::not_yet_valid, "the token is not valid for another " + std::to_string(*nbf - t) +
                                                   " s (nbf " + std::to_string(*nbf) +
                                                   "), beyond the allowed clock skew of " + std::to_string(skew) +
                                                   " s; check the clocks of this host and the client");
  }
  return {};
}

// The claims whose shape Entra fixes: a token that bends them was not minted by Entra, and a
// lenient reading of one (an scp array, a ver of 1.0 under a v2 issuer) is how confusion starts.
Check check_claim_shapes(const Jwt& jwt, const VerificationPolicy& policy, SysTime now) {
  if (jwt.payload.contains("scp") && !jwt.payload.at("scp").is_string())
    return fail(TokenFailure::malformed, "the token's scp claim is not a space-separated string");
  if (jwt.payload.contains("roles")) {
    const auto& roles = jwt.payload.at("roles");
    if (!roles.is_array() || !std::all_of(roles.as_array().begin(), roles.as_array().end(),
                                          [](const boost::json::value& v) { return v.is_string(); }))
      return fail(TokenFailure::malformed, "the token's roles claim is not an array of strings");
  }
  if (jwt.payload.contains("ver")) {
    auto ver = jwt.claim_string("ver");
    if (ver == "1.0")
      return fail(TokenFailure::v1_token,
                  "the token is a v1.0 token (ver 1.0); set \"requestedAccessTokenVersion\": 2 in the manifest of "
                  "the app it was issued for");
    if (ver != "2.0") return fail(TokenFailure::malformed, "the token's ver claim is not \"2.0\"");
  }
  if (jwt.payload.contains("iat")) {
    auto iat = jwt.claim_int("iat");
    if (!iat) return fail(TokenFailure::malformed, "the token's iat claim is not a number");
    const int64_t t = unix_seconds(now);
    if (*iat - policy.clock_skew.count() > t)
      return fail(TokenFailure::not_yet_valid, "the token was issued " + std::to_string(*iat - t) +
                                                   " s in the future (iat), beyond the allowed clock skew; check the "
                                                   "clocks of this machine and the identity provider");
  }
  return {};
}

// Before the issuer: a Graph token is a v1 token too, and "wrong kind of token" is the useful answer.
Check check_not_graph(const Jwt& jwt) {
  for (const auto& a : jwt.audiences())
    if (is_graph_audience(a))
      return fail(TokenFailure::graph_token,
                  "the token is for Microsoft Graph (aud " + shown(a) +
                      "); Graph tokens are for Microsoft Graph only: request a token for this API's scope instead");
  return {};
}

Check check_audience(const Jwt& jwt, const VerificationPolicy& policy) {
  auto aud = jwt.audiences();
  for (const auto& a : aud)
    if (contains(policy.audiences, a)) return {};
  return fail(TokenFailure::audience_mismatch,
              "the token's aud is " + shown(aud) + " but this gateway expects one of " + shown(policy.audiences) +
                  "; aud must be the gateway app's client ID, so request a token for the gateway's scope "
                  "rather than for another app such as the MCP server's");
}

Check check_tenant(const Jwt& jwt, const VerificationPolicy& policy) {
  if (!policy.required_tenant) return {};
  auto tid = jwt.claim_string("tid");
  if (tid == policy.required_tenant) return {};
  return fail(TokenFailure::tenant_mismatch, "the token's tid is " + (tid ? shown(*tid) : "missing") +
                                                 ", but only tenant " + shown(*policy.required_tenant) +
                                                 " is accepted");
}

Check check_scopes(const Jwt& jwt, const VerificationPolicy& policy) {
  const auto& required = policy.required_scopes;
  if (required.empty()) return {};
  if (!jwt.payload.contains("scp"))
    return fail(TokenFailure::scope_missing, "the token has no scp claim (app-only tokens carry none); it needs " +
                                                 std::string(policy.require_all_scopes ? "all" : "one") +
                                                 " of the scopes " + shown(required));
  auto scopes = jwt.claim_list("scp");
  std::vector<std::string> lacking;
  for (const auto& s : required)
    if (!contains(scopes, s)) lacking.push_back(s);
  if (policy.require_all_scopes ? lacking.empty() : lacking.size() < required.size()) return {};
  if (policy.require_all_scopes)
    return fail(TokenFailure::scope_missing,
                "the token's scp " + shown(join(scopes, " ")) + " lacks the required scope(s) " + shown(lacking));
  return fail(TokenFailure::scope_missing,
              "the token's scp " + shown(join(scopes, " ")) + " has none of the required scopes " + shown(required));
}

// Entra scopes some keys to an issuer; a templated one stands for every tenant by its tid.
Check check_key_issuer(const Jwt& jwt, const std::string& kid, const std::optional<std::string>& key_issuer) {
  if (!key_issuer) return {};
  std::string expected = *key_issuer;
  if (auto at = expected.find(kTenantPlaceholder); at != std::string::npos)
    expected.replace(at, kTenantPlaceholder.size(), jwt.claim_string("tid").value_or(""));
  auto iss = jwt.claim_string("iss").value_or("");
  if (iss == expected) return {};
  return fail(TokenFailure::issuer_mismatch, "signing key " + shown(kid) + " is scoped to issuer " + shown(expected) +
                                                 ", but the token's iss is " + shown(iss));
}

VerifiedToken verified_claims(const Jwt& jwt) {
  VerifiedToken v;
  v.tid = jwt.claim_string("tid").value_or("");
  v.oid = jwt.claim_string("oid").value_or("");
  v.preferred_username = jwt.claim_string("preferred_username").value_or(jwt.claim_string("upn").value_or(""));
  v.name = jwt.claim_string("name").value_or("");
  v.azp = jwt.claim_string("azp").value_or(jwt.claim_string("appid").value_or(""));
  v.scopes = jwt.claim_list("scp");
  v.groups = jwt.claim_list("groups");
  if (auto it = jwt.payload.find("_claim_names"); it != jwt.payload.end() && it->value().is_object())
    v.groups_overage = it->value().get_object().contains("groups");
  v.roles = jwt.claim_list("roles");
  v.exp = jwt.claim_int("exp").value_or(0);
  v.nbf = jwt.claim_int("nbf").value_or(0);
  return v;
}

}  // namespace

std::string_view reason_code(TokenFailure f) {
  switch (f) {
    case TokenFailure::missing:
      return "missing";
    case TokenFailure::malformed:
      return "malformed";
    case TokenFailure::oversized:
      return "oversized";
    case TokenFailure::disallowed_algorithm:
      return "disallowed_algorithm";
    case TokenFailure::unknown_key:
      return "unknown_key";
    case TokenFailure::bad_signature:
      return "bad_signature";
    case TokenFailure::v1_token:
      return "v1_token";
    case TokenFailure::issuer_mismatch:
      return "issuer_mismatch";
    case TokenFailure::graph_token:
      return "graph_token";
    case TokenFailure::audience_mismatch:
      return "audience_mismatch";
    case TokenFailure::token_expired:
      return "token_expired";
    case TokenFailure::not_yet_valid:
      return "not_yet_valid";
    case TokenFailure::tenant_mismatch:
      return "tenant_mismatch";
    case TokenFailure::scope_missing:
      return "scope_missing";
  }
  return "invalid_token";
}

boost::system::result<VerifiedToken, VerifyError> verify_token(std::string_view token, const VerificationPolicy& policy,
                                                               const KeySet& keys, SysTime now) {
  if (token.size() > policy.max_token_bytes)
    return fail(TokenFailure::oversized, "the token is " + std::to_string(token.size()) + " bytes, more than the " +
                                             std::to_string(policy.max_token_bytes) + " accepted");
  auto parsed = parse_jwt(token, policy.max_token_bytes);
  if (!parsed) return fail(TokenFailure::malformed, std::string(to_string(parsed.error())));
  const Jwt& jwt = *parsed;

  if (auto e = check_algorithm(jwt, policy)) return std::move(*e);
  if (auto e = check_not_graph(jwt)) return std::move(*e);
  if (auto e = check_issuer(jwt, policy)) return std::move(*e);
  if (auto e = check_claim_shapes(jwt, policy, now)) return std::move(*e);
  if (auto e = check_lifetime(jwt, policy, now)) return std::move(*e);
  if (auto e = check_audience(jwt, policy)) return std::move(*e);
  if (auto e = check_tenant(jwt, policy)) return std::move(*e);
  if (auto e = check_scopes(jwt, policy)) return std::move(*e);

  auto kid = jwt.header_string("kid");
  if (!kid) kid = jwt.header_string("x5t");
  if (!kid) return fail(TokenFailure::unknown_key, "the token header names no signing key (no kid or x5t)");
  auto entry = keys.find(*kid);
  if (!entry)
    return fail(TokenFailure::unknown_key, "signing key " + shown(*kid) + " is not among the tenant's " +
                                               std::to_string(keys.size()) + " published keys");
  if (auto e = check_key_issuer(jwt, *kid, entry->issuer)) return std::move(*e);
  if (!entry->key.fits(jwt.alg.value()))
    return fail(TokenFailure::disallowed_algorithm, "algorithm " + shown(jwt.alg_name) + " does not fit signing key " +
                                                        shown(*kid) + " (an " + (entry->key.is_rsa() ? "RSA" : "EC") +
                                                        " key)");
  if (!entry->key.verify(jwt.alg.value(), jwt.signing_input, jwt.signature))
    return fail(TokenFailure::bad_signature, "the token's signature does not verify with signing key " + shown(*kid));
  return verified_claims(jwt);
}

}  // namespace mcpgate::auth
