// McpServer as its users reach it: a real loopback listener on a free port (its only interface),
// a real SQLite store in a temporary folder, the blocking client.
#include "server/mcp_server.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "http/client.hpp"
#include "store/sqlite.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::server {
namespace {

class McpServerTest : public ::testing::Test {
 protected:
  McpServerTest() {
    auto config = default_server_config(dir.path());
    config.port = 0;
    config.public_url = "https://mcp.contoso.dev";
    server = std::make_unique<McpServer>(std::move(config), clock);
    auto created = server->store().create_teamspace("contoso", store::Plan::enterprise, std::nullopt);
    EXPECT_TRUE(created);
    auto key = server->store().create_api_key("contoso", "ci");
    EXPECT_TRUE(key);
    if (key) api_key = key->secret;
    thread = std::thread([this] { server->run(); });
  }
  ~McpServerTest() override {
    server->stop();
    thread.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server->port()) + path; }

  http::Response mcp(const std::string& path, const std::string& body, const std::string& bearer = "",
                     const std::string& session = "") {
    http::ClientRequest request{"POST", url(path), {}, body};
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Accept", "application/json, text/event-stream");
    if (!bearer.empty()) request.headers.add("Authorization", "Bearer " + bearer);
    if (!session.empty()) request.headers.add("Mcp-Session-Id", session);
    return http::fetch(request);
  }

  static std::string initialize() {
    return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
              "capabilities":{},"clientInfo":{"name":"unit","version":"0"}}})";
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  std::unique_ptr<McpServer> server;
  std::thread thread;
  std::string api_key;
};

TEST_F(McpServerTest, BindsAFreePortWhenAskedForZero) { EXPECT_NE(server->port(), 0); }

TEST(McpServerUrls, ADerivedPublicUrlNamesThePortReallyBound) {
  testing::TempDir dir;
  testing::ManualClock clock;
  auto config = parse_server_config(config::YamlReader::from_string(
      "listen: {host: 127.0.0.1, port: 0}\ndata_dir: '" + dir.path().string() + "'\n", "s.yaml"));
  McpServer server(std::move(config), clock);
  std::thread thread([&] { server.run(); });
  auto base = "http://127.0.0.1:" + std::to_string(server.port());
  auto prm = http::fetch({"GET", base + "/.well-known/oauth-protected-resource/mcp/oauth"});
  server.stop();
  thread.join();
  EXPECT_NE(prm.body.find("\"http://localhost:" + std::to_string(server.port()) + "/mcp/oauth\""), std::string::npos)
      << prm.body;
  EXPECT_EQ(prm.body.find("localhost:0"), std::string::npos);
  EXPECT_FALSE(prm.headers.get("WWW-Authenticate")) << "a challenge belongs to refusals only";
}

TEST_F(McpServerTest, ApiKeyOpensMcpAndAnswersInitialize) {
  auto r = mcp("/mcp", initialize(), api_key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.headers.get("Mcp-Session-Id").has_value());
  EXPECT_NE(r.body.find(R"("protocolVersion":"2025-06-18")"), std::string::npos) << r.body;
}

TEST_F(McpServerTest, MissingOrWrongKeyIsRefused) {
  EXPECT_EQ(mcp("/mcp", initialize()).status, 401);
  EXPECT_EQ(mcp("/mcp", initialize(), "ctx7sk-not-a-key").status, 401);
}

TEST_F(McpServerTest, OAuthEndpointChallengesWithItsMetadata) {
  auto r = mcp("/mcp/oauth", initialize());
  EXPECT_EQ(r.status, 401);
  auto challenge = std::string(r.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_NE(challenge.find("https://mcp.contoso.dev/.well-known/oauth-protected-resource"), std::string::npos)
      << challenge;
}

TEST_F(McpServerTest, PingAndMetadataAnswerWithoutCredentials) {
  EXPECT_EQ(http::fetch({"GET", url("/ping")}).status, 200);
  auto prm = http::fetch({"GET", url("/.well-known/oauth-protected-resource/mcp/oauth")});
  EXPECT_EQ(prm.status, 200) << prm.body;
}

TEST_F(McpServerTest, ReadinessAndMetricsSayWhenToolCallsGoUnrecorded) {
  auto ready = http::fetch({"GET", url("/readyz")});
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("\"ready\""), std::string::npos) << ready.body;
  auto session = std::string(mcp("/mcp", initialize(), api_key).headers.get("Mcp-Session-Id").value_or(""));
  auto call = [&](int id) {
    auto r = mcp(
        "/mcp",
        R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
            R"(,"method":"tools/call","params":{"name":"resolve-library-id","arguments":{"query":"x","libraryName":"zod"}}})",
        api_key, session);
    EXPECT_EQ(r.status, 200) << r.body;
  };
  call(1);
  {
    // The injected fault: the usage table is gone, as writes fail on a full disk.
    store::sqlite::Connection db(dir / "mcpgate.db");
    db.execute("ALTER TABLE usage_log RENAME TO usage_log_away");
  }
  call(2);  // still answered
  auto degraded = http::fetch({"GET", url("/readyz")});
  EXPECT_EQ(degraded.status, 200) << "answers do not need the write";
  EXPECT_NE(degraded.body.find("\"degraded\""), std::string::npos) << degraded.body;
  EXPECT_EQ(degraded.body.find(dir.path().string()), std::string::npos) << "no file path: " << degraded.body;
  auto metrics = http::fetch({"GET", url("/metrics")}).body;
  EXPECT_NE(metrics.find("mcpgate_server_usage_records_total{result=\"written\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mcpgate_server_usage_records_total{result=\"lost\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mcpgate_server_usage_records_failing 1\n"), std::string::npos) << metrics;
  {
    store::sqlite::Connection db(dir / "mcpgate.db");
    db.execute("ALTER TABLE usage_log_away RENAME TO usage_log");
  }
  call(3);
  EXPECT_NE(http::fetch({"GET", url("/readyz")}).body.find("\"ready\""), std::string::npos) << "recovered";
}

TEST_F(McpServerTest, StoreIsTheOneInTheDataFolder) {
  EXPECT_TRUE(std::filesystem::exists(dir / "mcpgate.db"));
  auto teamspaces = server->store().list_teamspaces();
  ASSERT_TRUE(teamspaces);
  ASSERT_EQ(teamspaces->size(), 1u);
  EXPECT_EQ(teamspaces->front().name, "contoso");
}

}  // namespace
}  // namespace mcpgate::server
