// Two `mcpgate server` processes on one real PostgreSQL: started at once, they migrate it once;
// what an admin writes through one is served by the other; a server killed with SIGKILL in the
// middle of admin writes loses none that it acknowledged.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/files.hpp"
#include "http/client.hpp"
#include "support/idp_client.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

constexpr const char* kAdminToken = "shared-store-admin-token-0123456789";

std::string user_oid(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "30000000-0000-4000-8000-%012x", n);
  return text;
}

class SharedStore : public ::testing::Test {
 protected:
  void SetUp() override {
    postgres = std::make_unique<PostgresServer>(dir.path());
    database = postgres->create_database();
    ::setenv("MCPGATE_TEST_ADMIN_TOKEN", kAdminToken, 1);
    ::setenv("MCPGATE_TEST_DB_PASSWORD", postgres->password().c_str(), 1);
    // Both at once, as a deployment's servers start: the migrations must still run once.
    std::vector<std::thread> starts;
    for (int i = 0; i < 2; ++i) {
      auto data = dir / ("server" + std::to_string(i));
      write_file_atomically(dir / ("server" + std::to_string(i) + ".yaml"),
                            "listen: {host: 127.0.0.1, port: 0}\n"
                            "data_dir: '" +
                                data.string() +
                                "'\n"
                                "store:\n"
                                "  url: " +
                                postgres->url(database) +
                                "\n"
                                "  password: ${env:MCPGATE_TEST_DB_PASSWORD}\n"
                                "  pool: 4\n"
                                "admin:\n"
                                "  token: ${env:MCPGATE_TEST_ADMIN_TOKEN}\n");
    }
    for (int i = 0; i < 2; ++i)
      starts.emplace_back([this, i] {
        servers[i] = start_mcpgate({"server", "--config", (dir / ("server" + std::to_string(i) + ".yaml")).string()},
                                   dir.path());
      });
    for (auto& start : starts) start.join();
    for (int i = 0; i < 2; ++i) bases[i] = "http://127.0.0.1:" + std::to_string(servers[i].port);
  }

  http::Response admin(int server, const std::string& method, const std::string& path, const std::string& body = "") {
    http::ClientRequest r{method, bases[server] + "/admin/v1" + path, {}, body};
    r.headers.add("Authorization", std::string("Bearer ") + kAdminToken);
    if (!body.empty()) r.headers.add("Content-Type", "application/json");
    return http::fetch(r);
  }

  TempDir dir;
  std::unique_ptr<PostgresServer> postgres;
  std::string database;
  RunningServer servers[2];
  std::string bases[2];
};

TEST_F(SharedStore, ServersStartedTogetherMigrateOnceAndServeEachOthersWrites) {
  auto versions = postgres->admin_query(database, "SELECT COUNT(*) FROM schema_version");
  EXPECT_EQ(versions.at(0).integer(0), 2);  // each migration once, though both ran them

  ASSERT_EQ(admin(0, "POST", "/teamspaces", R"({"name":"contoso","plan":"enterprise"})").status, 201);
  auto entra = admin(1, "PUT", "/teamspaces/contoso/entra",
                     std::string(R"({"tenant_id":")") + kDemoTenant + R"(","audience":")" + kDemoMcpApiApp +
                         R"(","required_scope":"mcp.access"})");
  ASSERT_EQ(entra.status, 200) << entra.body;
  auto key = admin(1, "POST", "/teamspaces/contoso/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(key.status, 201) << key.body;
  std::string secret(json::parse(key.body).at("secret").as_string());

  // The key made through server 1 opens server 0's MCP endpoint.
  http::ClientRequest initialize{
      "POST",
      bases[0] + "/mcp",
      {},
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"};
  initialize.headers.add("Content-Type", "application/json");
  initialize.headers.add("Accept", "application/json, text/event-stream");
  initialize.headers.add("Authorization", "Bearer " + secret);
  auto answer = http::fetch(initialize);
  EXPECT_EQ(answer.status, 200) << answer.body;
  auto audit = admin(0, "GET", "/teamspaces/contoso/audit");
  EXPECT_NE(audit.body.find("entra.set"), std::string::npos) << audit.body;
}

TEST_F(SharedStore, AServerKilledMidWritesLosesNoAcknowledgedWrite) {
  ASSERT_EQ(admin(0, "POST", "/teamspaces", R"({"name":"contoso","plan":"enterprise"})").status, 201);
  ASSERT_EQ(admin(0, "PUT", "/teamspaces/contoso/entra",
                  std::string(R"({"tenant_id":")") + kDemoTenant + R"(","audience":")" + kDemoMcpApiApp +
                      R"(","required_scope":"mcp.access"})")
                .status,
            200);
  // A writer adds users through server 0 until it dies; every 201 it saw is an acknowledged write.
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int n = 0; !stop.load() && n < 100000; ++n) {
      try {
        auto added = admin(0, "POST", "/teamspaces/contoso/users",
                           R"({"email":"dev)" + std::to_string(n) + R"(@contoso.dev","oid":")" + user_oid(n) + R"("})");
        if (added.status != 201) break;
      } catch (const http::ClientError&) {
        break;  // the server is gone: this write was never acknowledged
      }
      acknowledged = n + 1;
    }
  });
  ASSERT_TRUE(eventually([&] { return acknowledged.load() >= 25; }, std::chrono::seconds(60)));
  ::kill(servers[0].process->pid(), SIGKILL);
  stop = true;
  writer.join();
  servers[0].process->wait_exit(std::chrono::seconds(10));

  int written = acknowledged.load();
  auto users = admin(1, "GET", "/teamspaces/contoso/users.csv");
  ASSERT_EQ(users.status, 200) << users.body;
  for (int n = 0; n < written; ++n)
    EXPECT_NE(users.body.find(user_oid(n)), std::string::npos) << "acknowledged write " << n << " was lost";
  std::printf("acknowledged before the kill: %d; rows now: %zu\n", written,
              size_t(std::count(users.body.begin(), users.body.end(), '\n')));
  // Server 1 keeps taking writes.
  EXPECT_EQ(admin(1, "POST", "/teamspaces/contoso/users",
                  std::string(R"({"email":"after@contoso.dev","oid":")") + user_oid(999999) + R"("})")
                .status,
            201);
}

// The offline tools follow the configuration to PostgreSQL, and refuse a data directory whose
// server keeps its store there rather than writing to a SQLite file nobody reads.
TEST_F(SharedStore, AdminToolsFollowTheConfigurationToPostgres) {
  auto admin_cli = [&](std::vector<std::string> args) {
    ChildProcess cli(mcpgate_binary(), args, dir / "admin.log");
    auto status = cli.wait_exit(std::chrono::seconds(30));
    return std::make_pair(status.value_or(-1), cli.output());
  };
  auto [created, out] = admin_cli(
      {"admin", "--config", (dir / "server0.yaml").string(), "teamspace", "create", "offline", "--plan", "pro"});
  EXPECT_EQ(created, 0) << out;
  auto listed = admin(1, "GET", "/teamspaces/offline");
  EXPECT_EQ(listed.status, 200) << listed.body;

  auto [refused, why] = admin_cli({"admin", "--data-dir", (dir / "server0").string(), "teamspace", "list"});
  EXPECT_NE(refused, 0);
  EXPECT_NE(why.find("--config"), std::string::npos) << why;
  EXPECT_FALSE(std::filesystem::exists(dir / "server0" / "mcpgate.db"));
}

// Indexed once, through one server's configuration: the other server serves it within seconds,
// without reading the sources; removed the same way, it is gone from both.
TEST_F(SharedStore, DocumentationIndexedOnceIsServedByEveryServer) {
  std::filesystem::create_directories(dir / "widgets");
  write_file_atomically(dir / "widgets" / "README.md",
                        "# Widgets\n\nWidgets render charts on dashboards.\n\n## Render a chart\n\n```js\n"
                        "widgets.chart({type: 'bar'})\n```\n");
  ASSERT_EQ(admin(0, "POST", "/teamspaces", R"({"name":"contoso","plan":"pro"})").status, 201);
  auto key = admin(0, "POST", "/teamspaces/contoso/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(key.status, 201) << key.body;
  std::string secret(json::parse(key.body).at("secret").as_string());
  auto search = [&](int server) {
    http::ClientRequest r{"GET", bases[server] + "/api/v2/libs/search?libraryName=widgets&query=chart", {}, {}};
    r.headers.add("Authorization", "Bearer " + secret);
    return http::fetch(r);
  };
  auto index = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"index", "--config", (dir / "server0.yaml").string()});
    ChildProcess cli(mcpgate_binary(), args, dir / "index.log");
    auto status = cli.wait_exit(std::chrono::seconds(60));
    EXPECT_EQ(status, 0) << cli.output();
    return cli.output();
  };

  auto output = index({"add", (dir / "widgets").string(), "--id", "/acme/widgets"});
  EXPECT_NE(output.find("published"), std::string::npos) << output;
  std::filesystem::remove_all(dir / "widgets");  // the other server never reads the sources
  EXPECT_TRUE(
      eventually([&] { return search(1).body.find("/acme/widgets") != std::string::npos; }, std::chrono::seconds(20)))
      << search(1).body;
  EXPECT_TRUE(
      eventually([&] { return search(0).body.find("/acme/widgets") != std::string::npos; }, std::chrono::seconds(20)));

  index({"remove", "/acme/widgets"});
  EXPECT_TRUE(
      eventually([&] { return search(1).body.find("/acme/widgets") == std::string::npos; }, std::chrono::seconds(20)))
      << search(1).body;
}

}  // namespace
}  // namespace mcpgate
