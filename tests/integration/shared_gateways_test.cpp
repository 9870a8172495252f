// Three `mcpgate gateway` processes sharing one real Redis (Debian's redis-server), between a
// real `mcpgate idp` and a real upstream: one On-Behalf-Of exchange per user across all of them,
// rate limits that hold whichever gateway answers, and Redis going away and coming back.
#include "shared_gateways.hpp"

#include <atomic>
#include <thread>

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

class SharedGateways : public SharedGatewaysTest {
 protected:
  void SetUp() override {
    start_gateways();
    for (auto& base : bases)
      ASSERT_TRUE(eventually([&] { return redis_state(base) == "connected"; })) << readyz(base).body;
  }

  http::Response readyz(const std::string& base) { return http::fetch({"GET", base + "/readyz"}); }
  std::string redis_state(const std::string& base) {
    auto r = readyz(base);
    if (r.status != 200) return "unready";
    auto body = json::parse(r.body);
    auto* state = body.as_object().if_contains("redis");
    return state ? std::string(state->as_string()) : "absent";
  }

  long metric(const std::string& base, const std::string& name) {
    auto text = http::fetch({"GET", base + "/metrics"}).body;
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stol(text.substr(at + name.size() + 2));
  }
};

TEST_F(SharedGateways, ConcurrentFirstRequestsOnThreeGatewaysCauseOneExchange) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&, i] {
      if (call(bases[i % 3], alice).status == 200) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 12);
  EXPECT_EQ(obo_exchanges(kAliceOid), 1);
  long shared_hits = 0;
  for (auto& base : bases) shared_hits += metric(base, "mcpgate_obo_shared_cache_hits_total");
  EXPECT_EQ(shared_hits, 2);  // the two gateways that did not exchange took the token from Redis
  // And the token forwarded is Alice's, on every gateway.
  for (auto& base : bases) {
    auto seen = json::parse(call(base, alice).body).as_object();
    EXPECT_EQ(seen.at("claims").at("oid").as_string(), kAliceOid);
  }
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  auto seen = json::parse(call(bases[1], bob).body).as_object();
  EXPECT_EQ(seen.at("claims").at("oid").as_string(), kBobOid);
  EXPECT_EQ(obo_exchanges(kBobOid), 1);
}

TEST_F(SharedGateways, ARateLimitHoldsWhicheverGatewayAnswers) {
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  for (int i = 0; i < 6; ++i) ASSERT_EQ(call(bases[i % 3], bob, "/limited").status, 200) << i;
  for (auto& base : bases) {
    auto refused = call(base, bob, "/limited");
    EXPECT_EQ(refused.status, 429) << base;
    EXPECT_EQ(refused.headers.get("RateLimit-Limit").value_or(""), "6");
    EXPECT_EQ(refused.headers.get("RateLimit-Remaining").value_or(""), "0");
    EXPECT_EQ(refused.headers.get("Retry-After").value_or(""), "600");
  }
  // Alice's budget is her own, and Bob's other route is not limited.
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  EXPECT_EQ(call(bases[0], alice, "/limited").status, 200);
  EXPECT_EQ(call(bases[0], bob, "/mcp").status, 200);
}

TEST_F(SharedGateways, AQuotaHoldsWhicheverGatewayAnswers) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  for (int i = 0; i < 4; ++i) {
    auto r = call(bases[i % 3], alice, "/quota");
    ASSERT_EQ(r.status, 200) << i << r.body;
  }
  for (auto& base : bases) {
    auto refused = call(base, alice, "/quota");
    EXPECT_EQ(refused.status, 429) << base;
    EXPECT_NE(refused.body.find("quota_exceeded"), std::string::npos) << refused.body;
    auto retry = std::stol(std::string(refused.headers.get("Retry-After").value_or("0")));
    EXPECT_GT(retry, 0);
    EXPECT_LE(retry, 86400);  // until midnight UTC
  }
}

// An offboarding without mcpgate server (the guide's own deployment, with the hosted MCP server):
// the operator drops the user's tokens on every gateway at once.
TEST_F(SharedGateways, ForgetUserDropsTheTokensOnEveryGateway) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  for (auto& base : bases) {
    ASSERT_EQ(call(base, alice).status, 200);
    ASSERT_EQ(call(base, bob).status, 200);
  }
  ASSERT_EQ(obo_exchanges(kAliceOid), 1);
  auto shared_hits = [&] {
    long n = 0;
    for (auto& base : bases) n += metric(base, "mcpgate_obo_shared_cache_hits_total");
    return n;
  };
  const long hits_before = shared_hits();  // the two gateways that took each user's token from Redis
  ChildProcess forget(mcpgate_binary(),
                      {"forget-user", "--config", (dir / "gateway.yaml").string(), "--oid", kAliceOid},
                      dir / "forget.log");
  ASSERT_EQ(forget.wait_exit(std::chrono::seconds(30)), 0) << forget.output();
  // Every gateway was told: Alice's next requests need one new exchange (for all of them), Bob's none.
  ASSERT_TRUE(eventually([&] {
    for (auto& base : bases) call(base, alice);
    return obo_exchanges(kAliceOid) == 2;
  }));
  for (auto& base : bases) EXPECT_EQ(call(base, alice).status, 200);
  EXPECT_EQ(obo_exchanges(kAliceOid), 2);
  for (auto& base : bases) EXPECT_EQ(call(base, bob).status, 200);
  EXPECT_EQ(obo_exchanges(kBobOid), 1);
  // And each gateway had dropped its own copy: the two that did not exchange took the new token
  // from Redis (one that kept the old one would not have asked).
  EXPECT_TRUE(eventually([&] { return shared_hits() == hits_before + 2; })) << shared_hits() << " vs " << hits_before;

  ChildProcess not_a_guid(mcpgate_binary(),
                          {"forget-user", "--config", (dir / "gateway.yaml").string(), "--oid", "alice@contoso.dev"},
                          dir / "forget-email.log");
  EXPECT_EQ(not_a_guid.wait_exit(std::chrono::seconds(30)), 2);
  EXPECT_NE(not_a_guid.output().find("Object ID"), std::string::npos) << not_a_guid.output();
}

TEST_F(SharedGateways, WithoutRedisTheGatewaysKeepServingAndSaySo) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(bases[0], alice).status, 200);
  redis->kill();
  for (auto& base : bases) ASSERT_TRUE(eventually([&] { return redis_state(base) != "connected"; }));
  EXPECT_EQ(metric(bases[0], "mcpgate_redis_up"), 0);
  // Still ready: a load balancer must not take every gateway out because Redis is down.
  EXPECT_EQ(readyz(bases[1]).status, 200);
  // A cached user is served from the gateway's own cache; a new one is exchanged directly.
  EXPECT_EQ(call(bases[0], alice).status, 200);
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  EXPECT_EQ(call(bases[1], bob).status, 200);
  EXPECT_EQ(call(bases[1], bob, "/limited").status, 200);
  EXPECT_EQ(obo_exchanges(kBobOid), 1);

  redis->restart();
  for (auto& base : bases) ASSERT_TRUE(eventually([&] { return redis_state(base) == "connected"; }));
  EXPECT_EQ(metric(bases[0], "mcpgate_redis_up"), 1);
  // Shared again: Carol exchanged on one gateway is served by the others from Redis.
  auto carol = gateway_token(idp_base, "carol@contoso.dev");
  for (auto& base : bases) EXPECT_EQ(call(base, carol).status, 200);
  EXPECT_EQ(obo_exchanges(kCarolOid), 1);
}

}  // namespace
}  // namespace mcpgate
