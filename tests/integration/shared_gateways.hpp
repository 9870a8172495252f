#pragma once
// What the tests of several gateways share: a real Redis, the development IdP, a test upstream,
// three gateways configured alike (routes /mcp, /limited at 6 an hour, /quota at 4 a day), and
// the calls and counts they make.
#include <memory>
#include <string>
#include <vector>

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

namespace mcpgate::testing {

class SharedGatewaysTest : public ::testing::Test {
 protected:
  // Starts Redis, the IdP, the upstream and three gateways sharing Redis and a session key.
  void start_gateways() {
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
        demo_gateway_yaml(idp.port,
                          demo_route_yaml("/mcp", up) +
                              demo_route_yaml("/limited", up, "    rate_limit: {requests: 6, per: 1h}\n") +
                              demo_route_yaml("/quota", up, "    quota: {requests: 4, per: 1d}\n"),
                          "off", shared));
    for (int i = 0; i < 3; ++i) {
      gateways.push_back(start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path()));
      bases.push_back("http://127.0.0.1:" + std::to_string(gateways.back().port));
    }
  }

  // A tools/call with `token` on `route` of the gateway (or load balancer) at `base`.
  static http::Response call(const std::string& base, const std::string& token, const std::string& route = "/mcp") {
    http::ClientRequest r{"POST",
                          base + route + "/mcp",
                          {},
                          R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id"}})"};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    r.headers.add("Authorization", "Bearer " + token);
    return http::fetch(r);
  }

  // How often the IdP exchanged this user's token On-Behalf-Of, for all gateways together.
  long obo_exchanges(const std::string& oid) const {
    auto stats = boost::json::parse(http::fetch({"GET", idp_base + "/_dev/stats"}).body);
    auto* n = stats.at("on_behalf_of_by_user").as_object().if_contains(std::string(kDemoTenant) + "/" + oid);
    return n ? long(n->as_int64()) : 0;
  }

  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  RunningServer idp, upstream;
  std::vector<RunningServer> gateways;
  std::vector<std::string> bases;  // each gateway's own URL
  std::string idp_base;
};

}  // namespace mcpgate::testing
