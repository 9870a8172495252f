// mcpgate: parses the command line and runs the subcommand it names. The subcommands, each in a
// file of its own, are listed in commands.cpp; no logic of its own lives here.
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
  using namespace mcpgate;
  try {
    CLI::App app{"mcpgate: MCP tools behind your organisation's Entra ID sign-in"};
    app.require_subcommand(1);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn or error")->capture_default_str();

    std::vector<app::Command> commands;
    for (auto add : app::all_commands()) commands.push_back(add(app));

    CLI11_PARSE(app, argc, argv);
    setup_logging(log_level);
    for (auto& command : commands)
      if (command.cli->parsed()) return command.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mcpgate: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "mcpgate: stopped by an unexpected error\n";
    return 1;
  }
}
