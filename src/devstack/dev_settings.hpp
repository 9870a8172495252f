#pragma once
// `mcpgate dev`: the whole deployment of the guide on one machine. Everything here is a pure
// function of the settings, so the files written for the user and the ones the stack runs on
// are the same text.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mcpgate::devstack {

// The demo tenant of src/idp/demo.yaml (the guide's Part 2).
inline constexpr const char* kDemoTenant = "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
inline constexpr const char* kGatewayApp = "b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02";
inline constexpr const char* kMcpApiApp = "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01";
inline constexpr const char* kDemoGatewaySecret = "demo-gateway-secret-not-for-production";
inline constexpr const char* kTeamspace = "contoso";
inline constexpr const char* kRoutePrefix = "/context7";

struct DevSettings {
  std::filesystem::path data_dir;                   // absolute
  std::optional<std::filesystem::path> corpus_dir;  // the documentation sources to index
  std::string host = "127.0.0.1";                   // all three listen here (loopback only)
  // The one host name every URL uses: the IdP's issuer, the gateway's public URL, the clients'.
  std::string public_host = "localhost";
  uint16_t gateway_port = 9410;
  uint16_t server_port = 9420;
  uint16_t idp_port = 9400;
  bool idp_tls = false;
};

struct DevLayout {
  std::filesystem::path config_dir;   // idp.yaml, gateway.yaml, server.yaml
  std::filesystem::path clients_dir;  // vscode-mcp.json, cursor-mcp.json, claude-code.sh
  std::filesystem::path idp_dir;      // signing keys, development CA
  std::filesystem::path server_dir;   // the SQLite store (and the documentation index)
  std::filesystem::path logs_dir;     // audit.jsonl
  std::filesystem::path secret_file;  // the gateway app's client secret, owner-only
  std::filesystem::path stack_file;   // stack.json: every URL, for scripts and tests
};
DevLayout layout(const DevSettings& s);

// A demo user of the tenant and whether the teamspace lists them (carol deliberately not).
struct DemoUser {
  std::string upn;
  std::string oid;
  bool provisioned = false;
  bool mfa_required = false;
  std::string note;
};
// From the built-in demo tenant, so the oids can never drift from what the IdP issues.
std::vector<DemoUser> demo_users();

std::string idp_url(const DevSettings& s);      // e.g. http://localhost:9400
std::string gateway_url(const DevSettings& s);  // e.g. http://localhost:9410
std::string server_url(const DevSettings& s);   // e.g. http://localhost:9420
std::string mcp_url(const DevSettings& s);      // the gateway's /context7/mcp
std::string authority(const DevSettings& s);    // idp_url/<tenant>

// The configuration files the stack runs on. ca_file: the development CA when the IdP serves TLS.
std::string idp_yaml(const DevSettings& s);
std::string gateway_yaml(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file);
std::string server_yaml(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file);

// Ready-to-paste client configuration.
std::string vscode_mcp_json(const std::string& mcp_url);
std::string cursor_mcp_json(const std::string& mcp_url);
std::string claude_code_command(const std::string& mcp_url);

// {"mcp_url", "gateway", "server", "idp", "authority", "tenant_id", "data_dir", …} as JSON.
std::string stack_json(const DevSettings& s);

// What `mcpgate dev` prints once everything listens.
std::string summary(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file);

}  // namespace mcpgate::devstack
