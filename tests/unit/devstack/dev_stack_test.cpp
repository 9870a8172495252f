#include "devstack/dev_stack.hpp"

#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/files.hpp"
#include "http/client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::devstack {
namespace {

DevSettings any_ports(const std::filesystem::path& data_dir) {
  DevSettings s;
  s.data_dir = data_dir;
  s.gateway_port = 0;
  s.server_port = 0;
  s.idp_port = 0;
  return s;
}

// Runs a stack on its own thread and stops it when the test ends.
struct Running {
  explicit Running(DevSettings s) : stack(std::move(s)), thread([this] { status = stack.run(); }) {}
  ~Running() {
    stack.stop();
    thread.join();
  }
  DevStack stack;
  int status = -1;
  std::thread thread;
};

TEST(DevStack, ServesAllThreeComponentsAndStopsCleanly) {
  mcpgate::testing::TempDir dir;
  int status = -1;
  {
    DevStack stack(any_ports(dir.path()));
    const auto& s = stack.settings();
    EXPECT_NE(s.gateway_port, 0);
    EXPECT_NE(s.server_port, 0);
    EXPECT_NE(s.idp_port, 0);
    std::thread runner([&] { status = stack.run(); });
    auto discovery = http::fetch({"GET", authority(s) + "/v2.0/.well-known/openid-configuration"});
    EXPECT_EQ(discovery.status, 200);
    EXPECT_EQ(boost::json::parse(discovery.body).at("issuer").as_string(), authority(s) + "/v2.0");
    EXPECT_TRUE(mcpgate::testing::eventually([&] {
      return http::fetch({"GET", gateway_url(s) + "/readyz"}).status == 200;
    }));
    EXPECT_EQ(http::fetch({"GET", server_url(s) + "/ping"}).status, 200);
    stack.stop();
    runner.join();
  }
  EXPECT_EQ(status, 0);
  for (auto file : {"config/idp.yaml", "config/gateway.yaml", "config/server.yaml", "clients/vscode-mcp.json",
                    "clients/cursor-mcp.json", "clients/claude-code.sh", "stack.json", "server/mcpgate.db"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  auto secret = std::filesystem::status(dir / "secrets" / "gateway-client-secret").permissions();
  EXPECT_EQ(secret & std::filesystem::perms::group_all, std::filesystem::perms::none);
}

TEST(DevStack, WithIdpTlsTheGatewayTrustsTheDevelopmentCa) {
  mcpgate::testing::TempDir dir;
  auto settings = any_ports(dir.path());
  settings.idp_tls = true;
  Running running(settings);
  const auto& s = running.stack.settings();
  ASSERT_TRUE(running.stack.ca_file());
  http::ClientOptions trust{running.stack.ca_file()->string()};
  auto discovery = http::fetch({"GET", authority(s) + "/v2.0/.well-known/openid-configuration"}, trust);
  ASSERT_EQ(discovery.status, 200);
  EXPECT_EQ(boost::json::parse(discovery.body).at("issuer").as_string(),
            "https://localhost:" + std::to_string(s.idp_port) + "/" + idp::demo::kTenantId + "/v2.0");
  // Ready means the gateway fetched the tenant's keys, over TLS, trusting the development CA.
  EXPECT_TRUE(mcpgate::testing::eventually([&] {
    return http::fetch({"GET", gateway_url(s) + "/readyz"}).status == 200;
  }));
}

TEST(DevStack, ASecondStartKeepsTheSigningKeys) {
  mcpgate::testing::TempDir dir;
  auto keys = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir / "idp" / "keys"))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  { DevStack first(any_ports(dir.path())); }
  auto before = keys();
  ASSERT_FALSE(before.empty());
  { DevStack second(any_ports(dir.path())); }
  EXPECT_EQ(keys(), before);
}

TEST(DevStack, ABusyPortNamesTheOptionThatMovesIt) {
  mcpgate::testing::TempDir one, two;
  Running first(any_ports(one.path()));
  auto settings = any_ports(two.path());
  settings.gateway_port = first.stack.settings().gateway_port;
  try {
    DevStack second(settings);
    FAIL() << "started on a busy port";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("gateway: port " + std::to_string(settings.gateway_port)), std::string::npos) << what;
    EXPECT_NE(what.find("already in use"), std::string::npos) << what;
    EXPECT_NE(what.find("--port"), std::string::npos) << what;
  }
  auto idp_busy = any_ports(two.path());
  idp_busy.idp_port = first.stack.settings().idp_port;
  try {
    DevStack third(idp_busy);
    FAIL() << "started on a busy port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--idp-port"), std::string::npos) << e.what();
  }
}

TEST(DevStack, PickFreePortFindsOneNobodyUses) {
  auto port = pick_free_port("127.0.0.1");
  EXPECT_GT(port, 0);
  EXPECT_THROW(pick_free_port("not-an-address"), std::runtime_error);
}

}  // namespace
}  // namespace mcpgate::devstack
