#include "devstack/dev_settings.hpp"

#include <boost/json.hpp>

#include "common/strings.hpp"
#include "idp/config.hpp"

namespace mcpgate::devstack {
namespace {

namespace json = boost::json;

// A YAML single-quoted scalar: paths may hold characters YAML would otherwise read as syntax.
std::string q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string url(const DevSettings& s, bool tls, uint16_t port) {
  return std::string(tls ? "https" : "http") + "://" + s.public_host + ":" + std::to_string(port);
}

}  // namespace

DevLayout layout(const DevSettings& s) {
  DevLayout l;
  l.config_dir = s.data_dir / "config";
  l.clients_dir = s.data_dir / "clients";
  l.idp_dir = s.data_dir / "idp";
  l.server_dir = s.data_dir / "server";
  l.logs_dir = s.data_dir / "logs";
  l.secret_file = s.data_dir / "secrets" / "gateway-client-secret";
  l.key_file = s.data_dir / "secrets" / "gateway-key";
  l.tls_dir = l.idp_dir / "tls";
  l.stack_file = s.data_dir / "stack.json";
  return l;
}

std::vector<DemoUser> demo_users() {
  auto config = idp::demo_config();
  const auto* tenant = config.tenant(idp::demo::kTenantId);
  std::vector<DemoUser> users;
  if (!tenant) return users;
  for (const auto& u : tenant->users) {
    DemoUser d;
    d.upn = u.upn;
    d.oid = u.oid;
    d.mfa_required = u.mfa_required;
    // Carol signs in fine but no teamspace lists her: the guide's "401 from Context7 with a
    // valid OBO token" case, reproducible on demand.
    d.provisioned = u.upn.rfind("carol@", 0) != 0;
    d.note =
        !d.provisioned
            ? "signs in, but is not provisioned: the server refuses her (user_not_provisioned), the gateway answers 403"
        : d.mfa_required ? "provisioned; Conditional Access demands MFA (step-up challenge)"
                         : "provisioned";
    users.push_back(std::move(d));
  }
  return users;
}

std::string idp_url(const DevSettings& s) { return url(s, s.idp_tls, s.idp_port); }
std::string gateway_url(const DevSettings& s) { return url(s, false, s.gateway_port); }
std::string server_url(const DevSettings& s) { return url(s, false, s.server_port); }
std::string mcp_url(const DevSettings& s) { return gateway_url(s) + kRoutePrefix + "/mcp"; }
std::string authority(const DevSettings& s) { return idp_url(s) + "/" + idp::demo::kTenantId; }

std::string idp_yaml(const DevSettings& s) {
  return "# mcpgate dev: the built-in demo tenant (mcpgate idp print-config) with one public URL, so\n"
         "# the issuer in tokens is the same whichever host name a client used.\n"
         "public_url: " +
         idp_url(s) + "\n\n" + std::string(idp::demo_config_yaml());
}

std::string gateway_yaml(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file) {
  auto l = layout(s);
  std::string out =
      "# mcpgate dev: the guide's API Management (Parts 3 and 5) for the development tenant.\n"
      "# For your own tenant: replace tenant_id, the app IDs and the authority\n"
      "# (https://login.microsoftonline.com), and keep the secret in a file or the environment.\n"
      "listen: {host: " +
      s.host + ", port: " + std::to_string(s.gateway_port) +
      "}\n"
      "public_url: " +
      gateway_url(s) +
      "\n"
      "entra:\n"
      "  authority: " +
      idp_url(s) +
      "\n"
      "  tenant_id: " +
      idp::demo::kTenantId + "\n";
  if (ca_file) out += "  ca_file: " + q(ca_file->string()) + "\n";
  out +=
      "client:                                  # the Context7 APIM Gateway app (Part 2 Step 2)\n"
      "  client_id: " +
      std::string(idp::demo::kGatewayApp) +
      "\n"
      "  client_secret: " +
      q("${file:" + l.secret_file.string() + "}") +
      "\n"
      "obo: {timeout: 20s, expiry_margin: 2m}\n"
      "registration:                            # the gateway app's ID serves as a pre-registered public client\n"
      "  enabled: true\n"
      "  client_id: " +
      std::string(idp::demo::kGatewayApp) +
      "\n"
      "  allowed_redirect_uris: [https://vscode.dev/redirect]\n"
      "authorization_server:                    # the gateway signs users in itself: iss, consent, CIMD\n"
      "  enabled: true                          # Entra redirects to " +
      gateway_url(s) +
      "/oauth/callback\n"
      "  key: " +
      q("${file:" + l.key_file.string() + "}") +
      "\n"
      "  client_id_metadata_documents:\n"
      "    allowed_hosts: [localhost, 127.0.0.1]\n"
      "    allow_private_addresses: true        # development only: documents served on this machine\n"
      "routes:\n"
      "  - prefix: " +
      std::string(kRoutePrefix) +
      "\n"
      "    upstream: http://" +
      s.host + ":" + std::to_string(s.server_port) +
      "\n"
      "    rewrite: [{from: /mcp, to: /mcp/oauth}]   # <rewrite-uri template=\"/mcp/oauth\" />\n"
      "    audiences: ['" +
      idp::demo::kGatewayApp +
      "']\n"
      "    scopes: [Mcp.Gateway.Access]\n"
      "    scope_match: any\n"
      "    obo_scope: api://" +
      idp::demo::kMcpApiApp +
      "/.default\n"
      "    tools:                                  # per-tool authorization, by Entra group or app role\n"
      "      - {name: get-library-docs, groups: [" +
      std::string(idp::demo::kPlatformEngineersGroup) +
      "]}   # the old alias: Platform engineers (alice) only\n"
      "limits: {shutdown_grace: 2s}\n"
      "audit_log: " +
      q((l.logs_dir / "audit.jsonl").string()) + "\n";
  return out;
}

std::string server_yaml(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file) {
  auto l = layout(s);
  std::string out =
      "# mcpgate dev: the MCP server (the guide's Context7). Its teamspace, Entra configuration and\n"
      "# users live in the store: mcpgate admin --data-dir " +
      l.server_dir.string() +
      " …\n"
      "listen: {host: " +
      s.host + ", port: " + std::to_string(s.server_port) +
      "}\n"
      "public_url: " +
      server_url(s) +
      "\n"
      "data_dir: " +
      q(l.server_dir.string()) +
      "\n"
      "entra:\n"
      "  authority: " +
      idp_url(s) + "\n";
  if (ca_file) out += "  ca_file: " + q(ca_file->string()) + "\n";
  out += "mcp: {require_api_key: true}\n";
  out += std::string("dashboard:\n  tenant_id: ") + idp::demo::kTenantId +
         "\n  client_id: " + idp::demo::kDashboardApp + "\n  owners: [" + idp::demo::kAliceOid + "]   # " +
         idp::demo::kAliceUpn + ": installation owner\n";
  return out;
}

std::string vscode_mcp_json(const std::string& mcp_url) {
  json::object server{{"type", "http"}, {"url", mcp_url}};
  return "{\n  \"servers\": {\n    \"context7\": " + json::serialize(server) + "\n  }\n}\n";
}

std::string cursor_mcp_json(const std::string& mcp_url) {
  json::object server{{"url", mcp_url}};
  return "{\n  \"mcpServers\": {\n    \"context7\": " + json::serialize(server) + "\n  }\n}\n";
}

std::string claude_code_command(const std::string& mcp_url) {
  return "claude mcp add --transport http context7 " + mcp_url + "\n";
}

std::string stack_json(const DevSettings& s) {
  json::object o{{"mcp_url", mcp_url(s)},
                 {"gateway", gateway_url(s)},
                 {"server", server_url(s)},
                 {"idp", idp_url(s)},
                 {"authority", authority(s)},
                 {"tenant_id", idp::demo::kTenantId},
                 {"gateway_app", idp::demo::kGatewayApp},
                 {"mcp_api_app", idp::demo::kMcpApiApp},
                 {"teamspace", kTeamspace},
                 {"dashboard", dashboard_url(s)},
                 {"dev_ca", (layout(s).tls_dir / "ca.pem").string()},
                 {"dev_certificate", (layout(s).tls_dir / "server.pem").string()},
                 {"dev_private_key", (layout(s).tls_dir / "server-key.pem").string()},
                 {"data_dir", s.data_dir.string()}};
  return json::serialize(o) + "\n";
}

std::string dashboard_url(const DevSettings& s) { return server_url(s) + "/dashboard/"; }

std::string summary(const DevSettings& s, const std::optional<std::filesystem::path>& ca_file,
                    const std::vector<std::string>& libraries) {
  auto l = layout(s);
  auto mcp = mcp_url(s);
  std::string out;
  out += "\nmcpgate dev is running: identity provider, MCP server and gateway, wired as in the guide.\n\n";
  out += "MCP URL      " + mcp + "\n";
  out +=
      "Tenant       " + std::string(idp::demo::kTenantId) + " (Contoso, development), authority " + authority(s) + "\n";
  out += "Gateway app  " + std::string(idp::demo::kGatewayApp) +
         " (the gateway signs users in with it; clients register at the gateway)\n";
  out += "MCP API app  " + std::string(idp::demo::kMcpApiApp) + " (audience of the On-Behalf-Of token)\n";
  out += "Dashboard    " + dashboard_url(s) + "\n";
  out += std::string("             sign in as ") + idp::demo::kAliceUpn + " (installation owner, owner of teamspace " +
         kTeamspace + ") or " + idp::demo::kBobUpn + " (a developer there)\n\n";
  out += "VS Code (.vscode/mcp.json):\n" + vscode_mcp_json(mcp) + "\n";
  out += "Claude Code:\n  " + claude_code_command(mcp) + "\n";
  out += "Cursor (~/.cursor/mcp.json):\n" + cursor_mcp_json(mcp) + "\n";
  if (libraries.empty()) {
    out +=
        "No documentation is indexed yet: start with --corpus corpus/sources (the demo corpus), or add a library\n"
        "with `mcpgate index --data-dir " +
        l.server_dir.string() + " add <folder> --id /owner/project`.\n\n";
  } else {
    out +=
        "Try it: ask your assistant \"use context7: how do I ...?\" about one of the indexed libraries; it calls\n"
        "resolve-library-id, then query-docs. Indexed (" +
        std::to_string(libraries.size()) + "): " + join(libraries, ", ") + ".\n\n";
  }
  out +=
      "Demo users (no passwords; a browser sign-in without a login_hint is alice, the\n"
      "idp.yaml default_user):\n";
  for (const auto& u : demo_users())
    out += "  " + u.upn + std::string(u.upn.size() < 20 ? 20 - u.upn.size() : 1, ' ') + u.note + "\n";
  out += "\nData         " + s.data_dir.string() + "\n";
  out += "  configs    " + l.config_dir.string() + "  (idp.yaml, gateway.yaml, server.yaml)\n";
  out += "  clients    " + l.clients_dir.string() + "  (vscode-mcp.json, cursor-mcp.json, claude-code.sh)\n";
  out += "  store      " + (l.server_dir / "mcpgate.db").string() + "  (mcpgate admin --data-dir " +
         l.server_dir.string() + " …)\n";
  out += "  docs       " + (l.server_dir / "docs.db").string() + "  (mcpgate index --data-dir " +
         l.server_dir.string() + " list | add <folder> --id /owner/project)\n";
  out += "  IdP keys   " + (l.idp_dir / "keys").string() + "\n";
  if (ca_file) out += "  IdP CA     " + ca_file->string() + "  (NODE_EXTRA_CA_CERTS for MSAL)\n";
  out += "Logs         this terminal; audit log " + (l.logs_dir / "audit.jsonl").string() + "\n";
  out += "\nCtrl-C stops everything. Starting again reuses the data directory.\n";
  return out;
}

}  // namespace mcpgate::devstack
