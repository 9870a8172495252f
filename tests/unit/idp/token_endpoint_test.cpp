#include "common/base64.hpp"
#include "crypto/random.hpp"
#include "unit/idp/idp_fixture.hpp"

namespace mcpgate::idp::testing {
namespace {

namespace json = boost::json;

std::vector<std::pair<std::string, std::string>> client_credentials(std::string secret = kGatewaySecret) {
  return {{"grant_type", "client_credentials"},
          {"client_id", kGateway},
          {"client_secret", std::move(secret)},
          {"scope", std::string("api://") + kMcpApi + "/.default"}};
}

// ---- client credentials and client authentication -------------------------------------------

TEST_F(IdpTest, ClientCredentialsIssuesAnAppOnlyV2Token) {
  auto r = token(client_credentials());
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = body(r);
  EXPECT_EQ(b.at("token_type").as_string(), "Bearer");
  EXPECT_FALSE(b.contains("refresh_token"));
  // {"aud":"<mcp api>","iss":"http://idp.test/<tid>/v2.0","azp":"<gateway>","azpacr":"1","idtyp":"app",
  //  "oid":"<service principal>","sub":"<same>","tid":"<tid>","ver":"2.0", no scp}
  auto jwt = verified(std::string(b.at("access_token").as_string()));
  EXPECT_EQ(jwt.claim_string("aud"), kMcpApi);
  EXPECT_EQ(jwt.claim_string("iss"), std::string(kBase) + "/" + kTenant + "/v2.0");
  EXPECT_EQ(jwt.claim_string("azp"), kGateway);
  EXPECT_EQ(jwt.claim_string("azpacr"), "1");
  EXPECT_EQ(jwt.claim_string("idtyp"), "app");
  EXPECT_EQ(jwt.claim_string("ver"), "2.0");
  EXPECT_EQ(jwt.claim_string("oid"), jwt.claim_string("sub"));
  EXPECT_FALSE(jwt.payload.contains("scp"));
}

TEST_F(IdpTest, WrongSecretIsAADSTS7000215AndTheSecretIsNotEchoed) {
  auto r = token(client_credentials("this-is-not-the-secret-value"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_client");
  EXPECT_EQ(aadsts(r), 7000215);
  EXPECT_EQ(r.body.find("this-is-not-the-secret-value"), std::string::npos);
}

TEST_F(IdpTest, ConfidentialFlowWithoutCredentialIsAADSTS7000218) {
  auto r = token({{"grant_type", "client_credentials"},
                  {"client_id", kGateway},
                  {"scope", std::string("api://") + kMcpApi + "/.default"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(aadsts(r), 7000218);
}

TEST_F(IdpTest, PublicClientPresentingASecretIsAADSTS700025) {
  auto r = token({{"grant_type", "client_credentials"},
                  {"client_id", kVsCode},
                  {"client_secret", "whatever-secret-value"},
                  {"scope", std::string("api://") + kMcpApi + "/.default"}});
  EXPECT_EQ(aadsts(r), 700025);
}

TEST_F(IdpTest, UnknownClientIsAADSTS700016) {
  auto fields = client_credentials();
  fields[1].second = "11111111-2222-3333-4444-555555555555";
  EXPECT_EQ(aadsts(token(fields)), 700016);
}

TEST_F(IdpTest, ClientCredentialsNeedsDotDefault) {
  auto fields = client_credentials();
  fields[3].second = std::string("api://") + kMcpApi + "/mcp.access";
  auto r = token(fields);
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_scope");
  EXPECT_EQ(aadsts(r), 1002012);
}

TEST_F(IdpTest, BasicAuthenticationIsAccepted) {
  auto r = post_form(token_path(),
                     {{"grant_type", "client_credentials"}, {"scope", std::string("api://") + kMcpApi + "/.default"}},
                     {{"Authorization", "Basic " + base64_encode(std::string(kGateway) + ":" + kGatewaySecret)}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IdpTest, TwoCredentialsAtOnceAreRefused) {
  auto fields = client_credentials();
  auto r = post_form(token_path(), fields,
                     {{"Authorization", "Basic " + base64_encode(std::string(kGateway) + ":" + kGatewaySecret)}});
  EXPECT_EQ(aadsts(r), 90023);
}

// ---- malformed requests -----------------------------------------------------------------------

TEST_F(IdpTest, MalformedTokenRequestsGetEntraShapedErrors) {
  EXPECT_EQ(aadsts(post_raw(token_path(), "{\"grant_type\":\"x\"}", "application/json")), 900144);
  EXPECT_EQ(aadsts(token({{"client_id", kGateway}})), 900144);  // no grant_type
  auto unknown = token({{"grant_type", "password"}, {"client_id", kGateway}});
  EXPECT_EQ(body(unknown).at("error").as_string(), "unsupported_grant_type");
  EXPECT_EQ(aadsts(unknown), 70003);
  auto bad_encoding = post_raw(token_path(), "grant_type=%zz", "application/x-www-form-urlencoded");
  EXPECT_EQ(bad_encoding.status, 400);
  EXPECT_EQ(body(bad_encoding).at("error").as_string(), "invalid_request");
  auto repeated = post_raw(token_path(), "grant_type=client_credentials&grant_type=client_credentials",
                           "application/x-www-form-urlencoded");
  EXPECT_EQ(aadsts(repeated), 90015);
}

TEST_F(IdpTest, ErrorBodyHasEveryEntraField) {
  auto b = body(token({{"grant_type", "password"}}));
  for (auto field :
       {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"})
    EXPECT_TRUE(b.contains(field)) << field;
  EXPECT_EQ(std::string(b.at("error_description").as_string()).rfind("AADSTS70003: ", 0), 0u);
}

// ---- authorization code ----------------------------------------------------------------------

TEST_F(IdpTest, CodeRedemptionIssuesAccessIdAndRefreshTokensAndClientInfo) {
  auto code = code_for();
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", code},
                  {"redirect_uri", "http://localhost:53682/callback"},
                  {"code_verifier", kVerifier},
                  {"client_info", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = body(r);
  EXPECT_EQ(b.at("scope").as_string(),
            std::string("api://") + kGateway + "/Mcp.Gateway.Access openid profile offline_access");
  EXPECT_TRUE(b.contains("refresh_token"));
  // {"aud":"<gateway>","scp":"Mcp.Gateway.Access","oid":"<alice>","azp":"<gateway>","azpacr":"0",
  //  "preferred_username":"alice@contoso.dev","ver":"2.0","tid":"<tid>"}
  auto at = verified(std::string(b.at("access_token").as_string()));
  EXPECT_EQ(at.claim_string("aud"), kGateway);
  EXPECT_EQ(at.claim_string("scp"), "Mcp.Gateway.Access");
  EXPECT_EQ(at.claim_string("oid"), kAliceOid);
  EXPECT_EQ(at.claim_string("azpacr"), "0");
  EXPECT_EQ(at.claim_string("preferred_username"), "alice@contoso.dev");
  EXPECT_EQ(at.claim_string("tid"), kTenant);
  EXPECT_LE(*at.claim_int("nbf"), unix_seconds(clock.now()));
  EXPECT_EQ(*at.claim_int("exp"), unix_seconds(clock.now()) + 3600);
  auto id = verified(std::string(b.at("id_token").as_string()));
  EXPECT_EQ(id.claim_string("aud"), kGateway);
  EXPECT_EQ(id.claim_string("nonce"), "n0nce");
  EXPECT_EQ(id.claim_string("oid"), kAliceOid);
  auto info = json::parse(*base64url_decode(b.at("client_info").as_string())).as_object();
  EXPECT_EQ(info.at("uid").as_string(), kAliceOid);
  EXPECT_EQ(info.at("utid").as_string(), kTenant);
}

TEST_F(IdpTest, CodeRedemptionWithoutScopeFallsBackToTheAuthorizeScopes) {
  // The MCP SDK client sends no scope when it redeems a code.
  auto at = verified(alice_gateway_token());
  EXPECT_EQ(at.claim_string("scp"), "Mcp.Gateway.Access");
}

TEST_F(IdpTest, CodeIsSingleUse) {
  auto code = code_for();
  std::vector<std::pair<std::string, std::string>> redeem{{"grant_type", "authorization_code"},
                                                          {"client_id", kGateway},
                                                          {"code", code},
                                                          {"redirect_uri", "http://localhost:53682/callback"},
                                                          {"code_verifier", kVerifier}};
  auto first = token(redeem);
  ASSERT_EQ(first.status, 200) << first.body;
  auto again = token(redeem);
  EXPECT_EQ(body(again).at("error").as_string(), "invalid_grant");
  EXPECT_EQ(aadsts(again), 54005);
}

TEST_F(IdpTest, ExpiredCodeIsAADSTS70008) {
  auto code = code_for();
  clock.advance(std::chrono::minutes(11));
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", code},
                  {"redirect_uri", "http://localhost:53682/callback"},
                  {"code_verifier", kVerifier}});
  EXPECT_EQ(aadsts(r), 70008);
}

TEST_F(IdpTest, WrongOrMissingVerifierFailsAndBurnsTheCode) {
  auto code = code_for();
  auto wrong = token({{"grant_type", "authorization_code"},
                      {"client_id", kGateway},
                      {"code", code},
                      {"redirect_uri", "http://localhost:53682/callback"},
                      {"code_verifier", std::string(43, 'a')}});
  EXPECT_EQ(aadsts(wrong), 501481);
  auto missing = token({{"grant_type", "authorization_code"},
                        {"client_id", kGateway},
                        {"code", code_for()},
                        {"redirect_uri", "http://localhost:53682/callback"}});
  EXPECT_EQ(aadsts(missing), 501491);
  auto retry = token({{"grant_type", "authorization_code"},
                      {"client_id", kGateway},
                      {"code", code},
                      {"redirect_uri", "http://localhost:53682/callback"},
                      {"code_verifier", kVerifier}});
  EXPECT_EQ(aadsts(retry), 54005);
}

TEST_F(IdpTest, RedirectUriMustMatchTheAuthorizeLeg) {
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", code_for()},
                  {"redirect_uri", "http://localhost:53682/other"},
                  {"code_verifier", kVerifier}});
  EXPECT_EQ(aadsts(r), 500112);
}

TEST_F(IdpTest, UnknownCodeIsInvalidGrant) {
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", "nope"},
                  {"redirect_uri", "http://localhost:53682/callback"},
                  {"code_verifier", kVerifier}});
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_grant");
}

TEST_F(IdpTest, CodeRedemptionWithMismatchedResourceIsInvalidTarget) {
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", code_for()},
                  {"redirect_uri", "http://localhost:53682/callback"},
                  {"code_verifier", kVerifier},
                  {"resource", "http://127.0.0.1:1/context7/mcp"}});
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_target");
  EXPECT_EQ(aadsts(r), 9010010);
}

TEST_F(IdpTest, OpenIdOnlySignInGivesAGraphTokenThatResourceServersMustRefuse) {
  auto code = code_for({{"scope", "openid profile"}});
  auto r = token({{"grant_type", "authorization_code"},
                  {"client_id", kGateway},
                  {"code", code},
                  {"redirect_uri", "http://localhost:53682/callback"},
                  {"code_verifier", kVerifier}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto jwt = *auth::parse_jwt(std::string(body(r).at("access_token").as_string()));
  EXPECT_EQ(jwt.claim_string("aud"), "00000003-0000-0000-c000-000000000000");
  EXPECT_TRUE(jwt.header_string("nonce").has_value());
  EXPECT_EQ(jwt.claim_string("ver"), "1.0");
}

// ---- refresh ---------------------------------------------------------------------------------

TEST_F(IdpTest, RefreshTokensRotate) {
  auto code = code_for();
  auto first = body(token({{"grant_type", "authorization_code"},
                           {"client_id", kGateway},
                           {"code", code},
                           {"redirect_uri", "http://localhost:53682/callback"},
                           {"code_verifier", kVerifier}}));
  std::string rt(first.at("refresh_token").as_string());
  auto refreshed = token({{"grant_type", "refresh_token"},
                          {"client_id", kGateway},
                          {"refresh_token", rt},
                          {"scope", std::string("api://") + kGateway + "/Mcp.Gateway.Access openid offline_access"}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  auto b = body(refreshed);
  EXPECT_NE(b.at("refresh_token").as_string(), rt);
  EXPECT_EQ(verified(std::string(b.at("access_token").as_string())).claim_string("oid"), kAliceOid);
  auto reuse = token({{"grant_type", "refresh_token"}, {"client_id", kGateway}, {"refresh_token", rt}});
  EXPECT_EQ(body(reuse).at("error").as_string(), "invalid_grant");
}

TEST_F(IdpTest, ExpiredRefreshTokenIsRefused) {
  auto code = code_for();
  auto first = body(token({{"grant_type", "authorization_code"},
                           {"client_id", kGateway},
                           {"code", code},
                           {"redirect_uri", "http://localhost:53682/callback"},
                           {"code_verifier", kVerifier}}));
  clock.advance(std::chrono::hours(25));
  auto r = token({{"grant_type", "refresh_token"},
                  {"client_id", kGateway},
                  {"refresh_token", std::string(first.at("refresh_token").as_string())}});
  EXPECT_EQ(aadsts(r), 700082);
}

// ---- On-Behalf-Of ----------------------------------------------------------------------------

TEST_F(IdpTest, OnBehalfOfKeepsTheUserAndTargetsTheMcpApi) {
  auto r = obo(alice_gateway_token());
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = body(r);
  EXPECT_EQ(b.at("scope").as_string(), std::string("api://") + kMcpApi + "/mcp.access");
  // {"aud":"<mcp api>","scp":"mcp.access","oid":"<alice>","azp":"<gateway>","azpacr":"1","groups":[…]}
  auto jwt = verified(std::string(b.at("access_token").as_string()));
  EXPECT_EQ(jwt.claim_string("aud"), kMcpApi);
  EXPECT_EQ(jwt.claim_string("scp"), "mcp.access");
  EXPECT_EQ(jwt.claim_string("oid"), kAliceOid);
  EXPECT_EQ(jwt.claim_string("azp"), kGateway);
  EXPECT_EQ(jwt.claim_string("azpacr"), "1");
  // Pairwise subjects: the same user has another sub for the MCP API than for the gateway.
  EXPECT_NE(jwt.claim_string("sub"), auth::parse_jwt(alice_gateway_token())->claim_string("sub"));
  EXPECT_EQ(jwt.claim_list("groups"), std::vector<std::string>{"5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01"});
}

TEST_F(IdpTest, OnBehalfOfWithExplicitScopeWorksToo) {
  EXPECT_EQ(obo(alice_gateway_token(), std::string("api://") + kMcpApi + "/mcp.access").status, 200);
}

TEST_F(IdpTest, ExpiredAssertionIsAADSTS500133) {
  auto assertion = alice_gateway_token();
  clock.advance(std::chrono::hours(2));
  EXPECT_EQ(aadsts(obo(assertion)), 500133);
}

TEST_F(IdpTest, AssertionForAnotherAudienceIsAADSTS500131) {
  auto mcp_token = std::string(body(obo(alice_gateway_token())).at("access_token").as_string());
  auto r = obo(mcp_token);
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_grant");
  EXPECT_EQ(aadsts(r), 500131);
}

TEST_F(IdpTest, TamperedAssertionIsAADSTS50013) {
  auto assertion = alice_gateway_token();
  // A character well inside the signature: the last one may only carry padding bits.
  auto& c = assertion[assertion.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(aadsts(obo(assertion)), 50013);
  EXPECT_EQ(aadsts(obo("not-a-jwt")), 50013);
}

TEST_F(IdpTest, AppOnlyAssertionIsRefused) {
  auto app_token = token({{"grant_type", "client_credentials"},
                          {"client_id", kGateway},
                          {"client_secret", kGatewaySecret},
                          {"scope", std::string("api://") + kGateway + "/.default"}});
  ASSERT_EQ(app_token.status, 200) << app_token.body;
  auto r = obo(std::string(body(app_token).at("access_token").as_string()));
  EXPECT_EQ(aadsts(r), 50013);
  EXPECT_NE(r.body.find("app-only"), std::string::npos);
}

TEST_F(IdpTest, MissingConsentIsAADSTS65001WithConsentRequired) {
  auto config = demo_config();
  config.tenants[0].apps[1].api_permissions[0].admin_consent = false;  // gateway's mcp.access
  config.tenants[0].apps[0].authorized_clients.clear();                // MCP API pre-authorizes nobody
  start(std::move(config));
  auto r = obo(alice_gateway_token());
  EXPECT_EQ(body(r).at("error").as_string(), "invalid_grant");
  EXPECT_EQ(body(r).at("suberror").as_string(), "consent_required");
  EXPECT_EQ(aadsts(r), 65001);
}

TEST_F(IdpTest, PreAuthorizationAloneIsEnoughForOnBehalfOf) {
  auto config = demo_config();
  config.tenants[0].apps[1].api_permissions.clear();
  start(std::move(config));
  EXPECT_EQ(obo(alice_gateway_token()).status, 200);
}

TEST_F(IdpTest, MalformedOrMultiResourceScopeIsAADSTS70011) {
  auto assertion = alice_gateway_token();
  EXPECT_EQ(aadsts(obo(assertion, std::string("api://") + kMcpApi + "/.default api://" + kGateway + "/.default")),
            70011);
  EXPECT_EQ(aadsts(obo(assertion, std::string("api://") + kMcpApi + "/.default api://" + kMcpApi + "/mcp.access")),
            70011);
  EXPECT_EQ(aadsts(obo(assertion, "openid")), 70011);
  auto unknown = obo(assertion, "api://{{mcp-api-app-id}}/.default");
  EXPECT_EQ(aadsts(unknown), 500011);
}

TEST_F(IdpTest, OnBehalfOfNeedsTheConfidentialClientsSecret) {
  auto r = token({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                  {"client_id", kGateway},
                  {"assertion", alice_gateway_token()},
                  {"scope", std::string("api://") + kMcpApi + "/.default"},
                  {"requested_token_use", "on_behalf_of"}});
  EXPECT_EQ(aadsts(r), 7000218);
}

TEST_F(IdpTest, ConditionalAccessDemandsStepUpThenAcceptsIt) {
  auto dave = alice_gateway_token({{"login_hint", "dave@contoso.dev"}});
  auto r = obo(dave);
  ASSERT_EQ(r.status, 400);
  auto b = body(r);
  EXPECT_EQ(b.at("error").as_string(), "interaction_required");
  EXPECT_EQ(aadsts(r), 50076);
  auto claims = json::parse(b.at("claims").as_string());
  EXPECT_TRUE(claims.at("access_token").as_object().contains("capolids"));
  // The client signs in again with the claims challenge; that sign-in is multi-factor.
  auto stepped_up =
      alice_gateway_token({{"login_hint", "dave@contoso.dev"}, {"claims", std::string(b.at("claims").as_string())}});
  EXPECT_EQ(obo(stepped_up).status, 200);
}

TEST_F(IdpTest, V1ResourceGetsStsIssuerTokens) {
  auto config = demo_config();
  config.tenants[0].apps[0].access_token_version = 1;
  start(std::move(config));
  auto jwt = verified(std::string(body(obo(alice_gateway_token())).at("access_token").as_string()));
  EXPECT_EQ(jwt.claim_string("iss"), std::string("https://sts.windows.net/") + kTenant + "/");
  EXPECT_EQ(jwt.claim_string("ver"), "1.0");
  EXPECT_EQ(jwt.claim_string("aud"), std::string("api://") + kMcpApi);
  EXPECT_EQ(jwt.claim_string("appid"), kGateway);
}

TEST_F(IdpTest, IssuerOverrideCarriesMicrosoftsIssuer) {
  auto config = demo_config();
  config.tenants[0].issuer_override = true;
  start(std::move(config));
  auto jwt = verified(std::string(body(obo(alice_gateway_token())).at("access_token").as_string()));
  EXPECT_EQ(jwt.claim_string("iss"), std::string("https://login.microsoftonline.com/") + kTenant + "/v2.0");
  auto d = body(get(std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration"));
  EXPECT_EQ(d.at("issuer").as_string(), std::string("https://login.microsoftonline.com/") + kTenant + "/v2.0");
}

// ---- private_key_jwt -------------------------------------------------------------------------

class ClientAssertionTest : public IdpTest {
 protected:
  void SetUp() override {
    auto config = demo_config();
    config.tenants[0].apps[1].certificates.push_back(cert);
    start(std::move(config));
  }

  std::string assertion(crypto::JwsAlg alg, bool sha256_thumbprint, int64_t exp_offset = 600,
                        const crypto::Key* signer = nullptr, std::string jti = crypto::random_guid()) {
    json::object header{{"alg", std::string(crypto::to_string(alg))}, {"typ", "JWT"}};
    if (sha256_thumbprint)
      header["x5t#S256"] = cert.x5t_s256();
    else
      header["x5t"] = cert.x5t();
    auto now = unix_seconds(clock.now());
    json::object payload{{"aud", std::string(kBase) + token_path()},
                         {"iss", kGateway},
                         {"sub", kGateway},
                         {"jti", jti},
                         {"nbf", now},
                         {"iat", now},
                         {"exp", now + exp_offset}};
    return auth::sign_jwt(header, payload, signer ? *signer : key, alg);
  }

  http::Response with_assertion(const std::string& a) {
    return token({{"grant_type", "client_credentials"},
                  {"client_id", kGateway},
                  {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                  {"client_assertion", a},
                  {"scope", std::string("api://") + kMcpApi + "/.default"}});
  }

  crypto::Key key = crypto::Key::generate_rsa(2048);
  crypto::Certificate cert = crypto::Certificate::issue(key, {.common_name = "gateway"}, key);
};

TEST_F(ClientAssertionTest, Rs256WithX5tAndPs256WithX5tS256AreAccepted) {
  auto rs = with_assertion(assertion(crypto::JwsAlg::RS256, false));
  ASSERT_EQ(rs.status, 200) << rs.body;
  EXPECT_EQ(verified(std::string(body(rs).at("access_token").as_string())).claim_string("azpacr"), "2");
  EXPECT_EQ(with_assertion(assertion(crypto::JwsAlg::PS256, true)).status, 200);
}

TEST_F(ClientAssertionTest, ExpiredAssertionIsAADSTS700024) {
  EXPECT_EQ(aadsts(with_assertion(assertion(crypto::JwsAlg::RS256, false, -3600))), 700024);
}

TEST_F(ClientAssertionTest, ReplayedAssertionIsRefused) {
  auto a = assertion(crypto::JwsAlg::RS256, false, 600, nullptr, "fixed-jti");
  ASSERT_EQ(with_assertion(a).status, 200);
  EXPECT_EQ(aadsts(with_assertion(a)), 700023);
}

TEST_F(ClientAssertionTest, AssertionSignedWithAnotherKeyIsAADSTS700027) {
  auto other = crypto::Key::generate_rsa(2048);
  EXPECT_EQ(aadsts(with_assertion(assertion(crypto::JwsAlg::RS256, false, 600, &other))), 700027);
}

}  // namespace
}  // namespace mcpgate::idp::testing
