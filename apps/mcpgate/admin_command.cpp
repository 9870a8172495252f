// `mcpgate admin`: the guide's dashboard steps (Part 4) against the server's data directory, or
// against a running server's admin REST API (--server).
#include <cstdlib>
#include <iostream>

#include "admin/admin_cli.hpp"
#include "admin/admin_client.hpp"
#include "commands.hpp"
#include "common/files.hpp"
#include "server/store_location.hpp"
#include "store/sqlite_store.hpp"

namespace mcpgate::app {

namespace {

struct AdminOptions {
  std::string data_dir;
  std::string config;
  std::string server;
  std::string token_file;
  std::string authority = "https://login.microsoftonline.com";
  std::string ca_file;
};

}  // namespace

Command add_admin_command(CLI::App& app) {
  auto o = std::make_shared<AdminOptions>();
  auto* cmd = app.add_subcommand(
      "admin", "Administer the MCP server's store: teamspaces, Entra configuration, users, API keys, usage");
  cmd->add_option("--data-dir", o->data_dir, "the server's data directory");
  cmd->add_option("--config", o->config,
                  "the server's configuration: its store, PostgreSQL (`store:`) or SQLite in its data directory");
  cmd->add_option("--server", o->server,
                  "a running server's URL: work through its admin REST API (token in MCPGATE_ADMIN_TOKEN or "
                  "--token-file) instead of the data directory");
  cmd->add_option("--token-file", o->token_file, "a file holding the server's admin token (with --server)");
  cmd->add_option("--authority", o->authority, "Entra authority for `entra test`")->capture_default_str();
  cmd->add_option("--ca-file", o->ca_file, "extra CA for `entra test`");
  // Everything from the first word on is the admin command itself (see `mcpgate admin help`).
  cmd->prefix_command();
  return {cmd, [o, cmd] {
            namespace fs = std::filesystem;
            if (!o->server.empty()) {
              if (!o->data_dir.empty() || !o->config.empty())
                throw std::runtime_error("--server, --config and --data-dir exclude each other; give one");
              admin::AdminClientOptions client;
              client.server_url = o->server;
              // The admin token may do everything: it travels in clear only to this machine.
              bool local = o->server.rfind("http://localhost", 0) == 0 || o->server.rfind("http://127.0.0.1", 0) == 0 ||
                           o->server.rfind("http://[::1]", 0) == 0;
              if (o->server.rfind("https://", 0) != 0 && !local)
                throw std::runtime_error("--server " + o->server +
                                         ": the admin token is sent only over https (or to this machine over http)");
              if (!o->ca_file.empty()) client.ca_file = o->ca_file;
              if (!o->token_file.empty()) {
                auto token = read_file(o->token_file);
                if (!token) throw std::runtime_error("--token-file: cannot read " + o->token_file);
                // A file written by an editor or `echo` ends in a newline that is no part of the token.
                auto end = token->find_last_not_of(" \t\r\n");
                client.admin_token = token->substr(0, end == std::string::npos ? 0 : end + 1);
              } else if (const char* token = std::getenv("MCPGATE_ADMIN_TOKEN")) {
                client.admin_token = token;
              } else {
                throw std::runtime_error(
                    "--server needs the server's admin token: set MCPGATE_ADMIN_TOKEN or give --token-file (never "
                    "on the command line, where other users can read it)");
              }
              admin::AdminClient remote(std::move(client));
              return admin::run_admin_command(cmd->remaining(), remote, std::cout, std::cerr);
            }
            std::unique_ptr<store::Store> store;
            if (!o->config.empty()) {
              if (!o->data_dir.empty())
                throw std::runtime_error("--config and --data-dir exclude each other; give one");
              auto config = server::parse_server_config(config::YamlReader::from_file(o->config));
              store = server::open_server_store(config, SystemClock::instance());
            } else {
              fs::path data = o->data_dir.empty() ? default_data_dir("server") : fs::path(o->data_dir);
              store = server::open_data_dir_store(data, SystemClock::instance());
            }
            admin::AdminCliOptions options;
            options.authority = o->authority;
            if (!o->ca_file.empty()) options.ca_file = o->ca_file;
            return admin::run_admin_command(cmd->remaining(), *store, options, std::cout, std::cerr);
          }};
}

}  // namespace mcpgate::app
