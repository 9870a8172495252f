#include "idp/token_issuer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "idp/config.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::idp {
namespace {

class Issuer : public ::testing::Test {
 protected:
  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  IdpConfig config = demo_config();
  KeyStore keys{dir.path(), clock};
  TokenIssuer issuer{keys, config, clock};
  const Tenant& tenant = config.tenants[0];
};

TEST_F(Issuer, HeaderCarriesKidAndX5tOfTheCurrentKey) {
  auto scopes = *parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access");
  auto token = issuer.user_access_token(tenant, "https://idp", {&tenant.users[0], &tenant.apps[1], "1", false}, scopes,
                                        {"mcp.access"});
  auto jwt = *auth::parse_jwt(token);
  EXPECT_EQ(jwt.alg_name, "RS256");
  EXPECT_EQ(jwt.header_string("kid"), keys.current().kid);
  EXPECT_EQ(jwt.header_string("x5t"), keys.current().kid);
  EXPECT_TRUE(keys.current().key.verify(crypto::JwsAlg::RS256, jwt.signing_input, jwt.signature));
}

TEST_F(Issuer, LifetimeFollowsConfigurationAndIatIsBackdated) {
  config.lifetimes.access_token = std::chrono::minutes(10);
  auto scopes = *parse_scopes(tenant, "api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/mcp.access");
  auto jwt = *auth::parse_jwt(issuer.user_access_token(
      tenant, "https://idp", {&tenant.users[0], &tenant.apps[1], "1", false}, scopes, {"mcp.access"}));
  auto now = unix_seconds(clock.now());
  EXPECT_EQ(*jwt.claim_int("exp"), now + 600);
  EXPECT_EQ(*jwt.claim_int("iat"), now - 300);
}

TEST_F(Issuer, ClientInfoIsBase64UrlOfUidAndUtid) {
  auto decoded = base64url_decode(TokenIssuer::client_info(tenant, tenant.users[0]));
  auto o = boost::json::parse(*decoded).as_object();
  EXPECT_EQ(o.at("uid").as_string(), tenant.users[0].oid);
  EXPECT_EQ(o.at("utid").as_string(), tenant.id);
}

TEST_F(Issuer, PairwiseSubjectsDifferPerAppAndAreStable) {
  EXPECT_EQ(TokenIssuer::pairwise_subject("u", "a"), TokenIssuer::pairwise_subject("u", "a"));
  EXPECT_NE(TokenIssuer::pairwise_subject("u", "a"), TokenIssuer::pairwise_subject("u", "b"));
}

TEST_F(Issuer, IdTokenEchoesNonceAndMfa) {
  auto jwt =
      *auth::parse_jwt(issuer.id_token(tenant, "https://idp", {&tenant.users[0], &tenant.apps[1], "0", true}, "abc"));
  EXPECT_EQ(jwt.claim_string("nonce"), "abc");
  EXPECT_EQ(jwt.claim_list("amr"), (std::vector<std::string>{"pwd", "mfa"}));
  EXPECT_EQ(jwt.claim_string("aud"), tenant.apps[1].client_id);
}

}  // namespace
}  // namespace mcpgate::idp
