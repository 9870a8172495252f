// A gateway configuration file: every refusal must be a ConfigError naming the YAML path.
#include <cstdint>
#include <string_view>

#include "config/yaml_reader.hpp"
#include "proxy/gateway_config.hpp"

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto reader =
        config::YamlReader::from_string(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    (void)proxy::parse_gateway_config(reader);
  } catch (const config::ConfigError&) {
  }
  return 0;
}
