#pragma once
#include <cstdint>
#include <memory>

#include "common/clock.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::proxy {

// The gateway: route → verify → exchange On-Behalf-Of → forward → stream, plus the OAuth
// discovery surface and operations endpoints. Binds its port on construction.
class Gateway {
 public:
  Gateway(GatewayConfig config, const Clock& clock);
  ~Gateway();
  uint16_t port() const;
  void run();  // until stop(), SIGINT or SIGTERM (streams get shutdown_grace to finish)
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::proxy
