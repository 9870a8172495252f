#pragma once
// Subcommands that live in files of their own. Each adds itself to the command line and returns
// what main() runs when it was the one parsed; main() keeps only the dispatch.
#include <filesystem>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace mcpgate::app {

struct Command {
  CLI::App* cli = nullptr;
  std::function<int()> run;
};

Command add_dev_command(CLI::App& app);     // dev_command.cpp
Command add_doctor_command(CLI::App& app);  // doctor_command.cpp
Command add_index_command(CLI::App& app);   // index_command.cpp

// Where a component keeps its data when no --data-dir is given: $XDG_DATA_HOME/mcpgate/<component>,
// else ~/.local/share/mcpgate/<component>.
std::filesystem::path default_data_dir(const std::string& component);

}  // namespace mcpgate::app
