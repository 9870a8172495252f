// `mcpgate doctor` as a real process against a running `mcpgate idp`, a gateway configuration
// and an MCP server store: tokens of the guide's chain, right and wrong, and configuration probes.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/clock.hpp"
#include "common/files.hpp"
#include "idp/demo_tenant.hpp"
#include "store/sqlite_store.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

constexpr const char* kCarolOid = mcpgate::idp::demo::kCarolOid;

class DoctorProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
    write_file_atomically(dir / "secret", kDemoGatewaySecret);
    write_file_atomically(dir / "wrong-secret", "not-the-secret");
    write_gateway_config("gateway.yaml", "secret");
    write_gateway_config("wrong-secret.yaml", "wrong-secret");
    // Part 4 as an admin leaves it: Alice provisioned, Carol not.
    auto store = store::open_sqlite_store(dir / "server/mcpgate.db", SystemClock::instance());
    ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
    ASSERT_TRUE(store->set_entra_config("contoso", {kDemoTenant, kDemoMcpApiApp, "mcp.access"}));
    ASSERT_TRUE(store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid));
  }

  void write_gateway_config(const std::string& name, const std::string& secret_file) {
    // The upstream is the IdP itself: any HTTP answer shows an upstream is reachable.
    write_file_atomically(dir / name, "entra: {authority: '" + idp_base + "', tenant_id: " + kDemoTenant +
                                          "}\n"
                                          "client:\n  client_id: " +
                                          kDemoGatewayApp +
                                          "\n"
                                          "  client_secret: '${file:" +
                                          (dir / secret_file).string() +
                                          "}'\n"
                                          "routes:\n"
                                          "  - prefix: /context7\n"
                                          "    upstream: '" +
                                          idp_base +
                                          "'\n"
                                          "    audiences: ['" +
                                          kDemoGatewayApp +
                                          "']\n"
                                          "    scopes: [Mcp.Gateway.Access]\n"
                                          "    obo_scope: api://" +
                                          kDemoMcpApiApp + "/.default\n");
  }

  struct Result {
    int status = -1;
    std::string output;
  };

  Result doctor(std::vector<std::string> args, const std::string& token = "") {
    args.insert(args.begin(), "doctor");
    if (!token.empty()) {
      auto file = dir / ("token-" + std::to_string(++runs));
      write_file_atomically(file, token + "\n");
      args.push_back("--token-file");
      args.push_back(file.string());
    }
    ChildProcess p(mcpgate_binary(), args, dir / ("doctor-" + std::to_string(++runs) + ".log"));
    Result r;
    r.status = p.wait_exit(std::chrono::seconds(60)).value_or(-1);
    r.output = p.output();
    return r;
  }

  static bool has(const Result& r, const std::string& part) { return r.output.find(part) != std::string::npos; }

  TempDir dir;
  RunningServer idp;
  std::string idp_base;
  int runs = 0;
};

TEST_F(DoctorProcess, TheClientsTokenPassesAgainstTheGatewayConfiguration) {
  auto r = doctor({"--gateway-config", (dir / "gateway.yaml").string()}, gateway_token(idp_base, "alice@contoso.dev"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r, std::string("PASS audience   ") + kDemoGatewayApp + " matches the gateway's audience"))
      << r.output;
  EXPECT_TRUE(has(r, "PASS signature")) << r.output;
  EXPECT_TRUE(has(r, "PASS issuer")) << r.output;
}

TEST_F(DoctorProcess, TheMcpApiTokenAtTheGatewayIsTheMostCommonMistake) {
  auto api_token = sign_in(idp_base, "alice@contoso.dev", std::string("api://") + kDemoMcpApiApp + "/mcp.access");
  auto r = doctor({"--gateway-config", (dir / "gateway.yaml").string()}, api_token);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r, "FAIL audience")) << r.output;
  EXPECT_TRUE(has(r, "most common mistake")) << r.output;
  EXPECT_TRUE(has(r, "FAIL scope")) << r.output;
  EXPECT_TRUE(has(r, "PASS signature")) << r.output;  // a real token, just for the other hop
  EXPECT_EQ(r.output.find(api_token), std::string::npos);
}

TEST_F(DoctorProcess, TheServerSideFindsAliceAndNotCarol) {
  auto store_args = std::vector<std::string>{"--data-dir", (dir / "server").string(), "--authority", idp_base};
  auto api = [&](const std::string& upn) {
    return sign_in(idp_base, upn, std::string("api://") + kDemoMcpApiApp + "/mcp.access");
  };
  auto alice = doctor(store_args, api("alice@contoso.dev"));
  EXPECT_EQ(alice.status, 0) << alice.output;
  EXPECT_TRUE(has(alice, "PASS provisioned")) << alice.output;

  auto carol = doctor(store_args, api("carol@contoso.dev"));
  EXPECT_EQ(carol.status, 1) << carol.output;
  EXPECT_TRUE(has(carol, std::string("FAIL provisioned  oid ") + kCarolOid)) << carol.output;
  EXPECT_TRUE(has(carol, "user add contoso <email> " + std::string(kCarolOid))) << carol.output;
}

TEST_F(DoctorProcess, ReadsTheTokenFromStandardInputEvenWithItsBearerPrefix) {
  write_file_atomically(dir / "pasted", "Bearer " + gateway_token(idp_base, "alice@contoso.dev") + "\n");
  ChildProcess p("/bin/sh",
                 {"-c", "exec \"$0\" doctor --token - --gateway-config \"$1\" < \"$2\"", mcpgate_binary(),
                  (dir / "gateway.yaml").string(), (dir / "pasted").string()},
                 dir / "stdin.log");
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(60)), 0) << p.output();
  EXPECT_NE(p.output().find("PASS signature"), std::string::npos) << p.output();
}

TEST_F(DoctorProcess, JsonOutputForMachines) {
  auto r = doctor({"--gateway-config", (dir / "gateway.yaml").string(), "--json"},
                  gateway_token(idp_base, "bob@contoso.dev"));
  EXPECT_EQ(r.status, 0) << r.output;
  auto doc = json::parse(r.output.substr(r.output.find('{'))).as_object();
  EXPECT_TRUE(doc.at("ok").as_bool());
  bool signature = false;
  for (const auto& c : doc.at("checks").as_array())
    signature = signature || (c.at("name").as_string() == "signature" && c.at("status").as_string() == "pass");
  EXPECT_TRUE(signature) << r.output;
}

TEST_F(DoctorProcess, ConfigurationAloneProbesTenantUpstreamAndOboCredentials) {
  auto good = doctor({"--gateway-config", (dir / "gateway.yaml").string()});
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_TRUE(has(good, "PASS discovery")) << good.output;
  EXPECT_TRUE(has(good, "PASS upstream /context7")) << good.output;
  EXPECT_TRUE(has(good, "PASS obo")) << good.output;

  auto wrong = doctor({"--gateway-config", (dir / "wrong-secret.yaml").string()});
  EXPECT_EQ(wrong.status, 1) << wrong.output;
  EXPECT_TRUE(has(wrong, "FAIL obo")) << wrong.output;
  EXPECT_TRUE(has(wrong, "AADSTS7000215")) << wrong.output;
  EXPECT_FALSE(has(wrong, "not-the-secret"));
}

TEST_F(DoctorProcess, BadInputIsAClearError) {
  auto nothing = doctor({});
  EXPECT_EQ(nothing.status, 1);
  EXPECT_TRUE(has(nothing, "nothing to check")) << nothing.output;
  auto no_store = doctor({"--data-dir", (dir / "nowhere").string()});
  EXPECT_EQ(no_store.status, 1);
  EXPECT_TRUE(has(no_store, "no MCP server store")) << no_store.output;
  auto garbage = doctor({}, "not-a-token");
  EXPECT_EQ(garbage.status, 1);
  EXPECT_TRUE(has(garbage, "FAIL token")) << garbage.output;
}

}  // namespace
}  // namespace mcpgate
