// `mcpgate check-gateway-config`: validates a gateway configuration without starting anything.
#include <iostream>

#include "commands.hpp"
#include "config/yaml_reader.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::app {

Command add_check_gateway_config_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("check-gateway-config", "Validate a gateway configuration file and exit");
  cmd->add_option("file", *file, "YAML file")->required();
  return {cmd, [file] {
            auto config = proxy::parse_gateway_config(config::YamlReader::from_file(*file));
            std::cout << *file << ": valid (" << config.routes.size() << " route(s))\n";
            for (const auto& advice : proxy::config_advisories(config)) std::cout << "note: " << advice << "\n";
            return 0;
          }};
}

}  // namespace mcpgate::app
