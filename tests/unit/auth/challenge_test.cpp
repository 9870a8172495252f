#include "auth/challenge.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/base64.hpp"

namespace mcpgate::auth {
namespace {

namespace json = boost::json;

const ChallengeContext kContext{"https://gw/.well-known/oauth-protected-resource/context7/mcp",
                                "api://x/Mcp.Gateway.Access"};

std::string challenge(const http::Response& r) { return std::string(r.headers.get("WWW-Authenticate").value_or("")); }
json::object body(const http::Response& r) { return json::parse(r.body).as_object(); }

// Status, challenge, no-store and the JSON body of one refusal.
void expect_refusal(const http::Response& r, int status, const std::string& www_authenticate, std::string_view error,
                    std::string_view reason, std::string_view message) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(challenge(r), www_authenticate);
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(body(r), (json::object{{"error", error}, {"reason", reason}, {"message", message}}));
}

TEST(TokenRefused, NoTokenGetsABareChallengeWithoutError) {
  expect_refusal(token_refused({TokenFailure::missing, "send an access token for this API"}, kContext), 401,
                 R"(Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource/context7/mcp", )"
                 R"(scope="api://x/Mcp.Gateway.Access")",
                 "unauthorized", "missing", "send an access token for this API");
}

TEST(TokenRefused, InvalidTokenCarriesTheReason) {
  expect_refusal(token_refused({TokenFailure::token_expired, "the token expired 301 s ago"}, kContext), 401,
                 R"(Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource/context7/mcp", )"
                 R"(scope="api://x/Mcp.Gateway.Access", error="invalid_token", )"
                 R"(error_description="the token expired 301 s ago")",
                 "invalid_token", "token_expired", "the token expired 301 s ago");
}

TEST(TokenRefused, EveryOtherFailureIsAnInvalidToken) {
  for (auto f :
       {TokenFailure::malformed, TokenFailure::oversized, TokenFailure::disallowed_algorithm, TokenFailure::unknown_key,
        TokenFailure::bad_signature, TokenFailure::v1_token, TokenFailure::issuer_mismatch, TokenFailure::graph_token,
        TokenFailure::audience_mismatch, TokenFailure::not_yet_valid, TokenFailure::tenant_mismatch}) {
    auto r = token_refused({f, "why"}, kContext);
    EXPECT_EQ(r.status, 401) << reason_code(f);
    EXPECT_NE(challenge(r).find(R"(error="invalid_token")"), std::string::npos) << reason_code(f);
    EXPECT_EQ(body(r).at("reason").as_string(), reason_code(f));
  }
}

TEST(TokenRefused, MissingScopeIsForbiddenWithInsufficientScope) {
  expect_refusal(token_refused({TokenFailure::scope_missing, "the token's scp lacks 'Mcp.Gateway.Access'"}, kContext),
                 403,
                 R"(Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource/context7/mcp", )"
                 R"(scope="api://x/Mcp.Gateway.Access", error="insufficient_scope", )"
                 R"(error_description="the token's scp lacks 'Mcp.Gateway.Access'")",
                 "insufficient_scope", "scope_missing", "the token's scp lacks 'Mcp.Gateway.Access'");
}

TEST(TokenRefused, OmitsAnEmptyScope) {
  auto r = token_refused({TokenFailure::bad_signature, "bad"}, {"https://gw/.well-known/oauth-protected-resource", ""});
  EXPECT_EQ(challenge(r), R"(Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource", )"
                          R"(error="invalid_token", error_description="bad")");
}

TEST(TokenRefused, QuotesValuesSafely) {
  auto r = token_refused({TokenFailure::issuer_mismatch, "got \"a\\b\"\r\nSet-Cookie: x=1"}, kContext);
  auto header = challenge(r);
  EXPECT_NE(header.find(R"(error_description="got \"a\\b\"Set-Cookie: x=1")"), std::string::npos) << header;
  EXPECT_EQ(header.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(body(r).at("message").as_string(), "got \"a\\b\"\r\nSet-Cookie: x=1");  // JSON escapes it itself
}

TEST(ClaimsChallenge, RelaysTheClaimsAsBase64) {
  std::string claims = R"({"access_token": {"acrs": {"essential": true, "value": "c1"}}})";
  std::string minified = R"({"access_token":{"acrs":{"essential":true,"value":"c1"}}})";
  expect_refusal(claims_challenge(claims, "multi-factor authentication is required", kContext), 401,
                 R"(Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource/context7/mcp", )"
                 R"(error="insufficient_claims", claims=")" +
                     base64_encode(minified) + R"(", error_description="multi-factor authentication is required")",
                 "insufficient_claims", "insufficient_claims", "multi-factor authentication is required");
}

TEST(ClaimsChallenge, PassesClaimsThatAreNotJsonAsTheyAre) {
  auto r = claims_challenge("not json", "step up", kContext);
  EXPECT_NE(challenge(r).find("claims=\"" + base64_encode("not json") + "\""), std::string::npos) << challenge(r);
}

TEST(BearerErrorCode, ReadsOurOwnChallengesBack) {
  auto refused = token_refused({TokenFailure::unknown_key, "signed by a key, \"k1\", that is gone"}, kContext);
  EXPECT_EQ(bearer_error_code(challenge(refused)), "invalid_token");
  auto forbidden = token_refused({TokenFailure::scope_missing, "needs a, b"}, kContext);
  EXPECT_EQ(bearer_error_code(challenge(forbidden)), "insufficient_scope");
  EXPECT_EQ(bearer_error_code(challenge(token_refused({TokenFailure::missing, "sign in"}, kContext))), "");
}

TEST(BearerErrorCode, ReadsOnlyTheBearerChallengesErrorWhateverTheSpelling) {
  EXPECT_EQ(bearer_error_code(R"(bearer ERROR=invalid_token)"), "invalid_token");
  EXPECT_EQ(bearer_error_code(R"(Basic realm="x", error="invalid_token")"), "") << "another scheme's parameter";
  EXPECT_EQ(bearer_error_code(R"(Basic realm="a, error=invalid_token", Bearer error="insufficient_scope")"),
            "insufficient_scope");
  EXPECT_EQ(bearer_error_code(R"(Bearer error_description="error=invalid_token", realm="x")"), "")
      << "inside a quoted string is not a parameter";
  EXPECT_EQ(bearer_error_code(R"(Negotiate abc==, Bearer error = "invalid_token")"), "invalid_token");
  EXPECT_EQ(bearer_error_code(R"(Bearer error="invalid_token)"), "") << "an unclosed quote is no value";
  EXPECT_EQ(bearer_error_code(R"(Bearer error="inv\alid")"), "invalid");
  EXPECT_EQ(bearer_error_code(""), "");
  EXPECT_EQ(bearer_error_code("Bearer \x01error=invalid_token"), "");
}

}  // namespace
}  // namespace mcpgate::auth
