// `mcpgate gateway`: the API Management role (validation, On-Behalf-Of, streaming).
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "config/yaml_reader.hpp"
#include "proxy/gateway.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::app {

namespace {

struct GatewayOptions {
  std::string config_file;
  std::string port_file;
  int port = -1;
};

int run_gateway(const GatewayOptions& o) {
  auto config = proxy::parse_gateway_config(config::YamlReader::from_file(o.config_file));
  if (o.port >= 0) config.port = uint16_t(o.port);
  for (const auto& advice : proxy::config_advisories(config)) spdlog::warn("configuration: {}", advice);
  proxy::Gateway gateway(std::move(config), SystemClock::instance());
  spdlog::info("gateway listening on port {}", gateway.port());
  write_port_file(o.port_file, gateway.port());
  gateway.run();
  spdlog::info("gateway stopped");
  return 0;
}

}  // namespace

Command add_gateway_command(CLI::App& app) {
  auto o = std::make_shared<GatewayOptions>();
  auto* cmd =
      app.add_subcommand("gateway", "Entra ID gateway in front of MCP servers (validation, On-Behalf-Of, streaming)");
  cmd->add_option("-c,--config", o->config_file, "YAML configuration")->required();
  add_port_options(cmd, o->port, o->port_file, "override listen.port");
  return {cmd, [o] { return run_gateway(*o); }};
}

}  // namespace mcpgate::app
