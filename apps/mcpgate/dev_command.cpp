// `mcpgate dev`: the guide's whole deployment on this machine, in one process.
#include <iostream>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "devstack/dev_stack.hpp"

namespace mcpgate::app {

namespace {

struct DevOptions {
  std::string data_dir;
  std::string corpus_dir;
  int port = 9410;
  int server_port = 9420;
  int idp_port = 9400;
  bool idp_tls = false;
  std::string port_file;
};

int run_dev(const DevOptions& o) {
  devstack::DevSettings settings;
  settings.data_dir = o.data_dir.empty() ? default_data_dir("dev") : std::filesystem::path(o.data_dir);
  if (!o.corpus_dir.empty()) {
    if (!std::filesystem::is_directory(o.corpus_dir))
      throw std::runtime_error("--corpus: " + o.corpus_dir +
                               " is not a directory; give the folder that holds the documentation sources "
                               "(in this repository: corpus/sources)");
    settings.corpus_dir = std::filesystem::absolute(o.corpus_dir);
  }
  settings.gateway_port = uint16_t(o.port);
  settings.server_port = uint16_t(o.server_port);
  settings.idp_port = uint16_t(o.idp_port);
  settings.idp_tls = o.idp_tls;

  devstack::DevStack stack(std::move(settings));
  spdlog::warn("mcpgate dev runs the development identity provider: for development only, never production");
  std::cout << devstack::summary(stack.settings(), stack.ca_file(), stack.libraries()) << std::flush;
  write_port_file(o.port_file, stack.settings().gateway_port);
  return stack.run();
}

}  // namespace

Command add_dev_command(CLI::App& app) {
  auto options = std::make_shared<DevOptions>();
  auto* cmd = app.add_subcommand(
      "dev", "Run the development identity provider, the MCP server and the gateway together, wired as in the guide");
  cmd->add_option("--data-dir", options->data_dir,
                  "where keys, the store, configuration and logs live "
                  "(default: ~/.local/share/mcpgate/dev)");
  add_port_options(cmd, options->port, options->port_file, "the gateway's port, the one MCP clients use");
  cmd->add_option("--server-port", options->server_port, "the MCP server's port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--idp-port", options->idp_port, "the identity provider's port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--corpus", options->corpus_dir, "documentation sources to index on first start (corpus/sources)");
  cmd->add_flag("--idp-tls", options->idp_tls,
                "serve the identity provider over HTTPS with a development CA (for MSAL, which refuses http "
                "authorities; MCP clients only talk to the gateway and need no https)");
  return {cmd, [options] { return run_dev(*options); }};
}

}  // namespace mcpgate::app
