#include "doctor/doctor.hpp"

#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "config/yaml_reader.hpp"
#include "http/server.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "unit/doctor/doctor_fixture.hpp"

namespace mcpgate::doctor::testing {
namespace {

// A stand-in tenant on a loopback port: discovery, keys, and a token endpoint whose answer the
// test sets.
class StandInTenant {
 public:
  StandInTenant()
      : server_({}, [this](const http::Request& r) { return answer(r); }), thread_([this] { server_.run(); }) {}
  ~StandInTenant() {
    server_.stop();
    thread_.join();
  }
  std::string authority() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::string issuer() const { return authority() + "/" + kTenant + "/v2.0"; }
  void token_answer(http::Response r) {
    std::lock_guard lock(mutex_);
    token_answer_ = std::move(r);
  }

 private:
  http::Response answer(const http::Request& r) {
    std::string base = "/" + std::string(kTenant);
    if (r.path == base + "/v2.0/.well-known/openid-configuration")
      return http::Response::json(
          200, json::object{{"issuer", issuer()},
                            {"jwks_uri", authority() + base + "/discovery/v2.0/keys"},
                            {"authorization_endpoint", authority() + base + "/oauth2/v2.0/authorize"},
                            {"token_endpoint", authority() + base + "/oauth2/v2.0/token"}});
    if (r.path == base + "/discovery/v2.0/keys")
      return http::Response::text(200, jwks_of(signing_key(), kKid), "application/json");
    if (r.path == base + "/oauth2/v2.0/token") {
      std::lock_guard lock(mutex_);
      return token_answer_;
    }
    return http::Response::text(404, "not found");
  }

  std::mutex mutex_;
  http::Response token_answer_ = http::Response::json(
      200, json::object{{"token_type", "Bearer"}, {"expires_in", 3599}, {"access_token", "x.y.z"}});
  http::Server server_;
  std::thread thread_;
};

class Doctor : public ::testing::Test {
 protected:
  proxy::GatewayConfig gateway_config(const std::string& upstream = "http://127.0.0.1:1") {
    return proxy::parse_gateway_config(config::YamlReader::from_string("entra: {authority: '" + idp.authority() +
                                                                           "', tenant_id: " + kTenant +
                                                                           "}\n"
                                                                           "client: {client_id: " +
                                                                           kGatewayApp +
                                                                           ", client_secret: s3cret-value}\n"
                                                                           "routes:\n"
                                                                           "  - prefix: /context7\n"
                                                                           "    upstream: '" +
                                                                           upstream +
                                                                           "'\n"
                                                                           "    audiences: ['" +
                                                                           kGatewayApp +
                                                                           "']\n"
                                                                           "    scopes: [Mcp.Gateway.Access]\n"
                                                                           "    obo_scope: api://" +
                                                                           kMcpApiApp + "/.default\n",
                                                                       "gateway.yaml"));
  }

  // The server side: a teamspace configured as Part 4 says, with alice provisioned.
  DoctorInputs server_inputs() {
    store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt).value();
    store->set_entra_config("contoso", {kTenant, kMcpApiApp, "mcp.access"}).value();
    store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid).value();
    DoctorInputs in;
    in.server = server::default_server_config(dir.path());
    in.server->authority = idp.authority();
    in.store = store.get();
    in.store_dir = dir.path().string();
    return in;
  }

  json::object claims(json::object changes = {}) {
    auto c = gateway_claims(std::move(changes));
    c["iss"] = idp.issuer();
    return c;
  }

  static const Check& named(const std::vector<Check>& checks, const std::string& name) {
    for (const auto& c : checks)
      if (c.name == name) return c;
    static Check none{"(missing)", Outcome::fail, "no such check"};
    ADD_FAILURE() << "no check named " << name;
    return none;
  }

  StandInTenant idp;
  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "mcpgate.db", clock);
};

TEST_F(Doctor, AGoodGatewayTokenPassesEveryCheckIncludingTheSignature) {
  DoctorInputs in;
  in.token = sign(claims());
  in.gateway = gateway_config();
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 0) << render_text(checks);
  for (auto name : {"discovery", "issuer", "audience", "scope", "expiry", "tenant", "signature"})
    EXPECT_EQ(named(checks, name).outcome, Outcome::pass) << name;
}

TEST_F(Doctor, AForgedTokenFailsOnlyItsSignature) {
  DoctorInputs in;
  in.token = sign(claims(), crypto::Key::generate_rsa(2048));
  in.gateway = gateway_config();
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 1);
  EXPECT_EQ(named(checks, "signature").outcome, Outcome::fail);
  EXPECT_EQ(named(checks, "audience").outcome, Outcome::pass);
}

TEST_F(Doctor, TheOboTokenAtTheServerIsLookedUpByTenantAndObjectId) {
  auto in = server_inputs();
  in.token = sign(claims({{"aud", kMcpApiApp}, {"scp", "mcp.access"}}));
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 0) << render_text(checks);
  EXPECT_TRUE(mentions(named(checks, "provisioned").message, "alice@contoso.dev"));
  EXPECT_TRUE(mentions(named(checks, "teamspace").message, "contoso"));
}

TEST_F(Doctor, AnUnprovisionedUserGetsTheAdminCommandThatFixesIt) {
  auto in = server_inputs();
  const std::string carol = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a03";
  in.token = sign(claims({{"aud", kMcpApiApp}, {"scp", "mcp.access"}, {"oid", carol}}));
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 1);
  auto& c = named(checks, "provisioned");
  EXPECT_EQ(c.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(c.message, "user add contoso <email> " + carol)) << c.message;
  EXPECT_TRUE(mentions(c.message, "Part 4 Step 2")) << c.message;
}

TEST_F(Doctor, TheGatewayTokenSentToTheServerIsExplained) {
  auto in = server_inputs();
  in.token = sign(claims());
  auto checks = run_doctor(in, clock);
  auto& c = named(checks, "audience");
  EXPECT_EQ(c.outcome, Outcome::fail);
  EXPECT_TRUE(mentions(c.message, "is the gateway app, not the MCP API app")) << c.message;
  EXPECT_EQ(named(checks, "provisioned").outcome, Outcome::skip);
}

TEST_F(Doctor, ConfigurationAloneProbesTheTenantTheUpstreamAndTheOboCredentials) {
  DoctorInputs in;
  in.gateway = gateway_config(idp.authority());  // any HTTP answer shows the upstream is there
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 0) << render_text(checks);
  EXPECT_EQ(named(checks, "upstream /context7").outcome, Outcome::pass);
  EXPECT_EQ(named(checks, "obo").outcome, Outcome::pass);

  idp.token_answer(
      http::Response::json(401, json::object{{"error", "invalid_client"},
                                             {"error_description", "AADSTS7000215: Invalid client secret provided."},
                                             {"error_codes", json::array{7000215}}}));
  in.gateway = gateway_config();
  checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 1);
  EXPECT_EQ(named(checks, "upstream /context7").outcome, Outcome::fail);
  auto& obo = named(checks, "obo");
  EXPECT_TRUE(mentions(obo.message, "AADSTS7000215")) << obo.message;
  EXPECT_TRUE(mentions(obo.message, "client.client_secret")) << obo.message;
  EXPECT_FALSE(mentions(render_text(checks), "s3cret-value"));
}

TEST_F(Doctor, ServerConfigurationAloneChecksEachConfiguredTenantAndItsUsers) {
  auto in = server_inputs();
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 0) << render_text(checks);
  EXPECT_TRUE(mentions(named(checks, "users contoso").message, "1 user(s)"));
}

TEST_F(Doctor, AnUnreachableTenantFailsDiscoveryAndSignature) {
  DoctorInputs in;
  in.token = sign(claims());
  in.gateway = gateway_config();
  in.gateway->authority = "http://127.0.0.1:1";
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(named(checks, "discovery").outcome, Outcome::fail);
  EXPECT_EQ(named(checks, "signature").outcome, Outcome::fail);
}

TEST_F(Doctor, WithoutConfigurationTheTokenIsOnlyDecoded) {
  DoctorInputs in;
  in.token = sign(claims());
  auto checks = run_doctor(in, clock);
  EXPECT_EQ(exit_code(checks), 0);
  EXPECT_EQ(named(checks, "audience").outcome, Outcome::skip);
  EXPECT_EQ(named(checks, "signature").outcome, Outcome::skip);
}

TEST_F(Doctor, SomethingThatIsNotAJwtIsOneFailure) {
  DoctorInputs in;
  in.token = "not-a-token";
  auto checks = run_doctor(in, clock);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].name, "token");
  EXPECT_TRUE(mentions(checks[0].message, "not a JWT"));
}

TEST(DoctorHelpers, AppIdOfAnOboScope) {
  EXPECT_EQ(app_id_of_scope(std::string("api://") + kMcpApiApp + "/.default"), kMcpApiApp);
  EXPECT_EQ(app_id_of_scope("https://graph.microsoft.com/.default"), std::nullopt);
}

TEST(DoctorHelpers, AMissingStoreIsRefusedRatherThanCreated) {
  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  try {
    open_existing_store(server::default_server_config(dir / "nothing"), clock);
    FAIL() << "opened a store that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(mentions(e.what(), "--data-dir")) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "nothing" / "mcpgate.db"));
}

}  // namespace
}  // namespace mcpgate::doctor::testing
