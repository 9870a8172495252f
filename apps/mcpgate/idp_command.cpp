// `mcpgate idp`: the development identity provider, and its key, TLS and configuration helpers.
#include <iostream>
#include <optional>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "common/duration.hpp"
#include "common/files.hpp"
#include "config/yaml_reader.hpp"
#include "http/local_tls.hpp"
#include "http/server.hpp"
#include "idp/config.hpp"
#include "idp/identity_provider.hpp"
#include "idp/keystore.hpp"

namespace mcpgate::app {

namespace {

namespace fs = std::filesystem;

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host.rfind("127.", 0) == 0; }

struct IdpOptions {
  std::string config_file;
  std::string data_dir;
  std::string host = "127.0.0.1";
  int port = 9400;
  bool tls = false;
  bool allow_remote = false;
  std::string port_file;
  int threads = 2;
  std::string grace = "1h";
};

fs::path data_dir_of(const IdpOptions& o) {
  return o.data_dir.empty() ? default_data_dir("idp") : fs::path(o.data_dir);
}

int run_idp(const IdpOptions& o) {
  idp::IdpConfig config =
      o.config_file.empty() ? idp::demo_config() : idp::parse_config(config::YamlReader::from_file(o.config_file));
  if (!is_loopback(o.host) && !o.allow_remote)
    throw std::runtime_error("refusing to listen on " + o.host +
                             ": the development identity provider is for this machine only. Pass --allow-remote if "
                             "you really mean to expose it.");
  fs::path data = data_dir_of(o);
  ensure_private_directory(data);
  idp::KeyStore keys(data, SystemClock::instance());
  idp::IdentityProvider provider(std::move(config), keys, SystemClock::instance());

  http::ServerOptions server_options;
  server_options.host = o.host;
  server_options.port = uint16_t(o.port);
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
  write_port_file(o.port_file, server.port());
  server.run();
  spdlog::info("stopped");
  return 0;
}

int rotate_keys(const IdpOptions& o) {
  auto grace = parse_duration(o.grace);
  if (!grace) throw std::runtime_error("--grace: '" + o.grace + "' is not a duration such as 1h or 0s");
  auto kid = idp::KeyStore::rotate(data_dir_of(o), std::chrono::duration_cast<std::chrono::seconds>(*grace),
                                   SystemClock::instance());
  std::cout << "new signing key " << kid << "; older keys retire in " << format_duration(*grace) << "\n";
  return 0;
}

int check_config(const IdpOptions& o) {
  auto config = idp::parse_config(config::YamlReader::from_file(o.config_file));
  std::cout << o.config_file << ": valid (" << config.tenants.size() << " tenant(s))\n";
  return 0;
}

}  // namespace

Command add_idp_command(CLI::App& app) {
  auto o = std::make_shared<IdpOptions>();
  auto* cmd = app.add_subcommand("idp", "Development identity provider imitating Microsoft Entra ID (v2 endpoints)");
  cmd->add_option("-c,--config", o->config_file, "YAML configuration (default: the built-in demo tenant)");
  cmd->add_option("--data-dir", o->data_dir, "where signing keys and TLS files live");
  cmd->add_option("--host", o->host, "address to listen on")->capture_default_str();
  add_port_options(cmd, o->port, o->port_file, "port to listen on");
  cmd->add_flag("--tls", o->tls, "serve HTTPS with a local development CA (MSAL needs https)");
  cmd->add_flag("--allow-remote", o->allow_remote, "allow listening on a non-loopback address");
  cmd->add_option("--threads", o->threads, "worker threads")->capture_default_str()->check(CLI::Range(1, 64));

  auto* rotate = cmd->add_subcommand("rotate-keys", "Add a new signing key and retire the others after a grace period");
  rotate->add_option("--data-dir", o->data_dir, "the identity provider's data directory");
  rotate->add_option("--grace", o->grace, "how long retired keys stay published (e.g. 1h, 0s)")->capture_default_str();
  auto* print = cmd->add_subcommand("print-config", "Print the built-in demo configuration (a starting point)");
  auto* init_tls =
      cmd->add_subcommand("init-tls", "Create the local development CA and server certificate, print the CA path");
  init_tls->add_option("--data-dir", o->data_dir, "the identity provider's data directory");
  auto* check = cmd->add_subcommand("check-config", "Validate a configuration file and exit");
  check->add_option("file", o->config_file, "YAML file")->required();

  return {cmd, [o, rotate, print, init_tls, check] {
            if (rotate->parsed()) return rotate_keys(*o);
            if (print->parsed()) {
              std::cout << idp::demo_config_yaml();
              return 0;
            }
            if (init_tls->parsed()) {
              std::cout << http::ensure_local_tls(data_dir_of(*o) / "tls").ca_certificate.string() << "\n";
              return 0;
            }
            if (check->parsed()) return check_config(*o);
            return run_idp(*o);
          }};
}

}  // namespace mcpgate::app
