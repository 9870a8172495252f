#include "auth/key_set.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "unit/auth/auth_fixture.hpp"

namespace mcpgate::auth::testing {
namespace {

using std::chrono::seconds;

// ---- discovery document -----------------------------------------------------------------

TEST(OpenIdMetadata, ReadsTheFieldsValidationNeeds) {
  std::string error;
  auto meta = parse_openid_metadata(R"({
    "issuer": "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
    "jwks_uri": "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/discovery/v2.0/keys",
    "authorization_endpoint": "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/oauth2/v2.0/authorize",
    "token_endpoint": "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/oauth2/v2.0/token",
    "id_token_signing_alg_values_supported": ["RS256"]})",
                                    error);
  ASSERT_TRUE(meta) << error;
  EXPECT_EQ(meta->issuer, kIssuer);
  EXPECT_EQ(meta->jwks_uri, std::string("https://login.microsoftonline.com/") + kTenant + "/discovery/v2.0/keys");
  EXPECT_EQ(meta->authorization_endpoint,
            std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/authorize");
  EXPECT_EQ(meta->token_endpoint, std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/token");
}

TEST(OpenIdMetadata, EndpointsAreOptional) {
  std::string error;
  auto meta = parse_openid_metadata(R"({"issuer":"https://idp/t/v2.0","jwks_uri":"https://idp/t/keys"})", error);
  ASSERT_TRUE(meta) << error;
  EXPECT_TRUE(meta->token_endpoint.empty());
}

TEST(OpenIdMetadata, NamesWhatIsMissing) {
  std::string error;
  EXPECT_FALSE(parse_openid_metadata(R"({"jwks_uri":"https://idp/t/keys"})", error));
  EXPECT_NE(error.find("\"issuer\""), std::string::npos) << error;
  EXPECT_EQ(error.find("jwks_uri"), std::string::npos) << error;

  EXPECT_FALSE(parse_openid_metadata(R"({"issuer":"https://idp/t/v2.0","jwks_uri":42})", error));
  EXPECT_NE(error.find("\"jwks_uri\""), std::string::npos) << error;

  EXPECT_FALSE(parse_openid_metadata("{}", error));
  EXPECT_NE(error.find("\"issuer\" and \"jwks_uri\""), std::string::npos) << error;

  EXPECT_FALSE(parse_openid_metadata("<html>404</html>", error));
  EXPECT_NE(error.find("not a JSON object"), std::string::npos) << error;
}

// ---- keys -------------------------------------------------------------------------------

TEST(KeySet, LoadsRsaAndEcSigningKeysByKid) {
  mcpgate::testing::ManualClock clock;
  KeySet keys;
  EXPECT_FALSE(keys.loaded());
  auto x5t_only = rsa_key().public_jwk();
  x5t_only["x5t"] = "thumbprint-1";
  auto error = keys.update(
      jwks({jwk(rsa_key(), kRsaKid, {{"issuer", kIssuerTemplate}}), jwk(ec_key(), kEcKid), x5t_only}), clock.now());
  ASSERT_FALSE(error) << *error;
  EXPECT_TRUE(keys.loaded());
  EXPECT_EQ(keys.size(), 3u);
  auto rsa = keys.find(kRsaKid);
  ASSERT_TRUE(rsa);
  EXPECT_TRUE(rsa->key.is_rsa());
  EXPECT_EQ(rsa->issuer, kIssuerTemplate);
  auto ec = keys.find(kEcKid);
  ASSERT_TRUE(ec);
  EXPECT_TRUE(ec->key.is_ec());
  EXPECT_FALSE(ec->issuer);
  EXPECT_TRUE(keys.find("thumbprint-1"));
  EXPECT_FALSE(keys.find("nope"));
  auto expected = std::vector<std::string>{kRsaKid, kEcKid, "thumbprint-1"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys.kids(), expected);
}

TEST(KeySet, SkipsKeysItCannotOrMustNotUse) {
  mcpgate::testing::ManualClock clock;
  KeySet keys;
  auto no_kid = rsa_key().public_jwk();
  auto error = keys.update(jwks({jwk(rsa_key(), kRsaKid), jwk(rsa_key(), "encryption", {{"use", "enc"}}),
                                 json::object{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
                                 json::object{{"kty", "RSA"}, {"kid", "broken"}, {"n", "!!"}, {"e", "AQAB"}}, no_kid}),
                           clock.now());
  ASSERT_FALSE(error) << *error;
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys.find(kRsaKid));
  EXPECT_FALSE(keys.find("encryption"));
  EXPECT_FALSE(keys.find("hmac"));
}

// The two answers of loading a tenant's keys, read the same by the gateway and the server.
TEST(KeyDiscovery, EachAnswerIsJudgedWithTheUrlInItsError) {
  const std::string tenant = "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
  auto url = openid_configuration_url("https://login.test", tenant);
  EXPECT_EQ(url, "https://login.test/" + tenant + "/v2.0/.well-known/openid-configuration");
  const std::string doc =
      R"({"issuer":"https://login.test/)" + tenant + R"(/v2.0","jwks_uri":"https://login.test/keys"})";
  std::string error;
  auto ok = read_discovery_answer(url, 200, doc, tenant, error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->jwks_uri, "https://login.test/keys");
  EXPECT_FALSE(read_discovery_answer(url, 500, doc, tenant, error));
  EXPECT_EQ(error, url + " answered 500");
  EXPECT_FALSE(read_discovery_answer(url, 200, "{", tenant, error));
  EXPECT_EQ(error.rfind(url + ": ", 0), 0u) << error;
  EXPECT_FALSE(read_discovery_answer(url, 200, doc, "another-tenant", error));
  EXPECT_NE(error.find("is not tenant another-tenant"), std::string::npos);

  mcpgate::testing::ManualClock clock;
  KeySet keys;
  EXPECT_EQ(keys.update_from("https://login.test/keys", 404, "", clock.now()), "https://login.test/keys answered 404");
  EXPECT_FALSE(keys.loaded());
  EXPECT_FALSE(keys.update_from("https://login.test/keys", 200, jwks({jwk(rsa_key(), kRsaKid)}), clock.now()));
  EXPECT_TRUE(keys.loaded());
}

TEST(KeySet, AFailedUpdateKeepsTheKeysItHad) {
  mcpgate::testing::ManualClock clock;
  KeySet keys;
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), kRsaKid)}), clock.now()));

  auto not_json = keys.update("{\"keys\":[", clock.now());
  ASSERT_TRUE(not_json);
  EXPECT_NE(not_json->find("not a JSON object"), std::string::npos) << *not_json;
  EXPECT_TRUE(keys.update(R"({"keys":"none"})", clock.now()));
  auto nothing_usable =
      keys.update(jwks({json::object{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}}}), clock.now());
  ASSERT_TRUE(nothing_usable);
  EXPECT_NE(nothing_usable->find("no usable signing key"), std::string::npos) << *nothing_usable;

  EXPECT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys.find(kRsaKid));
}

TEST(KeySet, ASuccessfulUpdateReplacesTheWholeSet) {
  mcpgate::testing::ManualClock clock;
  KeySet keys;
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), "old")}), clock.now()));
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), "new")}), clock.now()));
  EXPECT_FALSE(keys.find("old"));
  EXPECT_TRUE(keys.find("new"));
}

// ---- refresh timing ---------------------------------------------------------------------

// Moves time on by `wait`, checking the answer flips from false to true exactly then.
template <typename Ask>
void expect_true_after(mcpgate::testing::ManualClock& clock, seconds wait, Ask ask) {
  clock.advance(wait - seconds(1));
  EXPECT_FALSE(ask()) << "one second early";
  clock.advance(seconds(1));
  EXPECT_TRUE(ask()) << "on time";
}

TEST(KeySet, RetriesTheFirstFetchEveryFiveSeconds) {
  mcpgate::testing::ManualClock clock;
  KeySet keys;
  auto due = [&] { return keys.refresh_due(clock.now()); };
  EXPECT_TRUE(due());
  keys.fetch_failed(clock.now());
  expect_true_after(clock, seconds(5), due);
  // A document without usable keys is a failed attempt too.
  EXPECT_TRUE(keys.update("{}", clock.now()));
  expect_true_after(clock, seconds(5), due);
}

TEST(KeySet, RefreshesALoadedSetPeriodicallyAndBacksOffAfterFailure) {
  mcpgate::testing::ManualClock clock;
  KeySet keys(KeySetPolicy{.refresh_interval = seconds(3600)});
  auto due = [&] { return keys.refresh_due(clock.now()); };
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), kRsaKid)}), clock.now()));
  expect_true_after(clock, seconds(3600), due);
  keys.fetch_failed(clock.now());
  expect_true_after(clock, seconds(30), due);
  EXPECT_TRUE(keys.find(kRsaKid));  // failures never cost the loaded keys
  ASSERT_FALSE(keys.update(jwks({jwk(rsa_key(), kRsaKid)}), clock.now()));
  EXPECT_FALSE(due());
}

TEST(KeySet, AllowsOneUnknownKidRefetchPerInterval) {
  mcpgate::testing::ManualClock clock;
  KeySet keys(KeySetPolicy{.unknown_kid_min_interval = seconds(300)});
  EXPECT_TRUE(keys.claim_unknown_kid_refetch(clock.now()));
  // Each claim that succeeds restarts the interval; failed claims do not.
  expect_true_after(clock, seconds(300), [&] { return keys.claim_unknown_kid_refetch(clock.now()); });
  EXPECT_FALSE(keys.claim_unknown_kid_refetch(clock.now()));
}

}  // namespace
}  // namespace mcpgate::auth::testing
