// The guide's two-stage check on the server: a token against the teamspace its audience selects
// (keys from that tenant's discovery document, issuer, audience, scope), then (tid, oid) against
// the teamspace's provisioned users. Keys are served by a fake fetcher; the store is a real
// SQLite file.
#include "server/entra_authenticator.hpp"

#include <map>

#include <gtest/gtest.h>

#include "http/client.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "unit/auth/auth_fixture.hpp"

namespace mcpgate::server {
namespace {

namespace json = boost::json;
using namespace mcpgate::auth::testing;

constexpr const char* kAuthority = "https://login.test";
const std::string kServerIssuer = std::string(kAuthority) + "/" + kTenant + "/v2.0";
const std::string kDiscoveryUrl = std::string(kAuthority) + "/" + kTenant + "/v2.0/.well-known/openid-configuration";
const std::string kJwksUrl = std::string(kAuthority) + "/" + kTenant + "/discovery/v2.0/keys";

// Answers GETs from a table, counting them; an unknown URL is a refused connection.
struct FakeDirectory {
  std::map<std::string, http::Response> answers;
  std::map<std::string, int> requests;

  TenantKeys::Fetch fetcher() {
    return [this](const std::string& url) {
      ++requests[url];
      auto it = answers.find(url);
      if (it == answers.end()) throw http::ClientError("cannot connect to " + url + ": connection refused");
      return it->second;
    };
  }

  void publish(const std::string& jwks_body) {
    answers[kDiscoveryUrl] =
        http::Response::json(200, json::object{{"issuer", kServerIssuer},
                                               {"jwks_uri", kJwksUrl},
                                               {"authorization_endpoint", std::string(kAuthority) + "/authorize"},
                                               {"token_endpoint", std::string(kAuthority) + "/token"}});
    answers[kJwksUrl] = http::Response::json(200, json::parse(jwks_body));
  }
};

class EntraAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory.publish(jwks({jwk(rsa_key(), kRsaKid)}));
    ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
    ASSERT_TRUE(store->set_entra_config("contoso", {kTenant, kMcpApi, "mcp.access"}));
    ASSERT_TRUE(store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid));
  }

  // The On-Behalf-Of token the gateway sends: the MCP API app's audience, alice's oid.
  static json::object obo_claims(json::object changes = {}) {
    json::object c = claims_with({{"iss", kServerIssuer},
                                  {"aud", kMcpApi},
                                  {"scp", "mcp.access"},
                                  {"oid", kAliceOid},
                                  {"groups", json::array{"g-1"}}});
    for (const auto& [name, value] : changes) c[name] = value;
    return c;
  }

  std::string reason_for(const std::string& token) {
    auto result = authenticator.authenticate(token);
    if (result) return "accepted";
    EXPECT_FALSE(result.error().detail.empty());
    EXPECT_EQ(result.error().detail.find(token), std::string::npos) << "the detail repeats the token";
    return result.error().reason;
  }

  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "mcpgate.db", clock);
  FakeDirectory directory;
  TenantKeys keys{kAuthority, directory.fetcher(), auth::KeySetPolicy{}, clock};
  EntraAuthenticator authenticator{*store, keys, std::chrono::seconds(60), clock};
};

TEST_F(EntraAuthenticatorTest, ProvisionedUserWithTheTeamspacesAudienceIsAccepted) {
  auto principal = authenticator.authenticate(rs256(obo_claims()));
  ASSERT_TRUE(principal) << principal.error().reason << ": " << principal.error().detail;
  EXPECT_EQ(principal->label, "alice@contoso.dev");
  EXPECT_EQ(principal->tenant_id, kTenant);
  EXPECT_EQ(principal->oid, kAliceOid);
  EXPECT_EQ(principal->groups, std::vector<std::string>{"g-1"});
  EXPECT_TRUE(principal->user_id.has_value());
}

TEST_F(EntraAuthenticatorTest, KeysAreFetchedOnceFromTheConfiguredAuthority) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reason_for(rs256(obo_claims())), "accepted");
  EXPECT_EQ(directory.requests[kDiscoveryUrl], 1);
  EXPECT_EQ(directory.requests[kJwksUrl], 1);
}

TEST_F(EntraAuthenticatorTest, TheGatewaysAudienceSelectsNoTeamspace) {
  auto token = rs256(obo_claims({{"aud", kGateway}}));
  EXPECT_EQ(reason_for(token), "audience_mismatch");
  EXPECT_NE(authenticator.authenticate(token).error().detail.find("MCP API app"), std::string::npos);
  EXPECT_EQ(directory.requests[kDiscoveryUrl], 0) << "nothing is fetched for an audience nobody accepts";
}

TEST_F(EntraAuthenticatorTest, AnotherTenantIsNotConfigured) {
  EXPECT_EQ(reason_for(rs256(obo_claims({{"tid", kOtherTenant}}))), "tenant_not_configured");
}

TEST_F(EntraAuthenticatorTest, UnprovisionedUserIsNamedWithTheFix) {
  auto token = rs256(obo_claims({{"oid", "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a03"}}));
  auto result = authenticator.authenticate(token);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "user_not_provisioned");
  EXPECT_NE(result.error().detail.find("9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a03"), std::string::npos);
}

TEST_F(EntraAuthenticatorTest, TokenChecksKeepTheirReasons) {
  EXPECT_EQ(reason_for(rs256(obo_claims({{"scp", "other.scope"}}))), "scope_missing");
  EXPECT_EQ(reason_for(rs256(obo_claims({{"exp", kNow - 3600}, {"nbf", kNow - 7200}}))), "token_expired");
  EXPECT_EQ(reason_for(rs256(obo_claims(), kRsaKid, stranger_rsa_key())), "bad_signature");
  EXPECT_EQ(reason_for("not-a-jwt"), "malformed");
}

TEST_F(EntraAuthenticatorTest, UnknownKeyRefetchesOnceThenRefuses) {
  EXPECT_EQ(reason_for(rs256(obo_claims())), "accepted");
  auto unknown = rs256(obo_claims(), "rotated-key", stranger_rsa_key());
  EXPECT_EQ(reason_for(unknown), "unknown_key");
  EXPECT_EQ(directory.requests[kJwksUrl], 2) << "one refetch for the unknown kid";
  EXPECT_EQ(reason_for(unknown), "unknown_key");
  EXPECT_EQ(directory.requests[kJwksUrl], 2) << "refetches are rate-limited";
}

TEST_F(EntraAuthenticatorTest, RotatedKeyIsPickedUpByTheRefetch) {
  EXPECT_EQ(reason_for(rs256(obo_claims())), "accepted");
  directory.publish(jwks({jwk(rsa_key(), kRsaKid), jwk(stranger_rsa_key(), "rotated-key")}));
  EXPECT_EQ(reason_for(rs256(obo_claims(), "rotated-key", stranger_rsa_key())), "accepted");
}

TEST_F(EntraAuthenticatorTest, UnreachableTenantIsKeysUnavailableAndKeepsLoadedKeys) {
  directory.answers.clear();
  auto result = authenticator.authenticate(rs256(obo_claims()));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "keys_unavailable");
  EXPECT_NE(result.error().detail.find(kDiscoveryUrl), std::string::npos) << result.error().detail;
  EXPECT_EQ(reason_for(rs256(obo_claims())), "keys_unavailable") << "until the retry, not a mismatch against no keys";

  directory.publish(jwks({jwk(rsa_key(), kRsaKid)}));
  clock.advance(std::chrono::seconds(10));  // the first fetch's retry interval
  EXPECT_EQ(reason_for(rs256(obo_claims({{"nbf", kNow}}))), "accepted");
  directory.answers.clear();
  clock.advance(std::chrono::hours(2));  // a refresh is due, and fails
  EXPECT_EQ(reason_for(rs256(obo_claims({{"nbf", kNow + 7000}, {"exp", kNow + 10800}}))), "accepted")
      << "keys fetched before keep working while the tenant cannot be reached";
}

TEST(TenantKeysTest, DiscoveryThatIsNotJsonIsNamed) {
  mcpgate::testing::ManualClock clock;
  FakeDirectory directory;
  directory.answers[kDiscoveryUrl] = http::Response::text(200, "<html>sign in</html>");
  TenantKeys keys{kAuthority, directory.fetcher(), auth::KeySetPolicy{}, clock};
  auto snapshot = keys.get(kTenant);
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().reason, "keys_unavailable");
  EXPECT_NE(snapshot.error().detail.find(kDiscoveryUrl), std::string::npos) << snapshot.error().detail;
}

}  // namespace
}  // namespace mcpgate::server
