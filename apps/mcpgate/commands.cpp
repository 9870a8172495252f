#include "commands.hpp"

#include <array>
#include <cstdlib>

namespace mcpgate::app {

namespace {

// A new subcommand is one file and one line here.
constexpr std::array kCommands{
    &add_idp_command,    &add_gateway_command, &add_check_gateway_config_command,
    &add_server_command, &add_admin_command,   &add_index_command,
    &add_dev_command,    &add_doctor_command,
};

}  // namespace

std::span<const AddCommand> all_commands() { return kCommands; }

std::filesystem::path default_data_dir(const std::string& component) {
  namespace fs = std::filesystem;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "mcpgate" / component;
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local/share/mcpgate" / component;
  return fs::path(".mcpgate") / component;
}

}  // namespace mcpgate::app
