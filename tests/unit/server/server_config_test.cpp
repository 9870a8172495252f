#include "server/server_config.hpp"

#include <cstdlib>

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

TEST(ServerConfig, TheDashboardSectionNamesItsTenantAppAndOwners) {
  EXPECT_FALSE(parse("data_dir: d\n").dashboard) << "off unless configured";
  ::setenv("MCPGATE_TEST_DASHBOARD_SECRET", "s3cret", 1);
  auto c = parse(
      "data_dir: d\npublic_url: https://mcp.contoso.com\nentra: {authority: 'http://127.0.0.1:9400'}\n"
      "dashboard:\n  tenant_id: 4A2C8F6E-1B3D-4E5F-9A7B-0C1D2E3F4A5B\n"
      "  client_id: 7c4e2b19-3d5a-4f6e-8b7c-1a2d3e4f5a06\n"
      "  client_secret: ${env:MCPGATE_TEST_DASHBOARD_SECRET}\n"
      "  owners: [9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01]\n  session_lifetime: 1h\n");
  ASSERT_TRUE(c.dashboard);
  EXPECT_EQ(c.dashboard->tenant_id, "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b");
  EXPECT_EQ(c.dashboard->client_secret, "s3cret");
  EXPECT_EQ(c.dashboard->public_url, "https://mcp.contoso.com");
  EXPECT_EQ(c.dashboard->authority, "http://127.0.0.1:9400");
  EXPECT_EQ(c.dashboard->owners.size(), 1u);
  EXPECT_EQ(c.dashboard->session_lifetime, std::chrono::hours(1));

  EXPECT_NE(error_of("data_dir: d\ndashboard: {tenant_id: contoso, client_id: 7c4e2b19-3d5a-4f6e-8b7c-1a2d3e4f5a06}\n")
                .find("dashboard.tenant_id: must be the directory (tenant) ID"),
            std::string::npos);
  EXPECT_NE(error_of("data_dir: d\ndashboard: {tenant_id: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b, client_id: "
                     "7c4e2b19-3d5a-4f6e-8b7c-1a2d3e4f5a06, owners: [alice@contoso.dev]}\n")
                .find("dashboard.owners: lists object IDs"),
            std::string::npos);
}

TEST(ServerConfig, TheStoreIsSQLiteUnlessAPostgresUrlIsGiven) {
  EXPECT_FALSE(parse("data_dir: /d\n").postgres);
  auto short_form = parse("data_dir: /d\nstore: postgres://mcpgate@db.internal:5432/mcpgate\n").postgres;
  ASSERT_TRUE(short_form);
  EXPECT_EQ(short_form->url, "postgres://mcpgate@db.internal:5432/mcpgate");
  EXPECT_FALSE(short_form->password);

  ::setenv("MCPGATE_TEST_DB_PASSWORD", "s3cret-from-env", 1);
  auto full = parse(
                  "data_dir: /d\n"
                  "store:\n"
                  "  url: postgres://mcpgate@db.internal/mcpgate?sslmode=verify-full\n"
                  "  password: ${env:MCPGATE_TEST_DB_PASSWORD}\n"
                  "  pool: 16\n"
                  "  connect_timeout: 3s\n")
                  .postgres;
  ASSERT_TRUE(full);
  EXPECT_EQ(full->password, "s3cret-from-env");
  EXPECT_EQ(full->pool_size, 16);
  EXPECT_EQ(full->connect_timeout, std::chrono::seconds(3));
}

TEST(ServerConfig, AStoreUrlWithAPasswordOrAnotherSchemeIsRefused) {
  auto with_password = error_of("data_dir: /d\nstore: postgres://mcpgate:hunter2@db/mcpgate\n");
  EXPECT_NE(with_password.find("store"), std::string::npos) << with_password;
  EXPECT_NE(with_password.find("${env:"), std::string::npos) << with_password;
  EXPECT_EQ(with_password.find("hunter2"), std::string::npos) << with_password;
  EXPECT_NE(error_of("data_dir: /d\nstore: {url: 'mysql://db/x'}\n").find("store.url"), std::string::npos);
  EXPECT_NE(error_of("data_dir: /d\nstore: {url: 'postgres://db/x', pool: 0}\n").find("store.pool"), std::string::npos);
  EXPECT_NE(error_of("data_dir: /d\nstore: {url: 'postgres://db/x', passwd: x}\n").find("passwd"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::server
