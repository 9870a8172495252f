// `mcpgate server` as a real process with tokens from a real `mcpgate idp`: the guide's Part 4
// outcomes (two-stage validation), API keys, the usage log, and the transport over HTTP.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "binaries.hpp"
#include "common/base64.hpp"
#include "common/files.hpp"
#include "crypto/key.hpp"
#include "http/client.hpp"
#include "store/sqlite_store.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

constexpr const char* kOtherTenant = "0b0b0b0b-1111-4222-8333-444444444444";
constexpr const char* kAdminToken = "test-admin-token-0123456789abcdef";

class ServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
    {
      // Part 4 done by an admin: an enterprise teamspace, its Entra configuration, Alice provisioned.
      auto store = store::open_sqlite_store(dir / "server/mcpgate.db", SystemClock::instance());
      ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
      ASSERT_TRUE(store->set_entra_config("contoso", {kDemoTenant, kDemoMcpApiApp, "mcp.access"}));
      ASSERT_TRUE(store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid));
      // Another teamspace trusts the gateway app's audience, but in another tenant.
      ASSERT_TRUE(store->create_teamspace("elsewhere", store::Plan::enterprise, std::nullopt));
      ASSERT_TRUE(store->set_entra_config("elsewhere", {kOtherTenant, kDemoGatewayApp, "mcp.access"}));
      auto key = store->create_api_key("contoso", "ci");
      ASSERT_TRUE(key);
      api_key = key->secret;
    }
    write_file_atomically(dir / "server.yaml",
                          "listen: {host: 127.0.0.1, port: 0}\n"
                          "public_url: https://mcp.test\n"
                          "data_dir: '" +
                              (dir / "server").string() +
                              "'\n"
                              "entra: {authority: '" +
                              idp_base +
                              "'}\n"
                              "mcp: {diagnostic_tools: true}\n"
                              "admin: {token: '${env:MCPGATE_TEST_ADMIN_TOKEN}'}\n");
    ::setenv("MCPGATE_TEST_ADMIN_TOKEN", kAdminToken, 1);
    server = start_mcpgate({"server", "--config", (dir / "server.yaml").string()}, dir.path());
    base = "http://127.0.0.1:" + std::to_string(server.port);
  }

  int admin_runs = 0;

  // The token the gateway would forward: audience the MCP API, scp mcp.access.
  std::string obo_like_token(const std::string& upn) {
    return sign_in(idp_base, upn, std::string("api://") + kDemoMcpApiApp + "/mcp.access");
  }

  http::Response post(const std::string& path, const std::string& body, const std::string& header_name = "",
                      const std::string& header_value = "", const std::string& session = "") {
    http::ClientRequest r{"POST", base + path, {}, body};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    if (!header_name.empty()) r.headers.add(header_name, header_value);
    if (!session.empty()) r.headers.add("Mcp-Session-Id", session);
    return http::fetch(r);
  }

  static std::string initialize_body() {
    return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}})";
  }

  std::string reason_for(const std::string& token) {
    auto r = post("/mcp/oauth", initialize_body(), "Authorization", "Bearer " + token);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_NE(std::string(r.headers.get("WWW-Authenticate").value_or("")).find("resource_metadata="),
              std::string::npos);
    return std::string(json::parse(r.body).at("error").at("data").at("reason").as_string());
  }

  // A token signed with the IdP's real signing key but with claims of our choosing.
  std::string forged_by_idp(const std::string& real_token, const std::function<void(json::object&)>& edit) {
    auto jwt = *auth::parse_jwt(real_token);
    auto kid = *jwt.header_string("kid");
    auto key = crypto::Key::from_pem(*read_file(dir / ("idp/keys/" + kid + ".key.pem")));
    auto payload = jwt.payload;
    edit(payload);
    return auth::sign_jwt(jwt.header, payload, *key, crypto::JwsAlg::RS256);
  }

  TempDir dir;
  RunningServer idp, server;
  std::string idp_base, base, api_key;
};

TEST_F(ServerProcess, ValidAndProvisionedUserIsServedAndRecorded) {
  auto token = obo_like_token("alice@contoso.dev");
  auto init = post("/mcp/oauth", initialize_body(), "Authorization", "Bearer " + token);
  ASSERT_EQ(init.status, 200) << init.body;
  auto session = std::string(init.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_FALSE(session.empty());
  auto call =
      post("/mcp/oauth", R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}})",
           "Authorization", "Bearer " + token, session);
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_NE(call.body.find("alice@contoso.dev"), std::string::npos) << call.body;
  EXPECT_NE(call.body.find(kAliceOid), std::string::npos);
  auto store = store::open_sqlite_store(dir / "server/mcpgate.db", SystemClock::instance());
  auto usage = store->usage("contoso", 10);
  ASSERT_TRUE(usage);
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ(usage->front().tool, "whoami");
  EXPECT_EQ(usage->front().user_label, "alice@contoso.dev");
}

TEST_F(ServerProcess, ValidTokenOfAnUnprovisionedUserIs401) {
  EXPECT_EQ(reason_for(obo_like_token("carol@contoso.dev")), "user_not_provisioned");
}

TEST_F(ServerProcess, WrongTenantIsTenantNotConfigured) {
  // The gateway app's audience is configured only for another tenant.
  EXPECT_EQ(reason_for(gateway_token(idp_base, "alice@contoso.dev")), "tenant_not_configured");
}

TEST_F(ServerProcess, UnknownAudienceIsAudienceMismatch) {
  EXPECT_EQ(reason_for(sign_in(idp_base, "alice@contoso.dev", "openid profile")), "audience_mismatch");
}

TEST_F(ServerProcess, MissingScopeExpiredV1AndBadSignatureAreNamed) {
  auto real = obo_like_token("alice@contoso.dev");
  EXPECT_EQ(reason_for(forged_by_idp(real, [](json::object& p) { p["scp"] = "other.scope"; })), "scope_missing");
  EXPECT_EQ(reason_for(forged_by_idp(real,
                                     [](json::object& p) {
                                       p["exp"] = 1700000000;
                                       p["nbf"] = 1699990000;
                                     })),
            "token_expired");
  EXPECT_EQ(reason_for(forged_by_idp(
                real, [](json::object& p) { p["iss"] = std::string("https://sts.windows.net/") + kDemoTenant + "/"; })),
            "v1_token");
  auto tampered = real;
  auto& c = tampered[tampered.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(reason_for(tampered), "bad_signature");
}

TEST_F(ServerProcess, NoCredentialGetsContext7sAnswer) {
  auto r = post("/mcp/oauth", initialize_body());
  EXPECT_EQ(r.status, 401);
  auto b = json::parse(r.body);
  EXPECT_EQ(b.at("error").at("code").as_int64(), -32001);
  EXPECT_EQ(b.at("error").at("message").as_string(),
            "Authentication required. Please authenticate to use this MCP server.");
}

TEST_F(ServerProcess, ApiKeysInEveryHeaderForm) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + api_key},
                                                                             {"X-Context7-API-Key", api_key},
                                                                             {"Context7-API-Key", api_key},
                                                                             {"X-API-Key", api_key},
                                                                             {"context7_api_key", api_key},
                                                                             {"x_api_key", api_key}}) {
    EXPECT_EQ(post("/mcp", initialize_body(), name, value).status, 200) << name;
  }
  auto wrong = post("/mcp", initialize_body(), "X-API-Key", "ctx7sk-not-a-real-key");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body).at("error").at("data").at("reason").as_string(), "invalid_api_key");
  EXPECT_EQ(post("/mcp", initialize_body()).status, 401);
}

TEST_F(ServerProcess, PingAndProtectedResourceMetadata) {
  auto ping = http::fetch({"GET", base + "/ping"});
  EXPECT_EQ(ping.body, R"({"status":"ok","message":"pong"})");
  auto prm = json::parse(http::fetch({"GET", base + "/.well-known/oauth-protected-resource"}).body);
  EXPECT_EQ(prm.at("resource").as_string(), "https://mcp.test/mcp/oauth");
}

TEST_F(ServerProcess, TransportRulesHoldOverHttp) {
  auto token = obo_like_token("alice@contoso.dev");
  http::ClientRequest get{"GET", base + "/mcp/oauth", {}, {}};
  get.headers.add("Authorization", "Bearer " + token);
  EXPECT_EQ(http::fetch(get).status, 405);
  http::ClientRequest not_acceptable{"POST", base + "/mcp/oauth", {}, initialize_body()};
  not_acceptable.headers.add("Authorization", "Bearer " + token);
  not_acceptable.headers.add("Content-Type", "application/json");
  not_acceptable.headers.add("Accept", "text/html");
  EXPECT_EQ(http::fetch(not_acceptable).status, 406);
  auto unknown_session = post("/mcp/oauth", R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})", "Authorization",
                              "Bearer " + token, "no-such-session");
  EXPECT_EQ(unknown_session.status, 404);
}

http::Response admin_call(const std::string& base, const std::string& method, const std::string& path,
                          const std::string& body = "", const std::string& type = "application/json") {
  http::ClientRequest r{method, base + "/admin/v1" + path, {}, body};
  r.headers.add("Authorization", std::string("Bearer ") + kAdminToken);
  if (!body.empty()) r.headers.add("Content-Type", type);
  return http::fetch(r);
}

TEST_F(ServerProcess, AdminApiOverHttpGatesPlansSharesUsersAndReportsCsvRows) {
  // Only enterprise teamspaces (and running trials) get an Entra configuration.
  ASSERT_EQ(admin_call(base, "POST", "/teamspaces", R"({"name":"hobby","plan":"free"})").status, 201);
  auto refused = admin_call(base, "PUT", "/teamspaces/hobby/entra",
                            std::string(R"({"tenant_id":")") + kDemoTenant + R"(","audience":")" + kDemoMcpApiApp +
                                R"(","required_scope":"mcp.access"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  // The same email in a second teamspace reuses the user, with one mapping per teamspace.
  ASSERT_EQ(admin_call(base, "POST", "/teamspaces", R"({"name":"second","plan":"enterprise"})").status, 201);
  ASSERT_EQ(admin_call(base, "PUT", "/teamspaces/second/entra",
                       std::string(R"({"tenant_id":")") + kDemoTenant +
                           R"(","audience":"11111111-2222-4333-8444-555555555555","required_scope":"mcp.access"})")
                .status,
            200);
  auto added = admin_call(base, "POST", "/teamspaces/second/users",
                          std::string(R"({"email":"alice@contoso.dev","oid":")") + kAliceOid + R"("})");
  EXPECT_EQ(added.status, 201) << added.body;
  // CSV import with a bad row: a per-row report, the good rows written.
  auto report =
      admin_call(base, "POST", "/teamspaces/second/users/import",
                 "email,oid\nbob@contoso.dev,9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a02\nnot-an-email,xyz\n", "text/csv");
  ASSERT_EQ(report.status, 200) << report.body;
  auto rows = json::parse(report.body);
  EXPECT_EQ(rows.at("imported").as_int64(), 1);
  EXPECT_EQ(rows.at("rows").as_array().size(), 2u);
  auto users = json::parse(admin_call(base, "GET", "/teamspaces/second/users").body);
  EXPECT_NE(json::serialize(users).find("bob@contoso.dev"), std::string::npos);
  // Without the admin token nothing is served.
  http::ClientRequest anonymous{"GET", base + "/admin/v1/teamspaces", {}, {}};
  EXPECT_EQ(http::fetch(anonymous).status, 401);
}

// The command line against the running server: the REST API under it, the token from the
// environment, every change audited as the API's.
TEST_F(ServerProcess, TheAdminCommandLineWorksAgainstARunningServer) {
  auto admin = [&](std::vector<std::string> words) {
    std::vector<std::string> args{"admin", "--server", base};
    args.insert(args.end(), words.begin(), words.end());
    auto log = dir / ("admin-" + std::to_string(++admin_runs) + ".log");
    ChildProcess run(mcpgate_binary(), args, log);
    auto status = run.wait_exit(std::chrono::seconds(30));
    return std::make_pair(status.value_or(-1), run.output());
  };
  ::setenv("MCPGATE_ADMIN_TOKEN", kAdminToken, 1);
  auto [created, created_out] = admin({"teamspace", "create", "remote", "--plan", "enterprise"});
  EXPECT_EQ(created, 0) << created_out;
  auto [added, added_out] =
      admin({"entra", "set", "remote", "--tenant", kDemoTenant, "--audience", kDemoMcpApiApp, "--scope", "mcp.access"});
  EXPECT_EQ(added, 0) << added_out;
  auto [listed, listed_out] = admin({"teamspace", "list"});
  EXPECT_EQ(listed, 0);
  EXPECT_NE(listed_out.find("remote"), std::string::npos) << listed_out;
  auto audit = json::parse(admin_call(base, "GET", "/teamspaces/remote/audit").body).at("audit").as_array();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].at("action").as_string(), "entra.set");
  EXPECT_EQ(audit[0].at("channel").as_string(), "api");

  ::setenv("MCPGATE_ADMIN_TOKEN", "not-the-token", 1);
  auto [refused, refused_out] = admin({"teamspace", "list"});
  EXPECT_EQ(refused, 1);
  EXPECT_NE(refused_out.find("the server refused the admin token"), std::string::npos) << refused_out;
  EXPECT_EQ(refused_out.find("not-the-token"), std::string::npos);
  ::setenv("MCPGATE_ADMIN_TOKEN", kAdminToken, 1);
  {
    ChildProcess clear_text(mcpgate_binary(), {"admin", "--server", "http://mcp.example.com", "teamspace", "list"},
                            dir / "admin-http.log");
    EXPECT_NE(clear_text.wait_exit(std::chrono::seconds(30)).value_or(-1), 0);
    EXPECT_NE(clear_text.output().find("only over https"), std::string::npos) << clear_text.output();
  }
  ::unsetenv("MCPGATE_ADMIN_TOKEN");
  auto [no_token, no_token_out] = admin({"teamspace", "list"});
  EXPECT_NE(no_token, 0);
  EXPECT_NE(no_token_out.find("MCPGATE_ADMIN_TOKEN"), std::string::npos) << no_token_out;
}

}  // namespace
}  // namespace mcpgate
