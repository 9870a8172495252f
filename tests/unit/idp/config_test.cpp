#include "idp/config.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::idp {
namespace {

using config::ConfigError;
using config::YamlReader;

IdpConfig parse(const std::string& yaml) { return parse_config(YamlReader::from_string(yaml, "test.yaml")); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kMinimal = R"(
tenants:
  - id: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b
    users:
      - {oid: 9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01, upn: a@x.dev}
    apps:
      - {name: API, client_id: 3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01, scopes: [mcp.access], requested_access_token_version: 2}
)";

TEST(IdpConfig, DemoReproducesTheSeedsPart2) {
  auto c = demo_config();
  ASSERT_EQ(c.tenants.size(), 1u);
  auto& t = c.tenants[0];
  const App* api = t.app("api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01");
  const App* gateway = t.app("b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02");
  ASSERT_TRUE(api && gateway);
  EXPECT_EQ(api->name, "Context7 MCP API");
  EXPECT_EQ(api->scopes, std::vector<std::string>{"mcp.access"});
  EXPECT_EQ(api->access_token_version, 2);
  EXPECT_EQ(gateway->scopes, std::vector<std::string>{"Mcp.Gateway.Access"});
  EXPECT_FALSE(gateway->secrets.empty());
  ASSERT_NE(gateway->permission_on(*api), nullptr);
  EXPECT_TRUE(gateway->permission_on(*api)->admin_consent);
  EXPECT_NE(gateway->authorized_client("aebc6443-996d-45c2-90f0-388ff96faa56"), nullptr);
  EXPECT_NE(api->authorized_client(gateway->client_id), nullptr);
}

TEST(IdpConfig, DefaultsApplicationIdUriAndTokenVersion) {
  auto c = parse(kMinimal);
  auto& app = c.tenants[0].apps[0];
  EXPECT_EQ(app.identifier_uris, std::vector<std::string>{"api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01"});
  EXPECT_EQ(c.lifetimes.access_token, std::chrono::hours(1));
}

TEST(IdpConfig, ErrorsNameTheYamlPath) {
  EXPECT_NE(error_of("tenants:\n  - id: not-a-guid\n").find("tenants[0].id: must be a GUID"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "lifetimes: {access_token: soon}\n").find("lifetimes.access_token"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "auto_logn: true\n").find("auto_logn: unknown key"), std::string::npos);
  EXPECT_NE(error_of("tenants: []\n").find("at least one tenant"), std::string::npos);
  EXPECT_NE(error_of("tenants: [\n").find("not valid YAML"), std::string::npos);
}

TEST(IdpConfig, PermissionsMustPointAtExistingAppsAndScopes) {
  std::string yaml = std::string(kMinimal) +
                     "      - {client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02, api_permissions: "
                     "[{resource: 'api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01', delegated: [mcp.acess]}]}\n";
  auto e = error_of(yaml);
  EXPECT_NE(e.find("apps[1].api_permissions[0].delegated"), std::string::npos) << e;
  EXPECT_NE(e.find("mcp.acess"), std::string::npos);
}

TEST(IdpConfig, SecretsComeFromEnvironmentOrFile) {
  testing::TempDir dir;
  std::ofstream(dir / "secret") << "a-secret-from-a-file-123\n";
  ::setenv("MCPGATE_TEST_SECRET", "a-secret-from-the-environment", 1);
  auto c = parse(
      std::string(kMinimal) +
      "      - {client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02, secrets: ['${env:MCPGATE_TEST_SECRET}', '${file:" +
      (dir / "secret").string() + "}']}\n");
  EXPECT_EQ(c.tenants[0].apps[1].secrets,
            (std::vector<std::string>{"a-secret-from-the-environment", "a-secret-from-a-file-123"}));
  auto e = error_of(
      std::string(kMinimal) +
      "      - {client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02, secrets: ['${env:MCPGATE_TEST_UNSET_VAR}']}\n");
  EXPECT_NE(e.find("MCPGATE_TEST_UNSET_VAR, which is not set"), std::string::npos) << e;
}

TEST(IdpConfig, ShortSecretsAreRefused) {
  auto e =
      error_of(std::string(kMinimal) + "      - {client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02, secrets: [short]}\n");
  EXPECT_NE(e.find("at least 16 characters"), std::string::npos);
  EXPECT_EQ(e.find("short]"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::idp
