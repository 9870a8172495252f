// `mcpgate admin`: the guide's dashboard steps (Part 4) against the server's data directory.
#include <iostream>

#include "admin/admin_cli.hpp"
#include "commands.hpp"
#include "store/sqlite_store.hpp"

namespace mcpgate::app {

namespace {

struct AdminOptions {
  std::string data_dir;
  std::string authority = "https://login.microsoftonline.com";
  std::string ca_file;
};

}  // namespace

Command add_admin_command(CLI::App& app) {
  auto o = std::make_shared<AdminOptions>();
  auto* cmd = app.add_subcommand(
      "admin", "Administer the MCP server's store: teamspaces, Entra configuration, users, API keys, usage");
  cmd->add_option("--data-dir", o->data_dir, "the server's data directory");
  cmd->add_option("--authority", o->authority, "Entra authority for `entra test`")->capture_default_str();
  cmd->add_option("--ca-file", o->ca_file, "extra CA for `entra test`");
  // Everything from the first word on is the admin command itself (see `mcpgate admin help`).
  cmd->prefix_command();
  return {cmd, [o, cmd] {
            namespace fs = std::filesystem;
            fs::path data = o->data_dir.empty() ? default_data_dir("server") : fs::path(o->data_dir);
            auto store = store::open_sqlite_store(data / "mcpgate.db", SystemClock::instance());
            admin::AdminCliOptions options;
            options.authority = o->authority;
            if (!o->ca_file.empty()) options.ca_file = o->ca_file;
            return admin::run_admin_command(cmd->remaining(), *store, options, std::cout, std::cerr);
          }};
}

}  // namespace mcpgate::app
