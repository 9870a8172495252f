// Gateway is the wiring of GatewayService (tested without sockets in gateway_service_test.cpp) to
// a listening server and the pooled upstream client: this checks the wiring over loopback.
#include "proxy/gateway.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "http/client.hpp"
#include "proxy/gateway_service.hpp"
#include "support/manual_clock.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

TEST(Gateway, ServesItsOwnEndpointsOnAFreePortAndStops) {
  auto config = testing::gateway_config();
  config.port = 0;
  config.authority = "http://127.0.0.1:1";  // nothing there: the keys stay unloaded
  config.audit_log = "off";
  mcpgate::testing::ManualClock clock;
  Gateway gateway(config, clock);
  ASSERT_NE(gateway.port(), 0);
  std::thread running([&] { gateway.run(); });
  auto base = "http://127.0.0.1:" + std::to_string(gateway.port());
  EXPECT_EQ(http::fetch({"GET", base + "/healthz"}).status, 200);
  auto ready = http::fetch({"GET", base + "/readyz"});
  EXPECT_EQ(ready.status, 503) << "not ready without the tenant's signing keys: " << ready.body;
  auto refused = http::fetch({"POST", base + "/context7/mcp", {}, "{}"});
  EXPECT_EQ(refused.status, 503) << refused.body;
  gateway.stop();
  running.join();
}

TEST(Gateway, ErrorsTheHttpLayerAnswersAreJson) {
  auto r = GatewayService::error_response(413, "the body is larger than 4 MiB");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find(R"("error":"request_too_large")"), std::string::npos) << r.body;
  EXPECT_NE(GatewayService::error_response(431, "x").body.find("headers_too_large"), std::string::npos);
  EXPECT_NE(GatewayService::error_response(400, "x").body.find("bad_request"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::proxy
