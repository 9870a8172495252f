#include "doctor/token_checks.hpp"

#include <algorithm>
#include <ctime>

namespace mcpgate::doctor {
namespace {

constexpr std::string_view kGraphApp = "00000003-0000-0000-c000-000000000000";
constexpr std::string_view kGraphResource = "https://graph.microsoft.com";

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return iequal(s, value); });
}

std::string join(const std::vector<std::string>& list, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string utc(int64_t unix_seconds) {
  std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* app_of(Hop hop) { return hop == Hop::gateway ? "gateway app" : "MCP API app"; }
const char* manifest_step(Hop hop) { return hop == Hop::gateway ? "Part 2 Step 2" : "Part 2 Step 1"; }

}  // namespace

std::string human_duration(std::chrono::seconds d) {
  auto s = d.count() < 0 ? -d.count() : d.count();
  long days = long(s / 86400), hours = long(s % 86400 / 3600), minutes = long(s % 3600 / 60), seconds = long(s % 60);
  if (days > 0) return std::to_string(days) + "d " + std::to_string(hours) + "h";
  if (hours > 0) return std::to_string(hours) + "h " + std::to_string(minutes) + "m";
  if (minutes > 0) return std::to_string(minutes) + "m " + std::to_string(seconds) + "s";
  return std::to_string(seconds) + "s";
}

Check check_issuer(const auth::Jwt& token, const TokenExpectations& expect) {
  auto iss = token.claim_string("iss");
  if (!iss) return fail("issuer", "the token has no iss claim: it was not issued by Entra ID");
  if (iss->rfind("https://sts.windows.net/", 0) == 0)
    return fail("issuer", "token is v1 (sts.windows.net); set \"requestedAccessTokenVersion\": 2 in the " +
                              std::string(app_of(expect.hop)) + "'s manifest (" + manifest_step(expect.hop) +
                              "), then sign in again");
  if (expect.issuer) {
    if (*iss == *expect.issuer) return pass("issuer", *iss + " is the configured tenant's v2 issuer");
    return fail("issuer", "iss " + *iss + " is not the configured tenant's issuer " + *expect.issuer +
                              "; the token comes from another tenant or identity provider (check entra.authority and "
                              "the tenant ID)");
  }
  if (iss->size() > 5 && iss->substr(iss->size() - 5) == "/v2.0")
    return pass("issuer", *iss + " is a v2 issuer (no configured tenant to compare it with)");
  return fail("issuer", "iss " + *iss + " is neither Entra's v2 issuer (…/<tenant>/v2.0) nor its v1 issuer");
}

Check check_audience(const auth::Jwt& token, const TokenExpectations& expect) {
  auto aud = token.audiences();
  if (aud.empty()) return fail("audience", "the token has no aud claim");
  auto shown = join(aud);
  if (contains(aud, kGraphApp) || contains(aud, kGraphResource))
    return fail("audience", "aud " + shown +
                                " is Microsoft Graph: a token for Graph, never for this API; request the " +
                                std::string(app_of(expect.hop)) +
                                "'s scope (api://<app-id>/<scope>), not only "
                                "openid/profile");
  if (expect.audiences.empty())
    return skip("audience", "aud " + shown + "; give --gateway-config, --server-config or --data-dir to compare");
  for (const auto& a : aud)
    if (contains(expect.audiences, a))
      return pass("audience", a + " matches the " +
                                  (expect.hop == Hop::gateway ? "gateway's audience (the gateway app)"
                                                              : "teamspace's audience (the MCP API app)"));
  auto wanted = join(expect.audiences);
  if (expect.other_hop_audience && contains(aud, *expect.other_hop_audience)) {
    if (expect.hop == Hop::gateway)
      return fail("audience", "aud " + shown + " is the MCP API app, not the gateway app (" + wanted +
                                  "): this is the token the gateway sends after On-Behalf-Of. Clients request "
                                  "api://" +
                                  expect.audiences.front() +
                                  "/Mcp.Gateway.Access for the gateway app (Part 6) — the guide's most common mistake");
    return fail("audience", "aud " + shown + " is the gateway app, not the MCP API app (" + wanted +
                                "): the server accepts only the On-Behalf-Of token. Send this token to the gateway; "
                                "the teamspace's Audience is the MCP API app's client ID (Part 4 Step 1) — the "
                                "guide's most common mistake");
  }
  if (expect.hop == Hop::gateway)
    return fail("audience",
                "aud " + shown + " is not the gateway's audience " + wanted +
                    "; clients must request a token for the gateway app (api://" + expect.audiences.front() +
                    "/Mcp.Gateway.Access), and the route's audiences must list the gateway app's client ID");
  return fail("audience", "aud " + shown + " matches no teamspace's Entra configuration (audiences: " + wanted +
                              "); the Audience must be the MCP API app's client ID exactly, the GUID form for v2 "
                              "tokens (Part 4 Step 1)");
}

Check check_scope(const auth::Jwt& token, const TokenExpectations& expect) {
  auto scp = token.claim_list("scp");
  if (scp.empty()) {
    if (!token.claim_list("roles").empty())
      return fail("scope",
                  "app-only token (roles, no scp): On-Behalf-Of and the MCP server need a user's delegated "
                  "token; sign in as a user");
    return fail("scope", "the token has no scp claim; request the " + std::string(app_of(expect.hop)) +
                             "'s scope (api://<app-id>/<scope>) when signing in");
  }
  auto shown = join(scp, " ");
  if (expect.scopes.empty()) return skip("scope", "scp '" + shown + "'; nothing configured to compare it with");
  std::vector<std::string> missing;
  for (const auto& s : expect.scopes)
    if (std::find(scp.begin(), scp.end(), s) == scp.end()) missing.push_back(s);
  bool ok = expect.require_all_scopes ? missing.empty() : missing.size() < expect.scopes.size();
  if (ok)
    return pass("scope",
                "scp '" + shown + "' has " + join(expect.scopes, expect.require_all_scopes ? " and " : " or "));
  if (expect.hop == Hop::gateway)
    return fail("scope", "scp '" + shown + "' lacks " + join(missing, " and ") +
                             "; expose it on the gateway app (Part 2 Step 2) and have clients request api://" +
                             (expect.audiences.empty() ? std::string("<gateway-app-id>") : expect.audiences.front()) +
                             "/" + missing.front());
  return fail("scope", "scp '" + shown + "' lacks " + join(missing, " and ") +
                           "; the gateway app needs the delegated mcp.access permission with admin consent (Part 2 "
                           "Step 3) and must exchange for api://<mcp-api-app-id>/.default, or the teamspace's Required "
                           "scope is wrong (Part 4 Step 1)");
}

Check check_expiry(const auth::Jwt& token, const TokenExpectations& expect, SysTime now) {
  auto exp = token.claim_int("exp");
  if (!exp) return fail("expiry", "the token has no exp claim; Entra always sets one");
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto skew = expect.clock_skew.count();
  if (auto nbf = token.claim_int("nbf"); nbf && *nbf > t + skew)
    return fail("expiry", "not valid for another " + human_duration(std::chrono::seconds(*nbf - t)) + " (nbf " +
                              utc(*nbf) + "); check this machine's clock");
  if (*exp + skew <= t)
    return fail("expiry", "expired " + human_duration(std::chrono::seconds(t - *exp)) + " ago (exp " + utc(*exp) +
                              "); sign in again — MCP clients refresh by themselves, a pasted token does not");
  if (*exp <= t)
    return pass("expiry", "expired " + human_duration(std::chrono::seconds(t - *exp)) +
                              " ago, within the clock skew of " + human_duration(expect.clock_skew));
  return pass("expiry",
              "valid for another " + human_duration(std::chrono::seconds(*exp - t)) + " (until " + utc(*exp) + ")");
}

Check check_tenant(const auth::Jwt& token, const TokenExpectations& expect) {
  auto tid = token.claim_string("tid");
  if (!tid) return fail("tenant", "the token has no tid claim: not an Entra work or school account token");
  if (!expect.tenant_id) return skip("tenant", "tid " + *tid + "; no configured tenant to compare it with");
  if (iequal(*tid, *expect.tenant_id)) return pass("tenant", "tid " + *tid + " is the configured tenant");
  return fail("tenant", "tid " + *tid + " is not the configured tenant " + *expect.tenant_id +
                            "; sign in to the configured tenant, or correct the " +
                            (expect.hop == Hop::gateway ? std::string("gateway's entra.tenant_id")
                                                        : std::string("teamspace's Tenant ID (Part 4 Step 1)")));
}

Check check_signature(const auth::Jwt& token, const auth::KeySet& tenant_keys, const std::string& keys_source) {
  using crypto::JwsAlg;
  if (!token.alg || (*token.alg != JwsAlg::RS256 && *token.alg != JwsAlg::PS256 && *token.alg != JwsAlg::ES256))
    return fail("signature", "alg " + token.alg_name + " is not accepted (RS256, PS256 or ES256 only)");
  auto kid = token.header_string("kid");
  if (!kid) kid = token.header_string("x5t");
  if (!kid) return fail("signature", "the header names no key (no kid or x5t)");
  auto entry = tenant_keys.find(*kid);
  if (!entry)
    return fail("signature", "key " + *kid + " is not among the configured tenant's keys (" + keys_source +
                                 "): the token was signed by another tenant or identity provider, or with a key "
                                 "since rotated away; sign in again");
  if (!entry->key.fits(*token.alg))
    return fail("signature", "key " + *kid + " cannot make " + token.alg_name + " signatures");
  if (!entry->key.verify(*token.alg, token.signing_input, token.signature))
    return fail("signature", "the " + token.alg_name + " signature does not verify with key " + *kid +
                                 ": the token was altered after it was issued");
  return pass("signature", token.alg_name + " signature verifies with key " + *kid + " from " + keys_source);
}

std::vector<Check> check_claims(const auth::Jwt& token, const TokenExpectations& expect, SysTime now) {
  return {check_issuer(token, expect), check_audience(token, expect), check_scope(token, expect),
          check_expiry(token, expect, now), check_tenant(token, expect)};
}

}  // namespace mcpgate::doctor
