// A cluster on one machine: HAProxy (Debian's, with deploy/haproxy.cfg as shipped) in front of
// three `mcpgate gateway` processes sharing one Redis, a real IdP and a real upstream. Bounded
// MCP traffic for several users goes through HAProxy while one gateway is killed with SIGKILL.
#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/files.hpp"
#include "gateway_yaml.hpp"
#include "http/client.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MCPGATE_TEST_GATEWAY_SECRET", kDemoGatewaySecret, 1);
    ::setenv("MCPGATE_TEST_TOKEN_KEY", "a-sealing-secret-shared-by-the-gateways", 1);
    ::setenv("MCPGATE_TEST_SESSION_KEY", "a-session-key-shared-by-every-gateway-0", 1);
    redis = std::make_unique<RedisServer>(dir.path());
    idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
    upstream = start_server(binary_from_env("MCPGATE_TEST_UPSTREAM"), {}, dir.path(), false);
    std::string up = "http://127.0.0.1:" + std::to_string(upstream.port);
    std::string shared = "session_key: ${env:MCPGATE_TEST_SESSION_KEY}\nredis:\n  url: " + redis->url() +
                         "\n  token_keys:\n    - id: k1\n      secret: ${env:MCPGATE_TEST_TOKEN_KEY}\n";
    write_file_atomically(
        dir / "gateway.yaml",
        demo_gateway_yaml(
            idp.port,
            demo_route_yaml("/mcp", up) + demo_route_yaml("/limited", up, "    rate_limit: {requests: 5, per: 1h}\n"),
            "off", shared));
    for (int i = 0; i < 3; ++i) {
      gateways.push_back(start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path()));
      ::setenv(("MCPGATE_GATEWAY" + std::to_string(i + 1)).c_str(),
               ("127.0.0.1:" + std::to_string(gateways.back().port)).c_str(), 1);
    }
    int front = free_port();
    int stats = free_port();
    ::setenv("MCPGATE_LISTEN", ("127.0.0.1:" + std::to_string(front)).c_str(), 1);
    ::setenv("MCPGATE_HAPROXY_STATS", ("127.0.0.1:" + std::to_string(stats)).c_str(), 1);
    haproxy = std::make_unique<ChildProcess>(
        "/usr/sbin/haproxy",
        std::vector<std::string>{"-db", "-f", std::string(MCPGATE_SOURCE_DIR) + "/deploy/haproxy.cfg"},
        dir / "haproxy.log");
    base = "http://127.0.0.1:" + std::to_string(front);
    ASSERT_TRUE(eventually([&] {
      try {
        return http::fetch({"GET", base + "/readyz"}).status == 200;
      } catch (const std::exception&) {
        return false;
      }
    })) << haproxy->output();
  }

  int call(const std::string& token, const std::string& route = "/mcp") {
    http::ClientRequest r{"POST",
                          base + route + "/mcp",
                          {},
                          R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id"}})"};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    r.headers.add("Authorization", "Bearer " + token);
    try {
      return http::fetch(r).status;
    } catch (const std::exception&) {
      return 0;  // the connection failed: counted as a failure
    }
  }

  long obo_exchanges(const std::string& oid) {
    auto stats = json::parse(http::fetch({"GET", idp_base + "/_dev/stats"}).body);
    auto* n = stats.at("on_behalf_of_by_user").as_object().if_contains(std::string(kDemoTenant) + "/" + oid);
    return n ? long(n->as_int64()) : 0;
  }

  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  RunningServer idp, upstream;
  std::vector<RunningServer> gateways;
  std::unique_ptr<ChildProcess> haproxy;
  std::string idp_base, base;
};

TEST_F(Cluster, AGatewayKilledUnderLoadLosesOnlyWhatItHeldAndEachUserIsExchangedOnce) {
  std::vector<std::pair<std::string, std::string>> users{{gateway_token(idp_base, "alice@contoso.dev"), kAliceOid},
                                                         {gateway_token(idp_base, "bob@contoso.dev"), kBobOid},
                                                         {gateway_token(idp_base, "carol@contoso.dev"), kCarolOid}};
  constexpr int kWorkers = 6, kEach = 60;
  std::atomic<int> done{0};
  std::mutex mutex;
  std::map<int, int> statuses;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w)
    workers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        int status = call(users[(w + i) % users.size()].first);
        std::lock_guard guard(mutex);
        ++statuses[status];
        ++done;
      }
    });
  // A third of the way through, one gateway dies without a word.
  ASSERT_TRUE(eventually([&] { return done.load() >= kWorkers * kEach / 3; }, std::chrono::seconds(60)));
  ::kill(gateways[1].process->pid(), SIGKILL);
  for (auto& t : workers) t.join();
  int failed = kWorkers * kEach - statuses[200];
  std::string summary;
  for (auto& [status, count] : statuses) summary += " " + std::to_string(status) + "×" + std::to_string(count);
  std::printf("cluster: %d requests through HAProxy, %d failed (in flight on the killed gateway at most %d):%s\n",
              kWorkers * kEach, failed, kWorkers, summary.c_str());
  EXPECT_LE(failed, kWorkers) << summary;
  for (auto& [token, oid] : users) EXPECT_EQ(obo_exchanges(oid), 1) << oid;
}

TEST_F(Cluster, AUserOverTheRateLimitIsRefusedWhicheverGatewayAnswers) {
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(bob, "/limited"), 200) << i;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(call(bob, "/limited"), 429) << i;  // round robin: every gateway twice
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  EXPECT_EQ(call(alice, "/limited"), 200);
}

}  // namespace
}  // namespace mcpgate
