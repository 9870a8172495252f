// `mcpgate server`: the MCP server (the hosted Context7 role).
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "config/yaml_reader.hpp"
#include "server/mcp_server.hpp"
#include "server/server_config.hpp"

namespace mcpgate::app {

namespace {

struct ServerOptions {
  std::string config_file;
  std::string data_dir;
  std::string port_file;
  int port = -1;
};

int run_server(const ServerOptions& o) {
  namespace fs = std::filesystem;
  auto config = o.config_file.empty() ? server::default_server_config(o.data_dir.empty() ? default_data_dir("server")
                                                                                         : fs::path(o.data_dir))
                                      : server::parse_server_config(config::YamlReader::from_file(o.config_file));
  if (!o.data_dir.empty()) config.data_dir = o.data_dir;
  if (o.port >= 0) {
    bool derived = config.public_url_derived && config.public_url == server::derived_public_url(config, config.port);
    config.port = uint16_t(o.port);
    if (derived) config.public_url = server::derived_public_url(config, config.port);
  }
  server::McpServer mcp_server(std::move(config), SystemClock::instance());
  spdlog::info("MCP server listening on port {} (/mcp with API keys, /mcp/oauth with Entra tokens)", mcp_server.port());
  write_port_file(o.port_file, mcp_server.port());
  mcp_server.run();
  return 0;
}

}  // namespace

Command add_server_command(CLI::App& app) {
  auto o = std::make_shared<ServerOptions>();
  auto* cmd = app.add_subcommand("server", "The MCP server: teamspaces, Entra tenant configuration, provisioned users");
  cmd->add_option("-c,--config", o->config_file, "YAML configuration (default: built-in defaults)");
  cmd->add_option("--data-dir", o->data_dir, "where the SQLite store lives");
  add_port_options(cmd, o->port, o->port_file, "override listen.port");
  return {cmd, [o] { return run_server(*o); }};
}

}  // namespace mcpgate::app
