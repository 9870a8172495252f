#include "doctor/token_checks.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "unit/doctor/doctor_fixture.hpp"

namespace mcpgate::doctor::testing {
namespace {

class TokenChecks : public ::testing::Test {
 protected:
  Check issuer(const json::object& claims, const TokenExpectations& e = gateway_expectations()) {
    return check_issuer(decode(sign(claims)), e);
  }
  Check audience(const json::object& claims, const TokenExpectations& e = gateway_expectations()) {
    return check_audience(decode(sign(claims)), e);
  }
  Check scope(const json::object& claims, const TokenExpectations& e = gateway_expectations()) {
    return check_scope(decode(sign(claims)), e);
  }
  Check expiry(const json::object& claims) {
    return check_expiry(decode(sign(claims)), gateway_expectations(), clock.now());
  }
  Check tenant(const json::object& claims, const TokenExpectations& e = gateway_expectations()) {
    return check_tenant(decode(sign(claims)), e);
  }

  mcpgate::testing::ManualClock clock;
};

TEST_F(TokenChecks, TheGuidesFirstHopTokenPassesEveryClaimCheck) {
  auto checks = check_claims(decode(sign(gateway_claims())), gateway_expectations(), clock.now());
  ASSERT_EQ(checks.size(), 5u);
  for (const auto& c : checks) EXPECT_EQ(c.outcome, Outcome::pass) << c.name << ": " << c.message;
  EXPECT_EQ(checks[0].name, "issuer");
  EXPECT_EQ(checks[1].name, "audience");
  EXPECT_TRUE(mentions(checks[1].message, std::string(kGatewayApp) + " matches the gateway's audience"));
}

TEST_F(TokenChecks, AV1IssuerNamesTheManifestSettingAndTheAppOfTheHop) {
  auto v1 = json::object{{"iss", std::string("https://sts.windows.net/") + kTenant + "/"}};
  auto gw = issuer(gateway_claims(v1));
  EXPECT_EQ(gw.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(gw.message, "token is v1 (sts.windows.net)")) << gw.message;
  EXPECT_TRUE(mentions(gw.message, "\"requestedAccessTokenVersion\": 2")) << gw.message;
  EXPECT_TRUE(mentions(gw.message, "gateway app's manifest (Part 2 Step 2)")) << gw.message;
  auto api = issuer(gateway_claims(v1), server_expectations());
  EXPECT_TRUE(mentions(api.message, "MCP API app's manifest (Part 2 Step 1)")) << api.message;
}

TEST_F(TokenChecks, AnotherTenantsIssuerFailsAndWithoutConfigurationAV2IssuerPasses) {
  auto other =
      issuer(gateway_claims({{"iss", std::string("https://login.microsoftonline.com/") + kOtherTenant + "/v2.0"}}));
  EXPECT_EQ(other.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(other.message, kIssuer)) << other.message;
  EXPECT_EQ(issuer(gateway_claims(), TokenExpectations{}).outcome, Outcome::pass);
  EXPECT_EQ(issuer(gateway_claims({{"iss", "https://example.com/"}}), TokenExpectations{}).outcome, Outcome::fail);
}

TEST_F(TokenChecks, TheMcpApiTokenAtTheGatewayIsTheGuidesMostCommonMistake) {
  auto c = audience(gateway_claims({{"aud", kMcpApiApp}, {"scp", "mcp.access"}}));
  EXPECT_EQ(c.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(c.message, "is the MCP API app, not the gateway app")) << c.message;
  EXPECT_TRUE(mentions(c.message, std::string("api://") + kGatewayApp + "/Mcp.Gateway.Access")) << c.message;
  EXPECT_TRUE(mentions(c.message, "most common mistake")) << c.message;
}

TEST_F(TokenChecks, TheGatewayTokenAtTheServerSaysToSendItToTheGateway) {
  auto c = audience(gateway_claims(), server_expectations());
  EXPECT_EQ(c.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(c.message, "is the gateway app, not the MCP API app")) << c.message;
  EXPECT_TRUE(mentions(c.message, "Part 4 Step 1")) << c.message;
  auto ok = audience(gateway_claims({{"aud", kMcpApiApp}}), server_expectations());
  EXPECT_EQ(ok.outcome, Outcome::pass) << ok.message;
  EXPECT_TRUE(mentions(ok.message, "teamspace's audience (the MCP API app)"));
}

TEST_F(TokenChecks, GraphAndUnknownAudiencesFailAndNoConfigurationSkips) {
  EXPECT_TRUE(
      mentions(audience(gateway_claims({{"aud", "00000003-0000-0000-c000-000000000000"}})).message, "Microsoft Graph"));
  auto unknown = audience(gateway_claims({{"aud", "11111111-2222-3333-4444-555555555555"}}));
  EXPECT_EQ(unknown.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(unknown.message, "is not the gateway's audience"));
  EXPECT_EQ(audience(gateway_claims(), TokenExpectations{}).outcome, Outcome::skip);
  auto array = audience(gateway_claims({{"aud", json::array{"x", kGatewayApp}}}));
  EXPECT_EQ(array.outcome, Outcome::pass) << array.message;
}

TEST_F(TokenChecks, ScopeMustHoldTheRequiredScope) {
  auto missing = scope(gateway_claims({{"scp", "openid profile"}}));
  EXPECT_EQ(missing.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(missing.message, "lacks Mcp.Gateway.Access")) << missing.message;
  auto claims = gateway_claims({{"roles", json::array{"Docs.Read"}}});
  claims.erase("scp");
  EXPECT_TRUE(mentions(scope(claims).message, "app-only token")) << scope(claims).message;
  auto server = scope(gateway_claims({{"aud", kMcpApiApp}, {"scp", "Files.Read"}}), server_expectations());
  EXPECT_TRUE(mentions(server.message, "lacks mcp.access")) << server.message;
  EXPECT_TRUE(mentions(server.message, "admin consent")) << server.message;
  auto all = gateway_expectations();
  all.scopes = {"Mcp.Gateway.Access", "Files.Read"};
  all.require_all_scopes = true;
  EXPECT_EQ(scope(gateway_claims(), all).outcome, Outcome::fail);
  all.require_all_scopes = false;
  EXPECT_EQ(scope(gateway_claims(), all).outcome, Outcome::pass);
}

TEST_F(TokenChecks, ExpiryTellsHowLongAgo) {
  auto expired = expiry(gateway_claims({{"exp", kNow - 2 * 3600 - 13 * 60}}));
  EXPECT_EQ(expired.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(expired.message, "expired 2h 13m ago")) << expired.message;
  EXPECT_TRUE(mentions(expired.message, "sign in again")) << expired.message;
  auto valid = expiry(gateway_claims());
  EXPECT_EQ(valid.outcome, Outcome::pass);
  EXPECT_TRUE(mentions(valid.message, "valid for another 1h 0m")) << valid.message;
  EXPECT_EQ(expiry(gateway_claims({{"exp", kNow - 60}})).outcome, Outcome::pass);  // within the 5m skew
  EXPECT_TRUE(mentions(expiry(gateway_claims({{"nbf", kNow + 3600}})).message, "not valid for another"));
}

TEST_F(TokenChecks, TenantComparesTidWithTheConfiguredTenant) {
  EXPECT_EQ(tenant(gateway_claims()).outcome, Outcome::pass);
  auto other = tenant(gateway_claims({{"tid", kOtherTenant}}));
  EXPECT_EQ(other.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(other.message, "entra.tenant_id")) << other.message;
  EXPECT_TRUE(mentions(tenant(gateway_claims({{"tid", kOtherTenant}}), server_expectations()).message, "Tenant ID"));
  EXPECT_EQ(tenant(gateway_claims(), TokenExpectations{}).outcome, Outcome::skip);
}

TEST_F(TokenChecks, SignatureIsCheckedAgainstTheTenantsKeysOnly) {
  auth::KeySet keys;
  ASSERT_FALSE(keys.update(jwks_of(signing_key(), kKid), clock.now()));
  auto good = check_signature(decode(sign(gateway_claims())), keys, "https://idp/keys");
  EXPECT_EQ(good.outcome, Outcome::pass) << good.message;

  auto stranger = crypto::Key::generate_rsa(2048);
  auto forged = check_signature(decode(sign(gateway_claims(), stranger)), keys, "https://idp/keys");
  EXPECT_EQ(forged.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(forged.message, "does not verify")) << forged.message;

  auto unknown = check_signature(decode(sign(gateway_claims(), stranger, "other-kid")), keys, "https://idp/keys");
  EXPECT_TRUE(mentions(unknown.message, "is not among the configured tenant's keys")) << unknown.message;

  auto signed_token = sign(gateway_claims());
  auto payload = signed_token.substr(signed_token.find('.'));
  auto none = auth::parse_jwt(base64url_encode(R"({"alg":"none"})") + payload);
  ASSERT_TRUE(none);
  EXPECT_TRUE(mentions(check_signature(*none, keys, "k").message, "alg none is not accepted"));
}

TEST_F(TokenChecks, MessagesNeverRepeatTheToken) {
  auto token = sign(gateway_claims({{"aud", kMcpApiApp}, {"exp", kNow - 7200}}));
  for (const auto& c : check_claims(decode(token), gateway_expectations(), clock.now())) {
    EXPECT_FALSE(mentions(c.message, token));
    EXPECT_FALSE(mentions(c.message, token.substr(token.rfind('.') + 1)));
  }
}

TEST(HumanDuration, ReadsLikeAPersonWouldSayIt) {
  EXPECT_EQ(human_duration(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(human_duration(std::chrono::seconds(125)), "2m 5s");
  EXPECT_EQ(human_duration(std::chrono::seconds(7980)), "2h 13m");
  EXPECT_EQ(human_duration(std::chrono::seconds(3 * 86400 + 7200)), "3d 2h");
}

}  // namespace
}  // namespace mcpgate::doctor::testing
