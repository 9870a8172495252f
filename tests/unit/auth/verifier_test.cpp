#include "auth/verifier.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unit/auth/auth_fixture.hpp"

namespace mcpgate::auth::testing {
namespace {

using crypto::JwsAlg;

// ---- success ----------------------------------------------------------------------------

TEST_F(VerifierTest, AcceptsEntraV2TokenAndKeepsWhatTheRequestNeeds) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access Files.Read","nbf":1799999700,"exp":1800003600,
  //  "oid":"9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01","preferred_username":"alice@contoso.dev","name":"Alice",
  //  "azp":"aebc6443-996d-45c2-90f0-388ff96faa56","groups":["g1","g2"],"roles":["Docs.Admin"],"ver":"2.0"}
  auto token = rs256(claims_with({{"scp", "Mcp.Gateway.Access Files.Read"},
                                  {"oid", kAliceOid},
                                  {"preferred_username", "alice@contoso.dev"},
                                  {"name", "Alice"},
                                  {"azp", kVsCode},
                                  {"groups", json::array{"g1", "g2"}},
                                  {"roles", json::array{"Docs.Admin"}},
                                  {"ver", "2.0"}}));
  auto v = verify(token);
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_EQ(v->tid, kTenant);
  EXPECT_EQ(v->oid, kAliceOid);
  EXPECT_EQ(v->preferred_username, "alice@contoso.dev");
  EXPECT_EQ(v->name, "Alice");
  EXPECT_EQ(v->azp, kVsCode);
  EXPECT_EQ(v->scopes, (std::vector<std::string>{"Mcp.Gateway.Access", "Files.Read"}));
  EXPECT_EQ(v->groups, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(v->roles, (std::vector<std::string>{"Docs.Admin"}));
  EXPECT_EQ(v->exp, kNow + 3600);
  EXPECT_EQ(v->nbf, kNow - 300);
}

TEST_F(VerifierTest, NotesAGroupsOverageInsteadOfTakingTheEmptyListForTheTruth) {
  // Entra's overage form: no groups claim, and _claim_names naming where the groups are.
  auto over = verify(rs256(claims_with({{"_claim_names", json::object{{"groups", "src1"}}},
                                        {"_claim_sources", json::object{{"src1", json::object{{"endpoint", "x"}}}}}})));
  ASSERT_TRUE(over) << over.error().detail;
  EXPECT_TRUE(over->groups_overage);
  EXPECT_TRUE(over->groups.empty());
  auto listed = verify(rs256(claims_with({{"groups", json::array{"g1"}}})));
  ASSERT_TRUE(listed);
  EXPECT_FALSE(listed->groups_overage);
}

TEST_F(VerifierTest, FallsBackToUpnAndAppidOfOlderClaimSets) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600,
  //  "upn":"alice@contoso.dev","appid":"aebc6443-996d-45c2-90f0-388ff96faa56"}
  auto v = verify(rs256(claims_with({{"upn", "alice@contoso.dev"}, {"appid", kVsCode}})));
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_EQ(v->preferred_username, "alice@contoso.dev");
  EXPECT_EQ(v->azp, kVsCode);
}

TEST_F(VerifierTest, AcceptsEs256FromAnEcKeyWhereTheIssuersAllowListSaysSo) {
  // claims() as in auth_fixture.hpp:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = sign_jwt(header("ES256", kEcKid), claims(), ec_key(), JwsAlg::ES256);
  EXPECT_EQ(refused(token).failure, TokenFailure::disallowed_algorithm) << "Entra signs RS256 only: the default";
  policy.allowed_algorithms = {JwsAlg::RS256, JwsAlg::ES256};
  EXPECT_TRUE(verify(token));
}

TEST_F(VerifierTest, SelectsTheKeyByX5tWhenTheHeaderHasNoKid) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = sign_jwt({{"typ", "JWT"}, {"alg", "RS256"}, {"x5t", kRsaKid}}, claims(), rsa_key(), JwsAlg::RS256);
  EXPECT_TRUE(verify(token));
}

// ---- parse ------------------------------------------------------------------------------

TEST_F(VerifierTest, RefusesOversizedTokensBeforeParsingThem) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600,"pad":"xxxx…(17000 x)"}
  auto token = rs256(claims_with({{"pad", std::string(17000, 'x')}}));
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::oversized);
  EXPECT_NE(e.detail.find("16384"), std::string::npos) << e.detail;

  policy.max_token_bytes = 32 * 1024;
  EXPECT_TRUE(verify(token));
}

TEST_F(VerifierTest, RefusesMalformedTokens) {
  EXPECT_EQ(refused("not-a-jwt").failure, TokenFailure::malformed);
  // Header "!!!!" is not base64url.
  EXPECT_EQ(refused("!!!!." + b64json(claims()) + ".c2ln").failure, TokenFailure::malformed);
  // Payload decodes to `{"iss":` (truncated JSON).
  auto bad_json = refused(b64json(header()) + "." + base64url_encode("{\"iss\":") + ".c2ln");
  EXPECT_EQ(bad_json.failure, TokenFailure::malformed);
  EXPECT_EQ(bad_json.detail, to_string(JwtParseError::bad_json));
  // Payload decodes to `["a"]`, JSON but not an object.
  EXPECT_EQ(refused(b64json(header()) + "." + base64url_encode("[\"a\"]") + ".c2ln").failure, TokenFailure::malformed);
}

TEST_F(VerifierTest, RequiresANumericExp) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700}
  EXPECT_EQ(refused(rs256(claims_with({}, {"exp"}))).failure, TokenFailure::malformed);
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":"tomorrow"}
  EXPECT_EQ(refused(rs256(claims_with({{"exp", "tomorrow"}}))).failure, TokenFailure::malformed);
}

// ---- algorithm --------------------------------------------------------------------------

TEST_F(VerifierTest, RefusesAnAlgorithmOutsideTheAllowList) {
  policy.allowed_algorithms = {JwsAlg::RS256};
  // Header {"typ":"JWT","alg":"RS384","kid":"rsa-key-1"}; payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = sign_jwt(header("RS384"), claims(), rsa_key(), JwsAlg::RS384);
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::disallowed_algorithm);
  EXPECT_NE(e.detail.find("algorithm 'RS384' is not accepted; Entra signs with RS256"), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, RefusesUnsignedAlgNoneEvenWhenListed) {
  policy.allowed_algorithms.push_back(JwsAlg::None);
  // Header {"alg":"none"}; no signature. Payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = b64json({{"alg", "none"}}) + "." + b64json(claims()) + ".";
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::disallowed_algorithm);
  EXPECT_NE(e.detail.find("'none'"), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, RefusesHs256SignedWithThePublicKeyAsSecret) {
  // The classic confusion attack: HMAC keyed with the RSA public key PEM the tenant publishes.
  // Header {"typ":"JWT","alg":"HS256","kid":"rsa-key-1"}; payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  std::string input = b64json(header("HS256")) + "." + b64json(claims());
  std::string secret = rsa_key().public_pem();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  ASSERT_NE(HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
                 input.size(), mac, &mac_len),
            nullptr);
  auto token = input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac), mac_len));

  EXPECT_EQ(refused(token).failure, TokenFailure::disallowed_algorithm);
  // Not even a careless allow-list lets it through.
  policy.allowed_algorithms.push_back(JwsAlg::HS256);
  EXPECT_EQ(refused(token).failure, TokenFailure::disallowed_algorithm);
}

TEST_F(VerifierTest, RefusesAnAlgorithmThatDoesNotFitTheKey) {
  // RS256 under the kid of the tenant's EC key. Payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto e = refused(rs256(claims(), kEcKid));
  EXPECT_EQ(e.failure, TokenFailure::disallowed_algorithm);
  EXPECT_NE(e.detail.find("does not fit"), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, RefusesAnUnknownAlgorithmName) {
  // Header {"alg":"XY999","kid":"rsa-key-1"}; payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = b64json({{"alg", "XY999"}, {"kid", kRsaKid}}) + "." + b64json(claims()) + ".c2ln";
  EXPECT_EQ(refused(token).failure, TokenFailure::disallowed_algorithm);
}

// ---- issuer -----------------------------------------------------------------------------

TEST_F(VerifierTest, RefusesAnotherIssuerAndSaysWhichWasExpected) {
  // {"iss":"https://login.microsoftonline.com/0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  std::string other = std::string("https://login.microsoftonline.com/") + kOtherTenant + "/v2.0";
  auto e = refused(rs256(claims_with({{"iss", other}})));
  EXPECT_EQ(e.failure, TokenFailure::issuer_mismatch);
  EXPECT_NE(e.detail.find(other), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find(kIssuer), std::string::npos) << e.detail;

  // The same payload without "iss".
  EXPECT_EQ(refused(rs256(claims_with({}, {"iss"}))).failure, TokenFailure::issuer_mismatch);
}

TEST_F(VerifierTest, RefusesV1TokensWithTheManifestFix) {
  // {"iss":"https://sts.windows.net/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/",
  //  "aud":"api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = rs256(claims_with(
      {{"iss", std::string("https://sts.windows.net/") + kTenant + "/"}, {"aud", std::string("api://") + kGateway}}));
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::v1_token);
  EXPECT_NE(e.detail.find("requestedAccessTokenVersion"), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find(std::string("api://") + kGateway), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, HonoursAKeysTemplatedIssuerWithTheTokensTid) {
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), "templated", {{"issuer", kIssuerTemplate}})}), clock.now()));
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_TRUE(verify(rs256(claims(), "templated")));
  // The same key, but the tid is another tenant's, so the template yields another issuer:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto e = refused(rs256(claims_with({{"tid", kOtherTenant}}), "templated"));
  EXPECT_EQ(e.failure, TokenFailure::issuer_mismatch);
  EXPECT_NE(e.detail.find(kOtherTenant), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, HonoursAKeysConcreteIssuerExactly) {
  std::string other = std::string("https://login.microsoftonline.com/") + kOtherTenant + "/v2.0";
  ASSERT_FALSE(
      keys.update(jwks({jwk(rsa_key(), "ours", {{"issuer", kIssuer}}), jwk(rsa_key(), "theirs", {{"issuer", other}})}),
                  clock.now()));
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_TRUE(verify(rs256(claims(), "ours")));
  EXPECT_EQ(refused(rs256(claims(), "theirs")).failure, TokenFailure::issuer_mismatch);
}

// ---- lifetime ---------------------------------------------------------------------------

TEST_F(VerifierTest, RefusesExpiredTokensBeyondTheSkew) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799996100,"exp":1799999699}
  auto e = refused(rs256(claims_with({{"nbf", kNow - 3900}, {"exp", kNow - 301}})));
  EXPECT_EQ(e.failure, TokenFailure::token_expired);
  EXPECT_NE(e.detail.find("301 s ago"), std::string::npos) << e.detail;
  // The same with "exp":1799999700: exactly at the edge of the 300 s skew, still accepted.
  EXPECT_TRUE(verify(rs256(claims_with({{"nbf", kNow - 3900}, {"exp", kNow - 300}}))));
}

TEST_F(VerifierTest, RefusesTokensNotYetValidBeyondTheSkew) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1800000301,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims_with({{"nbf", kNow + 301}}))).failure, TokenFailure::not_yet_valid);
  // The same with "nbf":1800000300: exactly at the edge, accepted.
  EXPECT_TRUE(verify(rs256(claims_with({{"nbf", kNow + 300}}))));
  // Without "nbf" at all: nothing to check.
  EXPECT_TRUE(verify(rs256(claims_with({}, {"nbf"}))));
}

TEST_F(VerifierTest, ZeroSkewMeansExpIsTheLastValidSecond) {
  policy.clock_skew = std::chrono::seconds(0);
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800000000}
  auto token = rs256(claims_with({{"exp", kNow}}));
  EXPECT_TRUE(verify(token));
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(refused(token).failure, TokenFailure::token_expired);
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1800000002,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims_with({{"nbf", kNow + 2}}))).failure, TokenFailure::not_yet_valid);
}

TEST_F(VerifierTest, SurvivesAnAbsurdExpWithoutOverflow) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":-9223372036854775808,"exp":9223372036854775807}
  EXPECT_TRUE(verify(rs256(claims_with({{"nbf", INT64_MIN}, {"exp", INT64_MAX}}))));
}

// ---- audience ---------------------------------------------------------------------------

TEST_F(VerifierTest, RefusesAnotherAudienceNamingBoth) {
  // A token for the MCP server's API rather than the gateway's:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto e = refused(rs256(claims_with({{"aud", kMcpApi}})));
  EXPECT_EQ(e.failure, TokenFailure::audience_mismatch);
  EXPECT_NE(e.detail.find(kMcpApi), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find(kGateway), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find("gateway app's client ID"), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, MatchesAudiencesExactlyAndAnyOfAnArray) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"B1E4D7A2-5C3F-4E8A-8D21-9F6A3C0E2B02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims_with({{"aud", "B1E4D7A2-5C3F-4E8A-8D21-9F6A3C0E2B02"}}))).failure,
            TokenFailure::audience_mismatch);
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":["3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01","b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02"],
  //  "tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b","scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_TRUE(verify(rs256(claims_with({{"aud", json::array{kMcpApi, kGateway}}}))));
  // The same payload without "aud".
  EXPECT_EQ(refused(rs256(claims_with({}, {"aud"}))).failure, TokenFailure::audience_mismatch);
}

TEST_F(VerifierTest, RefusesMicrosoftGraphTokensByAudience) {
  // A real Graph token carries a header nonce and its signature never verifies: the audience
  // decides first. Header {"typ":"JWT","nonce":"abc","alg":"RS256","kid":"rsa-key-1"}; payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"https://graph.microsoft.com","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto token = sign_jwt({{"typ", "JWT"}, {"nonce", "abc"}, {"alg", "RS256"}, {"kid", kRsaKid}},
                        claims_with({{"aud", "https://graph.microsoft.com"}}), stranger_rsa_key(), JwsAlg::RS256);
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::graph_token);
  EXPECT_NE(e.detail.find("Microsoft Graph"), std::string::npos) << e.detail;
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"00000003-0000-0000-C000-000000000000","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims_with({{"aud", "00000003-0000-0000-C000-000000000000"}}))).failure,
            TokenFailure::graph_token);
}

// ---- tenant and scopes ------------------------------------------------------------------

TEST_F(VerifierTest, RefusesAnotherTenantWhenOneIsRequired) {
  policy.required_tenant = kTenant;
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims_with({{"tid", kOtherTenant}}))).failure, TokenFailure::tenant_mismatch);
  // The same payload without "tid".
  EXPECT_EQ(refused(rs256(claims_with({}, {"tid"}))).failure, TokenFailure::tenant_mismatch);
  // claims(), tid 4a2c8f6e-…: accepted.
  EXPECT_TRUE(verify(rs256(claims())));
}

TEST_F(VerifierTest, AnyOfTheRequiredScopesIsEnoughByDefault) {
  policy.required_scopes = {kScope, "Mcp.Admin"};
  // claims(): "scp":"Mcp.Gateway.Access" (one of the two).
  EXPECT_TRUE(verify(rs256(claims())));
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"User.Read Files.Read","nbf":1799999700,"exp":1800003600}
  auto e = refused(rs256(claims_with({{"scp", "User.Read Files.Read"}})));
  EXPECT_EQ(e.failure, TokenFailure::scope_missing);
  EXPECT_NE(e.detail.find("'Mcp.Gateway.Access', 'Mcp.Admin'"), std::string::npos) << e.detail;
}

TEST_F(VerifierTest, AllRequiredScopesWhenAsked) {
  policy.required_scopes = {kScope, "Mcp.Admin"};
  policy.require_all_scopes = true;
  // claims(): "scp":"Mcp.Gateway.Access" lacks Mcp.Admin.
  auto e = refused(rs256(claims()));
  EXPECT_EQ(e.failure, TokenFailure::scope_missing);
  EXPECT_NE(e.detail.find("'Mcp.Admin'"), std::string::npos) << e.detail;
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Admin Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_TRUE(verify(rs256(claims_with({{"scp", "Mcp.Admin Mcp.Gateway.Access"}}))));
}

TEST_F(VerifierTest, AppOnlyTokensWithoutScpLackTheScope) {
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "nbf":1799999700,"exp":1800003600,"roles":["Docs.Read.All"]}
  auto token = rs256(claims_with({{"roles", json::array{"Docs.Read.All"}}}, {"scp"}));
  auto e = refused(token);
  EXPECT_EQ(e.failure, TokenFailure::scope_missing);
  EXPECT_NE(e.detail.find("no scp"), std::string::npos) << e.detail;
  // With no scope required, the scope check is skipped.
  policy.required_scopes.clear();
  EXPECT_TRUE(verify(token));
}

// ---- key and signature ------------------------------------------------------------------

TEST_F(VerifierTest, RefusesAnUnknownKid) {
  // kid "rotated-away"; payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  auto e = refused(rs256(claims(), "rotated-away"));
  EXPECT_EQ(e.failure, TokenFailure::unknown_key);
  EXPECT_NE(e.detail.find("'rotated-away'"), std::string::npos) << e.detail;
  // Header {"typ":"JWT","alg":"RS256"}, no kid or x5t at all; same payload.
  EXPECT_EQ(refused(sign_jwt({{"typ", "JWT"}, {"alg", "RS256"}}, claims(), rsa_key(), JwsAlg::RS256)).failure,
            TokenFailure::unknown_key);
}

TEST_F(VerifierTest, RefusesABadSignature) {
  // Signed by a key the tenant never published, under the tenant's kid. Payload:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
  EXPECT_EQ(refused(rs256(claims(), kRsaKid, stranger_rsa_key())).failure, TokenFailure::bad_signature);

  // A genuine token whose payload was swapped for one naming another user:
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600,"oid":"mallory"}
  auto genuine = rs256(claims());
  auto first = genuine.find('.'), last = genuine.rfind('.');
  auto forged = genuine.substr(0, first + 1) + b64json(claims_with({{"oid", "mallory"}})) + genuine.substr(last);
  EXPECT_EQ(refused(forged).failure, TokenFailure::bad_signature);
}

TEST_F(VerifierTest, ChecksClaimsBeforeTheSignature) {
  // Expired and signed by a stranger: the cheaper, more useful answer wins.
  // {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
  //  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
  //  "scp":"Mcp.Gateway.Access","nbf":1799990000,"exp":1799990001}
  auto token = rs256(claims_with({{"nbf", kNow - 10000}, {"exp", kNow - 9999}}), kRsaKid, stranger_rsa_key());
  EXPECT_EQ(refused(token).failure, TokenFailure::token_expired);
}

TEST(ReasonCode, NamesEveryFailure) {
  const std::pair<TokenFailure, std::string_view> all[] = {
      {TokenFailure::missing, "missing"},
      {TokenFailure::malformed, "malformed"},
      {TokenFailure::oversized, "oversized"},
      {TokenFailure::disallowed_algorithm, "disallowed_algorithm"},
      {TokenFailure::unknown_key, "unknown_key"},
      {TokenFailure::bad_signature, "bad_signature"},
      {TokenFailure::v1_token, "v1_token"},
      {TokenFailure::issuer_mismatch, "issuer_mismatch"},
      {TokenFailure::graph_token, "graph_token"},
      {TokenFailure::audience_mismatch, "audience_mismatch"},
      {TokenFailure::token_expired, "token_expired"},
      {TokenFailure::not_yet_valid, "not_yet_valid"},
      {TokenFailure::tenant_mismatch, "tenant_mismatch"},
      {TokenFailure::scope_missing, "scope_missing"},
  };
  for (auto [failure, code] : all) EXPECT_EQ(reason_code(failure), code);
}

// ---- strictness (RFC 7515, RFC 8725) ------------------------------------------------------------

TEST_F(VerifierTest, PaddedOrNonCanonicalBase64IsNotAnotherSpellingOfTheSameToken) {
  auto token = rs256(claims());
  ASSERT_TRUE(verify(token));
  auto signature = token.substr(token.rfind('.') + 1);
  // 256 signature bytes: 342 characters, the last carrying 4 unused bits.
  EXPECT_EQ(refused(token + "==").failure, TokenFailure::malformed);
  std::string flipped = token;
  char& last = flipped.back();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) ^ 1];  // same decoded bytes, a non-zero unused bit
  EXPECT_EQ(refused(flipped).failure, TokenFailure::malformed);
}

TEST_F(VerifierTest, CritIsRefused) {
  json::object h = header();
  h["crit"] = json::array{"exp"};
  EXPECT_EQ(refused(sign_jwt(h, claims(), rsa_key(), JwsAlg::RS256)).failure, TokenFailure::malformed);
  h["crit"] = "not-an-array";
  EXPECT_EQ(refused(sign_jwt(h, claims(), rsa_key(), JwsAlg::RS256)).failure, TokenFailure::malformed);
}

TEST_F(VerifierTest, ClaimShapesAreEntras) {
  EXPECT_EQ(refused(rs256(claims_with({{"scp", json::array{"Mcp.Gateway.Access"}}}))).failure, TokenFailure::malformed);
  EXPECT_EQ(refused(rs256(claims_with({{"roles", "Admin"}}))).failure, TokenFailure::malformed);
  EXPECT_EQ(refused(rs256(claims_with({{"roles", json::array{1}}}))).failure, TokenFailure::malformed);
  EXPECT_TRUE(verify(rs256(claims_with({{"roles", json::array{"Reader"}}}))));
  EXPECT_EQ(refused(rs256(claims_with({{"ver", "1.0"}}))).failure, TokenFailure::v1_token);
  EXPECT_EQ(refused(rs256(claims_with({{"ver", 2}}))).failure, TokenFailure::malformed);
  EXPECT_TRUE(verify(rs256(claims_with({{"ver", "2.0"}}))));
}

TEST_F(VerifierTest, IssuedInTheFutureBeyondSkewIsRefused) {
  EXPECT_EQ(refused(rs256(claims_with({{"iat", kNow + 3600}}))).failure, TokenFailure::not_yet_valid);
  EXPECT_EQ(refused(rs256(claims_with({{"iat", "yesterday"}}))).failure, TokenFailure::malformed);
  EXPECT_TRUE(verify(rs256(claims_with({{"iat", kNow + 60}})))) << "within the skew";
  EXPECT_TRUE(verify(rs256(claims_with({{"iat", kNow - 300}}))));
}

}  // namespace
}  // namespace mcpgate::auth::testing