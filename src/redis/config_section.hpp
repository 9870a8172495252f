#pragma once
// The `redis:` section the gateway and the server share: where Redis is, how to sign in to it
// (secrets by reference), and the key prefix of the deployment.
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_reader.hpp"
#include "redis/client.hpp"

namespace mcpgate::redis {

struct Connection {
  Settings settings;
  std::string prefix = "mcpgate:";  // the same on every gateway and server of one deployment
};

// The keys it reads; a caller that reads more adds its own before allow_only().
std::vector<std::string_view> connection_keys();

// Reads the connection keys of `section` (a present `redis:` map). Throws ConfigError naming the key.
Connection read_connection(const config::YamlReader& section);

}  // namespace mcpgate::redis
