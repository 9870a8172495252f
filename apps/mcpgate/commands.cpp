#include "commands.hpp"

#include <array>
#include <cstdlib>

#include "common/files.hpp"

namespace mcpgate::app {

namespace {

// A new subcommand is one file and one line here.
constexpr std::array kCommands{
    &add_idp_command,    &add_gateway_command, &add_check_gateway_config_command,
    &add_server_command, &add_admin_command,   &add_index_command,
    &add_dev_command,    &add_doctor_command,  &add_forget_user_command,
};

}  // namespace

std::span<const AddCommand> all_commands() { return kCommands; }

void add_port_options(CLI::App* cmd, int& port, std::string& port_file, const std::string& port_help) {
  auto* option = cmd->add_option("-p,--port", port, port_help + " (0: any free port)")->check(CLI::Range(0, 65535));
  if (port >= 0) option->capture_default_str();
  cmd->add_option("--port-file", port_file, "write the bound port to this file once listening");
}

void write_port_file(const std::string& port_file, uint16_t port) {
  if (!port_file.empty()) write_file_atomically(port_file, std::to_string(port) + "\n");
}

std::filesystem::path default_data_dir(const std::string& component) {
  namespace fs = std::filesystem;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "mcpgate" / component;
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local/share/mcpgate" / component;
  return fs::path(".mcpgate") / component;
}

}  // namespace mcpgate::app
