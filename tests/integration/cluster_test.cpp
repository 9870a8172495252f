// A cluster on one machine: HAProxy (Debian's, with deploy/haproxy.cfg as shipped) in front of
// three `mcpgate gateway` processes sharing one Redis, a real IdP and a real upstream. Bounded
// MCP traffic for several users goes through HAProxy while one gateway is killed with SIGKILL.
#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "shared_gateways.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

class Cluster : public SharedGatewaysTest {
 protected:
  void SetUp() override {
    start_gateways();
    for (int i = 0; i < 3; ++i)
      ::setenv(("MCPGATE_GATEWAY" + std::to_string(i + 1)).c_str(),
               ("127.0.0.1:" + std::to_string(gateways[i].port)).c_str(), 1);
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

  // The status through HAProxy; 0 when the connection failed.
  int call(const std::string& token, const std::string& route = "/mcp") {
    try {
      return SharedGatewaysTest::call(base, token, route).status;
    } catch (const std::exception&) {
      return 0;
    }
  }

  std::unique_ptr<ChildProcess> haproxy;
  std::string base;
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
  for (int i = 0; i < 6; ++i) EXPECT_EQ(call(bob, "/limited"), 200) << i;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(call(bob, "/limited"), 429) << i;  // round robin: every gateway twice
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  EXPECT_EQ(call(alice, "/limited"), 200);
}

}  // namespace
}  // namespace mcpgate
