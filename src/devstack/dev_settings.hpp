#pragma once
// `mcpgate dev`: the whole deployment of the guide on one machine. Everything here is a pure
// function of the settings, so the files written for the user and the ones the stack runs on
// are the same text.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "idp/demo_tenant.hpp"

namespace mcpgate::devstack {

// The demo tenant (the guide's Part 2) is idp::demo (src/idp/demo_tenant.hpp); these are the
// names `mcpgate dev` adds to it.
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
  std::filesystem::path key_file;     // the gateway's own key (client IDs, consents), owner-only
  std::filesystem::path tls_dir;      // the development CA and a certificate for localhost
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

std::string idp_url(const DevSettings& s);        // e.g. http://localhost:9400
std::string gateway_url(const DevSettings& s);    // e.g. http://localhost:9410
std::string server_url(const DevSettings& s);     // e.g. http://localhost:9420
std::string dashboard_url(const DevSettings& s);  // e.g. http://localhost:9420/dashboard/
std::string mcp_url(const DevSettings& s);        // the gateway's /context7/mcp
std::string authority(const DevSettings& s);      // idp_url/<tenant>

// The configuration files the stack runs on. ca_file: the development CA, which the gateway
// trusts (for the IdP when it serves TLS, and for client metadata documents served on this
// machine); the server gets it only when the IdP serves TLS.
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
// `libraries`: the titles of the documentation the server answers from.
std::string summary(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file,
                    const std::vector<std::string>& libraries);

}  // namespace mcpgate::devstack
