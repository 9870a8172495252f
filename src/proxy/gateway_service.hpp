#pragma once
#include <memory>
#include <string_view>

#include "common/clock.hpp"
#include "http/async.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::http {
class Upstream;
}
namespace mcpgate::exchange {
class SharedTokenCache;
}
namespace mcpgate::redis {
class Client;
}

namespace mcpgate::proxy {

// What a gateway shares with the others of a cluster (config.redis); nothing by default.
struct GatewayShared {
  exchange::SharedTokenCache* tokens = nullptr;
  redis::Client* redis = nullptr;  // rate limits
};

// What the gateway does with one request, without sockets: route; answer locally (discovery,
// health, metrics, registration); bridge /token; or verify → exchange On-Behalf-Of → forward →
// relay, with metrics and the audit line. Everything it sends goes through an http::Upstream, so
// all of it is tested with a fake one (tests/unit/proxy/gateway_service_test.cpp); Gateway wires
// it to a listening server and the pooled client.
class GatewayService {
 public:
  using Shared = GatewayShared;
  // `outside`: where client metadata documents are fetched from (the `upstream` when null).
  GatewayService(GatewayConfig config, const Clock& clock, http::Upstream& upstream, http::Upstream* outside = nullptr,
                 Shared shared = {});
  ~GatewayService();

  const GatewayConfig& config() const;
  // The caller keeps `request` and `out` alive until the returned task completes.
  http::Task<void> handle(http::Request& request, http::ResponseWriter& out);
  // The verdict on a request's head, before its body is read: a refusal for a path that cannot
  // be routed unambiguously, a token in the query, a missing or invalid bearer token (judged
  // with the keys already loaded; anything that needs a fetch is left to handle()). Never blocks.
  std::optional<http::Response> admit(const http::Request& head);
  // A stop has begun: /readyz answers 503 so load balancers send nothing more.
  void begin_drain();
  // Keeps the tenant's signing keys fresh; runs until its executor stops.
  http::Task<void> refresh_keys_forever();
  // Health-checks the MCP servers of routes that have several; returns at once when none has.
  http::Task<void> check_upstreams_forever();
  // What the HTTP layer answers for requests it refuses itself (too large, malformed, too slow).
  static http::Response error_response(int status, std::string_view message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::proxy
