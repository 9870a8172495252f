#include "server/server_config.hpp"

#include <gtest/gtest.h>

namespace mcpgate::server {
namespace {

ServerConfig parse(const std::string& yaml) {
  return parse_server_config(config::YamlReader::from_string(yaml, "s.yaml"));
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ServerConfig, ReadsEverySectionAndDerivesThePublicUrl) {
  auto c = parse(
      "listen: {host: 127.0.0.1, port: 8091}\n"
      "data_dir: /var/lib/mcpgate\n"
      "entra: {authority: 'http://127.0.0.1:9400/'}\n"
      "mcp: {require_api_key: false, stateless: true, allowed_origins: ['https://app.example'], diagnostic_tools: "
      "true}\n"
      "oauth: {authorization_servers: ['https://login.microsoftonline.com/t/v2.0'], scopes_supported: "
      "[api://x/mcp.access]}\n");
  EXPECT_EQ(c.port, 8091);
  EXPECT_EQ(c.public_url, "http://localhost:8091");
  EXPECT_EQ(c.authority, "http://127.0.0.1:9400");
  EXPECT_FALSE(c.require_api_key);
  EXPECT_TRUE(c.stateless);
  EXPECT_EQ(c.allowed_origins, std::vector<std::string>{"https://app.example"});
  EXPECT_EQ(c.scopes_supported, std::vector<std::string>{"api://x/mcp.access"});
  EXPECT_EQ(c.data_dir, "/var/lib/mcpgate");
}

TEST(ServerConfig, ErrorsNameTheYamlPath) {
  EXPECT_NE(error_of("listen: {port: 70000}\ndata_dir: d\n").find("listen.port"), std::string::npos);
  EXPECT_NE(error_of("data_dir: d\nentra: {authority: 'ftp://x'}\n").find("entra.authority"), std::string::npos);
  EXPECT_NE(error_of("data_dir: d\nadmin: {token: short}\n").find("admin.token: must be at least 24"),
            std::string::npos);
  EXPECT_NE(error_of("data_dir: d\nmcp: {stateles: true}\n").find("mcp.stateles: unknown key"), std::string::npos);
  EXPECT_NE(error_of("listen: {port: 1}\n").find("data_dir: is required"), std::string::npos);
}

TEST(ServerConfig, DefaultsNeedOnlyADataDirectory) {
  auto c = default_server_config("/tmp/x");
  EXPECT_TRUE(c.require_api_key);
  EXPECT_EQ(c.authority, "https://login.microsoftonline.com");
  EXPECT_EQ(c.data_dir, "/tmp/x");
}

}  // namespace
}  // namespace mcpgate::server
