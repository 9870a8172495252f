#pragma once
#include <string_view>

#include "config/yaml_reader.hpp"
#include "idp/model.hpp"

namespace mcpgate::idp {

// Reads and validates the whole identity provider configuration; throws config::ConfigError
// naming the YAML path of the first problem.
IdpConfig parse_config(const config::YamlReader& root);

// The built-in demonstration tenant: the seed's Part 2 app registrations, one to one.
std::string_view demo_config_yaml();
IdpConfig demo_config();

}  // namespace mcpgate::idp
