#include "auth/jwt.hpp"
#include "unit/idp/idp_fixture.hpp"

namespace mcpgate::idp::testing {
namespace {

TEST_F(IdpTest, V2DiscoveryHasEntraFieldsIssuerOnTheRequestHostAndS256) {
  auto r = get(std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  auto d = body(r);
  EXPECT_EQ(d.at("issuer").as_string(), std::string(kBase) + "/" + kTenant + "/v2.0");
  EXPECT_EQ(d.at("token_endpoint").as_string(), std::string(kBase) + "/" + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(d.at("authorization_endpoint").as_string(), std::string(kBase) + "/" + kTenant + "/oauth2/v2.0/authorize");
  EXPECT_EQ(d.at("jwks_uri").as_string(), std::string(kBase) + "/" + kTenant + "/discovery/v2.0/keys");
  EXPECT_EQ(d.at("code_challenge_methods_supported").as_array(), boost::json::array{"S256"});
  EXPECT_EQ(d.at("subject_types_supported").as_array(), boost::json::array{"pairwise"});
  EXPECT_FALSE(d.contains("registration_endpoint"));  // Entra has no dynamic client registration
}

TEST_F(IdpTest, V1DiscoveryNamesTheStsIssuer) {
  auto d = body(get(std::string("/") + kTenant + "/.well-known/openid-configuration"));
  EXPECT_EQ(d.at("issuer").as_string(), std::string("https://sts.windows.net/") + kTenant + "/");
  EXPECT_EQ(d.at("jwks_uri").as_string(), std::string(kBase) + "/" + kTenant + "/discovery/keys");
}

TEST_F(IdpTest, TenantDomainWorksInPlaceOfItsId) {
  auto d = body(get("/contoso.dev/v2.0/.well-known/openid-configuration"));
  EXPECT_EQ(d.at("issuer").as_string(), std::string(kBase) + "/" + kTenant + "/v2.0");
}

TEST_F(IdpTest, CommonDiscoveryUsesTheTenantIdTemplate) {
  auto d = body(get("/common/v2.0/.well-known/openid-configuration"));
  EXPECT_EQ(d.at("issuer").as_string(), std::string(kBase) + "/{tenantid}/v2.0");
}

TEST_F(IdpTest, UnknownTenantIsAADSTS90002) {
  auto r = get("/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(aadsts(r), 90002);
}

TEST_F(IdpTest, PathInsertedWellKnownUrlsAnswer4xxSoMcpClientsMoveOn) {
  for (auto path : {std::string("/.well-known/oauth-authorization-server/") + kTenant + "/v2.0",
                    std::string("/.well-known/openid-configuration/") + kTenant + "/v2.0"}) {
    auto r = get(path);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
  }
}

TEST_F(IdpTest, JwksKeysHaveKidEqualToX5tAndACertificate) {
  auto d = body(get(std::string("/") + kTenant + "/discovery/v2.0/keys"));
  auto& list = d.at("keys").as_array();
  ASSERT_EQ(list.size(), 1u);
  auto& k = list[0].as_object();
  EXPECT_EQ(k.at("kid"), k.at("x5t"));
  EXPECT_EQ(k.at("kty").as_string(), "RSA");
  EXPECT_EQ(k.at("use").as_string(), "sig");
  EXPECT_FALSE(k.contains("alg"));  // Entra publishes none
  EXPECT_EQ(k.at("x5c").as_array().size(), 1u);
  auto key = crypto::Key::from_jwk(k);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->bits(), 2048);
}

TEST_F(IdpTest, HostHeaderWithInjectedCharactersIsRefused) {
  http::Request r;
  r.method = "GET";
  r.target = r.path = std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration";
  r.headers.add("Host", "evil.test/\"><script>");
  EXPECT_EQ(provider->handle(r).status, 400);
}

TEST_F(IdpTest, UnknownRouteIsA404InEntraShape) {
  auto r = get(std::string("/") + kTenant + "/oauth2/v2.0/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(body(r).contains("error_codes"));
}

TEST_F(IdpTest, TokenEndpointAnswersGetWith405) { EXPECT_EQ(get(token_path()).status, 405); }

TEST_F(IdpTest, StatsCountGrantsAndOnBehalfOfExchangesPerUser) {
  auto assertion = alice_gateway_token();
  ASSERT_EQ(obo(assertion).status, 200);
  ASSERT_EQ(obo(assertion).status, 200);
  auto s = body(get("/_dev/stats"));
  EXPECT_EQ(s.at("grants").at("authorization_code").as_int64(), 1);
  EXPECT_EQ(s.at("grants").at("on_behalf_of").as_int64(), 2);
  EXPECT_EQ(s.at("on_behalf_of_by_user").at(std::string(kTenant) + "/" + kAliceOid).as_int64(), 2);
}

TEST_F(IdpTest, ExpireNextTokenIssuesOneAlreadyExpiredTokenForThatUser) {
  EXPECT_EQ(post_form("/_dev/expire-next-token", {}).status, 400);
  ASSERT_EQ(post_form("/_dev/expire-next-token", {{"upn", "Alice@Contoso.dev"}}).status, 200);
  auto exp_of = [](const std::string& token) { return *auth::parse_jwt(token)->claim_int("exp"); };
  auto now = unix_seconds(clock.now());
  EXPECT_LT(exp_of(alice_gateway_token()), now - 3000) << "expired an hour ago";
  EXPECT_GT(exp_of(alice_gateway_token()), now) << "only the next one";
}

TEST_F(IdpTest, InstanceDiscoveryAnswersWithThisHostAsItsOwnAlias) {
  auto d = body(get("/common/discovery/instance?api-version=1.1"));
  EXPECT_EQ(d.at("metadata").at(0).at("preferred_network").as_string(), "idp.test");
}

TEST(RedirectUriMatching, LoopbackIgnoresPortAndPathlessRegistrationsAcceptAnyPath) {
  EXPECT_TRUE(redirect_uri_matches("http://localhost", "http://localhost:33418/callback"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/other"));
  EXPECT_FALSE(redirect_uri_matches("http://localhost", "http://127.0.0.1:5000/"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example/cb", "https://app.example/cb/"));
  EXPECT_TRUE(redirect_uri_matches("https://app.example/cb", "https://app.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://evil.example", "http://evil.example:81/"));
}

}  // namespace
}  // namespace mcpgate::idp::testing
