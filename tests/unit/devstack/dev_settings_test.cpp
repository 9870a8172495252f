#include "devstack/dev_settings.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "config/yaml_reader.hpp"
#include "idp/config.hpp"
#include "proxy/gateway_config.hpp"
#include "server/server_config.hpp"

namespace mcpgate::devstack {
namespace {

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

DevSettings settings() {
  DevSettings s;
  s.data_dir = "/var/tmp/mcpgate dev's data";  // a space and a quote: paths must survive YAML
  s.gateway_port = 18410;
  s.server_port = 18420;
  s.idp_port = 18400;
  return s;
}

TEST(DevSettings, OneHostNameThroughout) {
  auto s = settings();
  EXPECT_EQ(idp_url(s), "http://localhost:18400");
  EXPECT_EQ(mcp_url(s), "http://localhost:18410/context7/mcp");
  EXPECT_EQ(authority(s), std::string("http://localhost:18400/") + idp::demo::kTenantId);
  s.idp_tls = true;
  EXPECT_EQ(idp_url(s), "https://localhost:18400");
}

TEST(DevSettings, TheIdpYamlIsTheDemoTenantWithAPublicUrl) {
  auto config = idp::parse_config(config::YamlReader::from_string(idp_yaml(settings()), "idp.yaml"));
  EXPECT_EQ(config.public_url, "http://localhost:18400");
  ASSERT_NE(config.tenant(idp::demo::kTenantId), nullptr);
}

TEST(DevSettings, TheGatewayYamlIsTheGuidesPolicy) {
  // The secret is a ${file:} reference; the file need not exist to check the rest.
  auto text = gateway_yaml(settings(), std::nullopt);
  EXPECT_FALSE(mentions(text, idp::demo::kGatewaySecret));
  EXPECT_TRUE(mentions(text, "${file:/var/tmp/mcpgate dev''s data/secrets/gateway-client-secret}"));
  auto yaml = text;
  yaml.replace(yaml.find("client_secret: "), std::string("client_secret: ").size(), "client_secret: x\n  #");
  EXPECT_TRUE(mentions(yaml, "key: '${file:/var/tmp/mcpgate dev''s data/secrets/gateway-key}'"));
  yaml.replace(yaml.find("  key: "), std::string("  key: ").size(),
               "  key: a-key-of-at-least-thirty-two-characters\n  #");
  auto c = proxy::parse_gateway_config(config::YamlReader::from_string(yaml, "gateway.yaml"));
  EXPECT_EQ(c.public_url, "http://localhost:18410");
  EXPECT_EQ(c.port, 18410);
  EXPECT_EQ(c.authority, "http://localhost:18400");
  EXPECT_EQ(c.tenant_id, idp::demo::kTenantId);
  EXPECT_EQ(c.client.client_id, idp::demo::kGatewayApp);
  EXPECT_TRUE(c.registration.enabled);
  EXPECT_TRUE(c.authorization_server.enabled) << "the gateway signs users in itself: iss, consent, CIMD";
  EXPECT_TRUE(c.authorization_server.metadata_documents.allow_private_addresses);
  ASSERT_EQ(c.routes.size(), 1u);
  auto& r = c.routes[0];
  EXPECT_EQ(r.prefix, "/context7");
  EXPECT_EQ(r.upstream, "http://127.0.0.1:18420");
  EXPECT_EQ(r.rewrites, (std::vector<std::pair<std::string, std::string>>{{"/mcp", "/mcp/oauth"}}));
  EXPECT_EQ(r.audiences, std::vector<std::string>{idp::demo::kGatewayApp});
  EXPECT_EQ(r.scopes, std::vector<std::string>{"Mcp.Gateway.Access"});
  EXPECT_EQ(r.obo_scope, std::string("api://") + idp::demo::kMcpApiApp + "/.default");
  EXPECT_EQ(c.audit_log, "/var/tmp/mcpgate dev's data/logs/audit.jsonl");
  EXPECT_FALSE(c.ca_file);
}

TEST(DevSettings, TheServerYamlPointsAtTheIdpAndTheDataDirectory) {
  auto c = server::parse_server_config(
      config::YamlReader::from_string(server_yaml(settings(), std::nullopt), "server.yaml"));
  EXPECT_EQ(c.port, 18420);
  EXPECT_EQ(c.authority, "http://localhost:18400");
  EXPECT_EQ(c.data_dir, "/var/tmp/mcpgate dev's data/server");
}

TEST(DevSettings, WithTlsBothTrustTheDevelopmentCa) {
  auto s = settings();
  s.idp_tls = true;
  EXPECT_TRUE(mentions(gateway_yaml(s, std::filesystem::path("/ca.pem")), "ca_file: '/ca.pem'"));
  EXPECT_TRUE(mentions(server_yaml(s, std::filesystem::path("/ca.pem")), "ca_file: '/ca.pem'"));
  EXPECT_TRUE(mentions(gateway_yaml(s, std::nullopt), "authority: https://localhost:18400"));
}

TEST(DevSettings, ClientConfigurationIsReadyToPaste) {
  auto url = std::string("http://localhost:18410/context7/mcp");
  auto vscode = boost::json::parse(vscode_mcp_json(url));
  EXPECT_EQ(vscode.at("servers").at("context7").at("type").as_string(), "http");
  EXPECT_EQ(vscode.at("servers").at("context7").at("url").as_string(), url);
  auto cursor = boost::json::parse(cursor_mcp_json(url));
  EXPECT_EQ(cursor.at("mcpServers").at("context7").at("url").as_string(), url);
  EXPECT_EQ(claude_code_command(url), "claude mcp add --transport http context7 " + url + "\n");
}

TEST(DevSettings, DemoUsersComeFromTheDemoTenantAndCarolIsNotProvisioned) {
  auto users = demo_users();
  ASSERT_EQ(users.size(), 4u);
  for (const auto& u : users) {
    EXPECT_EQ(u.provisioned, u.upn != "carol@contoso.dev") << u.upn;
    EXPECT_EQ(u.mfa_required, u.upn == "dave@contoso.dev") << u.upn;
  }
  EXPECT_EQ(users[0].oid, "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01");
}

TEST(DevSettings, TheSummaryNamesTheUrlTheClientsTheUsersAndTheData) {
  auto text = summary(settings(), std::nullopt, {"Fastify", "Zod"});
  for (auto part : {"http://localhost:18410/context7/mcp", "\"servers\"", "claude mcp add --transport http",
                    "mcpServers", "alice@contoso.dev", "carol@contoso.dev", "user_not_provisioned",
                    "/var/tmp/mcpgate dev's data/config", "audit.jsonl", "Ctrl-C"})
    EXPECT_TRUE(mentions(text, part)) << part;
  EXPECT_FALSE(mentions(text, idp::demo::kGatewaySecret));
  EXPECT_TRUE(mentions(text, "Indexed (2): Fastify, Zod."));
  EXPECT_FALSE(mentions(text, "Node.js 18 API")) << "only what is indexed is named";
  EXPECT_TRUE(mentions(summary(settings(), std::nullopt, {}), "No documentation is indexed yet"));
  EXPECT_TRUE(mentions(text, "/dashboard/")) << "the dashboard and who to sign in as";
}

TEST(DevSettings, StackJsonListsEveryUrl) {
  auto doc = boost::json::parse(stack_json(settings())).as_object();
  EXPECT_EQ(doc.at("mcp_url").as_string(), "http://localhost:18410/context7/mcp");
  EXPECT_EQ(doc.at("idp").as_string(), "http://localhost:18400");
  EXPECT_EQ(doc.at("tenant_id").as_string(), idp::demo::kTenantId);
}

TEST(DevSettings, LayoutKeepsEachComponentInItsOwnFolder) {
  auto l = layout(settings());
  EXPECT_EQ(l.server_dir, std::filesystem::path("/var/tmp/mcpgate dev's data/server"));
  EXPECT_EQ(l.idp_dir, std::filesystem::path("/var/tmp/mcpgate dev's data/idp"));
  EXPECT_EQ(l.stack_file, std::filesystem::path("/var/tmp/mcpgate dev's data/stack.json"));
}

}  // namespace
}  // namespace mcpgate::devstack
