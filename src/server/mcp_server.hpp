#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "common/clock.hpp"
#include "mcp/tools.hpp"
#include "server/server_config.hpp"
#include "store/store.hpp"

namespace mcpgate::server {

// The MCP server: /mcp (API keys), /mcp/oauth (Entra tokens, two-stage validation), /ping,
// protected-resource metadata, and a usage record for every tools/call. Requests are parsed on
// I/O threads; authentication, the store and the tools run on worker threads.
class McpServer {
 public:
  using ToolInstaller = std::function<void(mcp::ToolRegistry&, store::Store&)>;
  McpServer(ServerConfig config, const Clock& clock, const ToolInstaller& install_tools = {});
  ~McpServer();
  uint16_t port() const;
  store::Store& store();
  void run();  // until stop(), SIGINT or SIGTERM
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::server
