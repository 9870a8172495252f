#include "proxy/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "exchange/redis_token_cache.hpp"
#include "http/async.hpp"
#include "http/upstream.hpp"
#include "proxy/gateway_service.hpp"
#include "redis/client.hpp"

namespace mcpgate::proxy {

// Destroyed bottom-up: the pooled client before the server whose executor it uses, the service
// after the server, whose unfinished handlers may still refer to it.
struct Gateway::Impl {
  std::unique_ptr<GatewayService> service;  // set before the server serves anything
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::UpstreamClient> upstream;
  std::unique_ptr<http::UpstreamClient> outside;             // URLs clients choose: their own connection pool
  std::unique_ptr<exchange::RedisTokenCache> shared_tokens;  // with redis: set
  std::unique_ptr<redis::Client> shared_limits;
};

Gateway::Gateway(GatewayConfig config, const Clock& clock) : impl_(std::make_unique<Impl>()) {
  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.tls = config.tls;
  options.max_header_bytes = config.max_header_bytes;
  options.max_body_bytes = config.max_body_bytes;
  options.read_timeout = config.request_timeout;
  options.idle_timeout = config.idle_timeout;
  options.stop_on_signals = true;
  options.shutdown_grace = config.shutdown_grace;
  options.max_connections = config.max_connections;
  options.max_connections_per_client = config.max_connections_per_client;
  options.on_drain = [impl = impl_.get()] { impl->service->begin_drain(); };
  // The token is judged before the body is read: a request without a valid one costs a head.
  options.admit = [impl = impl_.get()](const http::Request& head) { return impl->service->admit(head); };
  impl_->server = http::make_streaming_server(
      options, [impl = impl_.get()](http::Request& r, http::ResponseWriter& w) { return impl->service->handle(r, w); },
      &GatewayService::error_response);
  http::UpstreamOptions upstream_options;
  upstream_options.ca_file = config.ca_file;
  impl_->upstream = std::make_unique<http::UpstreamClient>(http::server_executor(*impl_->server), upstream_options);
  http::UpstreamOptions outside_options;
  outside_options.ca_file = config.ca_file;
  outside_options.connect_timeout = config.authorization_server.metadata_documents.timeout;
  outside_options.max_idle_per_origin = 4;
  outside_options.public_addresses_only = !config.authorization_server.metadata_documents.allow_private_addresses;
  impl_->outside = std::make_unique<http::UpstreamClient>(http::server_executor(*impl_->server), outside_options);
  GatewayService::Shared shared;
  if (config.redis) {
    auto executor = http::server_executor(*impl_->server);
    impl_->shared_tokens = std::make_unique<exchange::RedisTokenCache>(executor, *config.redis, clock);
    impl_->shared_limits = std::make_unique<redis::Client>(executor, config.redis->redis, "mcpgate-gateway-limits");
    shared = {impl_->shared_tokens.get(), impl_->shared_limits.get()};
  }
  impl_->service =
      std::make_unique<GatewayService>(std::move(config), clock, *impl_->upstream, impl_->outside.get(), shared);
}

Gateway::~Gateway() = default;

uint16_t Gateway::port() const { return impl_->server->port(); }

void Gateway::run() {
  if (impl_->shared_tokens) {
    impl_->shared_tokens->start();
    impl_->shared_limits->start();
  }
  boost::asio::co_spawn(http::server_executor(*impl_->server), impl_->service->refresh_keys_forever(),
                        boost::asio::detached);
  boost::asio::co_spawn(http::server_executor(*impl_->server), impl_->service->check_upstreams_forever(),
                        boost::asio::detached);
  impl_->server->run();
}

void Gateway::stop() {
  if (impl_->shared_tokens) {
    impl_->shared_tokens->stop();
    impl_->shared_limits->stop();
  }
  impl_->server->stop();
}

}  // namespace mcpgate::proxy
