// mcpgate: command line → configuration → wiring → run. No logic of its own lives here.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "admin/admin_cli.hpp"
#include "commands.hpp"
#include "common/duration.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "config/yaml_reader.hpp"
#include "http/local_tls.hpp"
#include "http/server.hpp"
#include "idp/config.hpp"
#include "idp/identity_provider.hpp"
#include "idp/keystore.hpp"
#include "proxy/gateway.hpp"
#include "proxy/gateway_config.hpp"
#include "server/mcp_server.hpp"
#include "server/server_config.hpp"
#include "store/sqlite_store.hpp"

namespace fs = std::filesystem;
using namespace mcpgate;

namespace {

using app::default_data_dir;

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host.rfind("127.", 0) == 0; }

struct IdpOptions {
  std::string config_file;
  std::string data_dir;
  std::string host = "127.0.0.1";
  uint16_t port = 9400;
  bool tls = false;
  bool allow_remote = false;
  std::string port_file;
  int threads = 2;
  std::string grace = "1h";
};

int run_idp(const IdpOptions& o) {
  idp::IdpConfig config =
      o.config_file.empty() ? idp::demo_config() : idp::parse_config(config::YamlReader::from_file(o.config_file));
  if (!is_loopback(o.host) && !o.allow_remote)
    throw std::runtime_error("refusing to listen on " + o.host +
                             ": the development identity provider is for this machine only. Pass --allow-remote if "
                             "you really mean to expose it.");
  fs::path data = o.data_dir.empty() ? default_data_dir("idp") : fs::path(o.data_dir);
  ensure_private_directory(data);
  idp::KeyStore keys(data, SystemClock::instance());
  idp::IdentityProvider provider(std::move(config), keys, SystemClock::instance());

  http::ServerOptions server_options;
  server_options.host = o.host;
  server_options.port = o.port;
  server_options.threads = o.threads;
  server_options.max_body_bytes = 64 * 1024;
  server_options.stop_on_signals = true;
  std::optional<http::LocalTls> tls;
  if (o.tls) {
    tls = http::ensure_local_tls(data / "tls");
    server_options.tls = tls->server;
  }
  http::Server server(
      server_options, [&](const http::Request& r) { return provider.handle(r); },
      [&](int status, std::string_view message) { return provider.error_response(status, message); });

  std::string host = o.host == "::1" ? "[::1]" : (o.host == "127.0.0.1" ? "localhost" : o.host);
  std::string base = std::string(o.tls ? "https" : "http") + "://" + host + ":" + std::to_string(server.port());
  spdlog::warn("mcpgate idp is a development identity provider: for development and tests only, never production");
  for (auto& t : provider.config().tenants)
    spdlog::info("tenant {} ({}): authority {}/{}  discovery {}/{}/v2.0/.well-known/openid-configuration", t.name, t.id,
                 base, t.id, base, t.id);
  if (tls)
    spdlog::info("TLS: clients must trust the CA {} (e.g. NODE_EXTRA_CA_CERTS={})", tls->ca_certificate.string(),
                 tls->ca_certificate.string());
  spdlog::info("signing keys in {}; rotate with: mcpgate idp rotate-keys --data-dir {}", (data / "keys").string(),
               data.string());
  spdlog::info("listening on {}", base);
  if (!o.port_file.empty()) write_file_atomically(o.port_file, std::to_string(server.port()) + "\n");
  server.run();
  spdlog::info("stopped");
  return 0;
}

struct GatewayOptions {
  std::string config_file;
  std::string port_file;
  int port = -1;
};

int run_gateway(const GatewayOptions& o) {
  auto config = proxy::parse_gateway_config(config::YamlReader::from_file(o.config_file));
  if (o.port >= 0) config.port = uint16_t(o.port);
  proxy::Gateway gateway(std::move(config), SystemClock::instance());
  spdlog::info("gateway listening on port {}", gateway.port());
  if (!o.port_file.empty()) write_file_atomically(o.port_file, std::to_string(gateway.port()) + "\n");
  gateway.run();
  spdlog::info("gateway stopped");
  return 0;
}

struct ServerCliOptions {
  std::string config_file;
  std::string data_dir;
  std::string port_file;
  int port = -1;
};

int run_server(const ServerCliOptions& o) {
  auto config = o.config_file.empty() ? server::default_server_config(o.data_dir.empty() ? default_data_dir("server")
                                                                                         : fs::path(o.data_dir))
                                      : server::parse_server_config(config::YamlReader::from_file(o.config_file));
  if (!o.data_dir.empty()) config.data_dir = o.data_dir;
  if (o.port >= 0) config.port = uint16_t(o.port);
  server::McpServer mcp_server(std::move(config), SystemClock::instance());
  spdlog::info("MCP server listening on port {} (/mcp with API keys, /mcp/oauth with Entra tokens)", mcp_server.port());
  if (!o.port_file.empty()) write_file_atomically(o.port_file, std::to_string(mcp_server.port()) + "\n");
  mcp_server.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpgate: MCP tools behind your organisation's Entra ID sign-in"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")->capture_default_str();

  IdpOptions idp_options;
  auto* idp_cmd =
      app.add_subcommand("idp", "Development identity provider imitating Microsoft Entra ID (v2 endpoints)");
  idp_cmd->add_option("-c,--config", idp_options.config_file, "YAML configuration (default: the built-in demo tenant)");
  idp_cmd->add_option("--data-dir", idp_options.data_dir, "where signing keys and TLS files live");
  idp_cmd->add_option("--host", idp_options.host, "address to listen on")->capture_default_str();
  idp_cmd->add_option("-p,--port", idp_options.port, "port to listen on (0: any free port)")->capture_default_str();
  idp_cmd->add_flag("--tls", idp_options.tls, "serve HTTPS with a local development CA (MSAL needs https)");
  idp_cmd->add_flag("--allow-remote", idp_options.allow_remote, "allow listening on a non-loopback address");
  idp_cmd->add_option("--port-file", idp_options.port_file, "write the bound port to this file once listening");
  idp_cmd->add_option("--threads", idp_options.threads, "worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));

  auto* rotate_cmd =
      idp_cmd->add_subcommand("rotate-keys", "Add a new signing key and retire the others after a grace period");
  rotate_cmd->add_option("--data-dir", idp_options.data_dir, "the identity provider's data directory");
  rotate_cmd->add_option("--grace", idp_options.grace, "how long retired keys stay published (e.g. 1h, 0s)")
      ->capture_default_str();
  auto* print_cmd = idp_cmd->add_subcommand("print-config", "Print the built-in demo configuration (a starting point)");
  auto* tls_cmd =
      idp_cmd->add_subcommand("init-tls", "Create the local development CA and server certificate, print the CA path");
  tls_cmd->add_option("--data-dir", idp_options.data_dir, "the identity provider's data directory");
  auto* check_cmd = idp_cmd->add_subcommand("check-config", "Validate a configuration file and exit");
  check_cmd->add_option("file", idp_options.config_file, "YAML file")->required();

  GatewayOptions gateway_options;
  auto* gateway_cmd =
      app.add_subcommand("gateway", "Entra ID gateway in front of MCP servers (validation, On-Behalf-Of, streaming)");
  gateway_cmd->add_option("-c,--config", gateway_options.config_file, "YAML configuration")->required();
  gateway_cmd->add_option("-p,--port", gateway_options.port, "override listen.port (0: any free port)");
  gateway_cmd->add_option("--port-file", gateway_options.port_file, "write the bound port to this file once listening");
  auto* gateway_check = app.add_subcommand("check-gateway-config", "Validate a gateway configuration file and exit");
  std::string gateway_check_file;
  gateway_check->add_option("file", gateway_check_file, "YAML file")->required();

  ServerCliOptions server_options;
  auto* server_cmd =
      app.add_subcommand("server", "The MCP server: teamspaces, Entra tenant configuration, provisioned users");
  server_cmd->add_option("-c,--config", server_options.config_file, "YAML configuration (default: built-in defaults)");
  server_cmd->add_option("--data-dir", server_options.data_dir, "where the SQLite store lives");
  server_cmd->add_option("-p,--port", server_options.port, "override listen.port (0: any free port)");
  server_cmd->add_option("--port-file", server_options.port_file, "write the bound port to this file once listening");

  std::string admin_data_dir, admin_authority = "https://login.microsoftonline.com", admin_ca_file;
  std::vector<std::string> admin_args;
  auto* admin_cmd = app.add_subcommand(
      "admin", "Administer the MCP server's store: teamspaces, Entra configuration, users, API keys, usage");
  admin_cmd->add_option("--data-dir", admin_data_dir, "the server's data directory");
  admin_cmd->add_option("--authority", admin_authority, "Entra authority for `entra test`")->capture_default_str();
  admin_cmd->add_option("--ca-file", admin_ca_file, "extra CA for `entra test`");
  // Everything from the first word on is the admin command itself (see `mcpgate admin help`).
  admin_cmd->prefix_command();

  // Commands in files of their own (see commands.hpp).
  std::vector<app::Command> commands;
  commands.push_back(app::add_dev_command(app));
  commands.push_back(app::add_doctor_command(app));
  commands.push_back(app::add_index_command(app));

  CLI11_PARSE(app, argc, argv);
  setup_logging(log_level);
  try {
    for (auto& command : commands)
      if (command.cli->parsed()) return command.run();
    if (gateway_cmd->parsed()) return run_gateway(gateway_options);
    if (server_cmd->parsed()) return run_server(server_options);
    if (admin_cmd->parsed()) {
      admin_args = admin_cmd->remaining();
      fs::path data = admin_data_dir.empty() ? default_data_dir("server") : fs::path(admin_data_dir);
      auto store = store::open_sqlite_store(data / "mcpgate.db", SystemClock::instance());
      admin::AdminCliOptions options;
      options.authority = admin_authority;
      if (!admin_ca_file.empty()) options.ca_file = admin_ca_file;
      return admin::run_admin_command(admin_args, *store, options, std::cout, std::cerr);
    }
    if (gateway_check->parsed()) {
      auto config = proxy::parse_gateway_config(config::YamlReader::from_file(gateway_check_file));
      std::cout << gateway_check_file << ": valid (" << config.routes.size() << " route(s))\n";
      return 0;
    }
    if (idp_cmd->parsed()) {
      fs::path data = idp_options.data_dir.empty() ? default_data_dir("idp") : fs::path(idp_options.data_dir);
      if (rotate_cmd->parsed()) {
        auto grace = parse_duration(idp_options.grace);
        if (!grace) throw std::runtime_error("--grace: '" + idp_options.grace + "' is not a duration such as 1h or 0s");
        auto kid = idp::KeyStore::rotate(data, std::chrono::duration_cast<std::chrono::seconds>(*grace),
                                         SystemClock::instance());
        std::cout << "new signing key " << kid << "; older keys retire in " << format_duration(*grace) << "\n";
        return 0;
      }
      if (print_cmd->parsed()) {
        std::cout << idp::demo_config_yaml();
        return 0;
      }
      if (tls_cmd->parsed()) {
        std::cout << http::ensure_local_tls(data / "tls").ca_certificate.string() << "\n";
        return 0;
      }
      if (check_cmd->parsed()) {
        auto config = idp::parse_config(config::YamlReader::from_file(idp_options.config_file));
        std::cout << idp_options.config_file << ": valid (" << config.tenants.size() << " tenant(s))\n";
        return 0;
      }
      return run_idp(idp_options);
    }
  } catch (const std::exception& e) {
    std::cerr << "mcpgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
