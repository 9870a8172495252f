// `mcpgate idp` as a real process: start-up, the endpoints over loopback HTTP, key rotation by a
// second process, refusals and shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "binaries.hpp"
#include "common/base64.hpp"
#include "common/files.hpp"
#include "crypto/hash.hpp"
#include "http/client.hpp"
#include "http/form.hpp"
#include "idp/demo_tenant.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using testing::ChildProcess;
using testing::TempDir;

constexpr const char* kTenant = mcpgate::idp::demo::kTenantId;
constexpr const char* kGateway = mcpgate::idp::demo::kGatewayApp;
constexpr const char* kMcpApi = mcpgate::idp::demo::kMcpApiApp;

class IdpProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    server = testing::start_mcpgate({"idp", "--data-dir", (dir / "data").string()}, dir.path());
    base = "http://127.0.0.1:" + std::to_string(server.port);
  }

  http::Response get(const std::string& path) { return http::fetch({"GET", base + path}); }
  http::Response post(const std::string& path, const std::string& form) {
    http::ClientRequest r{"POST", base + path, {}, form};
    r.headers.add("Content-Type", "application/x-www-form-urlencoded");
    return http::fetch(r);
  }
  std::vector<std::string> published_kids() {
    std::vector<std::string> kids;
    auto jwks = json::parse(get(std::string("/") + kTenant + "/discovery/v2.0/keys").body);
    for (auto& k : jwks.at("keys").as_array()) kids.emplace_back(k.at("kid").as_string());
    return kids;
  }
  int run_cli(std::vector<std::string> args) {
    ChildProcess p(testing::mcpgate_binary(), args, dir / "cli.log");
    return p.wait_exit(std::chrono::seconds(30)).value_or(-1);
  }

  TempDir dir;
  testing::RunningServer server;
  std::string base;
};

TEST_F(IdpProcess, DiscoveryNamesTheHostTheClientUsed) {
  auto r = get(std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  auto d = json::parse(r.body);
  EXPECT_EQ(d.at("issuer").as_string(), base + "/" + kTenant + "/v2.0");
}

TEST_F(IdpProcess, AuthorizationCodeFlowOverHttp) {
  std::string verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
  http::Form q;
  q.add("client_id", kGateway);
  q.add("response_type", "code");
  q.add("redirect_uri", "http://127.0.0.1:40000/cb");
  q.add("scope", std::string("api://") + kGateway + "/Mcp.Gateway.Access offline_access");
  q.add("code_challenge", base64url_encode(crypto::sha256(verifier)));
  q.add("code_challenge_method", "S256");
  q.add("login_hint", "bob@contoso.dev");
  q.add("state", "s1");
  auto redirect = get(std::string("/") + kTenant + "/oauth2/v2.0/authorize?" + q.encode());
  ASSERT_EQ(redirect.status, 302);
  auto location = std::string(*redirect.headers.get("Location"));
  auto params = http::parse_form(location.substr(location.find('?') + 1));
  ASSERT_TRUE(params && params->get("code"));
  EXPECT_EQ(params->get("state"), "s1");

  http::Form t;
  t.add("grant_type", "authorization_code");
  t.add("client_id", kGateway);
  t.add("code", std::string(*params->get("code")));
  t.add("redirect_uri", "http://127.0.0.1:40000/cb");
  t.add("code_verifier", verifier);
  auto token = post(std::string("/") + kTenant + "/oauth2/v2.0/token", t.encode());
  ASSERT_EQ(token.status, 200) << token.body;
  auto jwt = auth::parse_jwt(json::parse(token.body).at("access_token").as_string());
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->claim_string("preferred_username"), "bob@contoso.dev");
  EXPECT_EQ(jwt->claim_string("iss"), base + "/" + kTenant + "/v2.0");
}

TEST_F(IdpProcess, KeyRotationByASecondProcessIsPublishedWithoutRestart) {
  auto before = published_kids();
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(run_cli({"idp", "rotate-keys", "--data-dir", (dir / "data").string(), "--grace", "1h"}), 0);
  auto during = published_kids();
  EXPECT_EQ(during.size(), 2u);
  ASSERT_EQ(run_cli({"idp", "rotate-keys", "--data-dir", (dir / "data").string(), "--grace", "0s"}), 0);
  auto after = published_kids();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(std::find(during.begin(), during.end(), after[0]), during.end());
  // New tokens are signed with the newest key.
  auto cc = post(std::string("/") + kTenant + "/oauth2/v2.0/token",
                 std::string("grant_type=client_credentials&client_id=") + kGateway +
                     "&client_secret=demo-gateway-secret-not-for-production&scope=api://" + kMcpApi + "/.default");
  ASSERT_EQ(cc.status, 200) << cc.body;
  EXPECT_EQ(auth::parse_jwt(json::parse(cc.body).at("access_token").as_string())->header_string("kid"), after[0]);
}

TEST_F(IdpProcess, OversizedBodyGetsAnEntraShapedError) {
  auto r = post(std::string("/") + kTenant + "/oauth2/v2.0/token", "grant_type=" + std::string(100 * 1024, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "invalid_request");
}

TEST_F(IdpProcess, MalformedHttpIsA400AndTheServerKeepsServing) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(server.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string garbage = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_EQ(::send(fd, garbage.data(), garbage.size(), 0), ssize_t(garbage.size()));
  char buf[512] = {0};
  auto n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, size_t(n)).rfind("HTTP/1.1 400", 0), 0u) << buf;
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(IdpProcess, SigtermStopsItCleanly) { EXPECT_EQ(server.process->stop(), 0); }

TEST_F(IdpProcess, BusyPortIsReportedClearly) {
  ChildProcess second(testing::mcpgate_binary(),
                      {"idp", "--data-dir", (dir / "data2").string(), "--port", std::to_string(server.port)},
                      dir / "second.log");
  EXPECT_EQ(second.wait_exit(std::chrono::seconds(30)), 1);
  EXPECT_NE(second.output().find("already in use"), std::string::npos) << second.output();
}

TEST(IdpCli, RefusesNonLoopbackWithoutAllowRemote) {
  TempDir dir;
  ChildProcess p(testing::mcpgate_binary(), {"idp", "--host", "0.0.0.0", "--data-dir", (dir / "d").string()},
                 dir / "log");
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(30)), 1);
  EXPECT_NE(p.output().find("--allow-remote"), std::string::npos) << p.output();
}

TEST(IdpCli, BadConfigurationNamesTheYamlPath) {
  TempDir dir;
  write_file_atomically(dir / "idp.yaml", "tenants:\n  - id: 42\n");
  ChildProcess p(testing::mcpgate_binary(), {"idp", "check-config", (dir / "idp.yaml").string()}, dir / "log");
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(30)), 1);
  EXPECT_NE(p.output().find("tenants[0].id: must be a GUID"), std::string::npos) << p.output();
}

TEST(IdpCli, DemoConfigurationPrintsAndValidates) {
  TempDir dir;
  ChildProcess print(testing::mcpgate_binary(), {"idp", "print-config"}, dir / "demo.yaml");
  ASSERT_EQ(print.wait_exit(std::chrono::seconds(30)), 0);
  ChildProcess check(testing::mcpgate_binary(), {"idp", "check-config", (dir / "demo.yaml").string()}, dir / "log");
  EXPECT_EQ(check.wait_exit(std::chrono::seconds(30)), 0) << check.output();
}

TEST(IdpTls, ServesHttpsWithTheDevelopmentCa) {
  TempDir dir;
  auto server = testing::start_mcpgate({"idp", "--tls", "--data-dir", (dir / "d").string()}, dir.path());
  auto url =
      "https://localhost:" + std::to_string(server.port) + "/" + kTenant + "/v2.0/.well-known/openid-configuration";
  auto r = http::fetch({"GET", url}, {.ca_file = (dir / "d/tls/ca.pem").string()});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("issuer").as_string(),
            "https://localhost:" + std::to_string(server.port) + "/" + kTenant + "/v2.0");
}

}  // namespace
}  // namespace mcpgate
