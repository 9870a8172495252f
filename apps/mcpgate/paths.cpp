#include <cstdlib>

#include "commands.hpp"

namespace mcpgate::app {

std::filesystem::path default_data_dir(const std::string& component) {
  namespace fs = std::filesystem;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "mcpgate" / component;
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local/share/mcpgate" / component;
  return fs::path(".mcpgate") / component;
}

}  // namespace mcpgate::app
