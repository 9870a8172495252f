#pragma once
// The command registry. Each subcommand lives in <name>_command.cpp: it adds itself to the command
// line and returns what main() runs when it was the one parsed. commands.cpp lists them all;
// main() only parses and dispatches.
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

namespace mcpgate::app {

struct Command {
  CLI::App* cli = nullptr;
  std::function<int()> run;
};

using AddCommand = Command (*)(CLI::App&);

Command add_idp_command(CLI::App& app);                   // idp_command.cpp
Command add_gateway_command(CLI::App& app);               // gateway_command.cpp
Command add_check_gateway_config_command(CLI::App& app);  // check_gateway_config_command.cpp
Command add_server_command(CLI::App& app);                // server_command.cpp
Command add_admin_command(CLI::App& app);                 // admin_command.cpp
Command add_index_command(CLI::App& app);                 // index_command.cpp
Command add_dev_command(CLI::App& app);                   // dev_command.cpp
Command add_doctor_command(CLI::App& app);                // doctor_command.cpp
Command add_forget_user_command(CLI::App& app);           // forget_user_command.cpp

// -p/--port and --port-file, as every listening subcommand takes them; `port` keeps its value
// when the option is absent (a default port, or -1 for "as configured").
void add_port_options(CLI::App* cmd, int& port, std::string& port_file, const std::string& port_help);
// Once listening: the bound port into --port-file, when one was given (how tests and scripts
// find a port that was chosen with --port 0).
void write_port_file(const std::string& port_file, uint16_t port);

// Every subcommand, in the order `mcpgate --help` lists them.
std::span<const AddCommand> all_commands();

// Where a component keeps its data when no --data-dir is given: $XDG_DATA_HOME/mcpgate/<component>,
// else ~/.local/share/mcpgate/<component>.
std::filesystem::path default_data_dir(const std::string& component);

}  // namespace mcpgate::app
