#include "proxy/gateway_config.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "crypto/certificate.hpp"
#include "support/temp_dir.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

using namespace std::chrono_literals;
using config::ConfigError;
using config::YamlReader;
using namespace testing;

GatewayConfig parse(const std::string& yaml) {
  return parse_gateway_config(YamlReader::from_string(yaml, "test.yaml"));
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// `text` with its one occurrence of `from` replaced by `to`.
std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The smallest configuration the gateway accepts; the secret comes from the environment.
const std::string kMinimal = std::string(R"(
entra:
  tenant_id: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b
client:
  client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02
  client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}
routes:
  - prefix: /context7
    upstream: https://mcp.context7.com
    audiences: [b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02]
    scopes: [Mcp.Gateway.Access]
    obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default
)");

const std::string kSecondRoute = R"(
  - prefix: /docs
    upstream: http://127.0.0.1:9000
    audiences: [b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02]
    obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default
)";

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("MCPGATE_TEST_GATEWAY_SECRET", "secret-from-the-environment", 1); }

  // The error, which must name `path` (the file, then the YAML path) and contain `words`.
  static void expect_error(const std::string& yaml, const std::string& path, const std::string& words) {
    auto e = error_of(yaml);
    EXPECT_NE(e.find("test.yaml: " + path + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(words), std::string::npos) << e;
  }

  // A self-signed certificate and its key, as the gateway app's credential.
  std::pair<std::string, std::string> write_certificate() {
    auto key = crypto::Key::generate_ec_p256();
    auto cert = crypto::Certificate::issue(key, {.common_name = "mcpgate gateway app"}, key);
    std::ofstream(dir / "app.crt.pem") << cert.pem();
    std::ofstream(dir / "app.key.pem") << key.private_pem();
    return {(dir / "app.crt.pem").string(), (dir / "app.key.pem").string()};
  }

  mcpgate::testing::TempDir dir;
};

TEST_F(GatewayConfigTest, ReadsAFullConfiguration) {
  auto c = parse(R"(
listen: {host: 0.0.0.0, port: 8443, tls: {certificate: /etc/tls/fullchain.pem, key: /etc/tls/privkey.pem}}
public_url: https://gw.contoso.dev/
threads: 4
entra:
  authority: https://login.example.test/
  tenant_id: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b
client:
  client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02
  client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}
validation: {clock_skew: 2m, jwks_refresh_interval: 30m, unknown_kid_refetch_interval: 1m}
obo: {timeout: 5s, expiry_margin: 90s, negative_ttl: 3s}
registration:
  enabled: true
  client_id: aebc6443-996d-45c2-90f0-388ff96faa56
  allowed_redirect_uris: [https://vscode.dev/redirect]
routes:
  - prefix: /context7/
    upstream: https://mcp.context7.com/
    rewrite:
      - {from: /mcp, to: /mcp/oauth}
    audiences: [b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02]
    scopes: [Mcp.Gateway.Access, Mcp.Other]
    scope_match: all
    tenant: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b
    obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default
    timeouts: {connect: 2s, response: 30s, stream_idle: 10m}
  - prefix: /docs
    upstream: http://127.0.0.1:9000
    audiences: api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02
    scopes: Docs.Read
    client_scope: api://custom-gateway/Docs.Read
    obo_scope: api://docs.contoso.dev/.default
limits: {max_header_bytes: 32768, max_body_bytes: 1048576, request_timeout: 10s, idle_timeout: 20s, shutdown_grace: 5s}
audit_log: /var/log/mcpgate/audit.jsonl
)");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 8443);
  ASSERT_TRUE(c.tls);
  EXPECT_EQ(c.tls->certificate_chain_file, "/etc/tls/fullchain.pem");
  EXPECT_EQ(c.tls->private_key_file, "/etc/tls/privkey.pem");
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.public_url, "https://gw.contoso.dev");
  EXPECT_EQ(c.authority, "https://login.example.test");
  EXPECT_EQ(c.tenant_id, kTenant);
  EXPECT_EQ(c.client.client_id, kGatewayApp);
  EXPECT_EQ(c.client.client_secret, "secret-from-the-environment");
  EXPECT_FALSE(c.client.certificate);
  EXPECT_EQ(c.clock_skew, 120s);
  EXPECT_EQ(c.jwks_refresh_interval, 1800s);
  EXPECT_EQ(c.unknown_kid_refetch_interval, 60s);
  EXPECT_EQ(c.obo_timeout, 5000ms);
  EXPECT_EQ(c.obo_expiry_margin, 90s);
  EXPECT_EQ(c.obo_negative_ttl, 3s);
  EXPECT_TRUE(c.registration.enabled);
  EXPECT_EQ(c.registration.client_id, kVsCode);
  EXPECT_EQ(c.registration.allowed_redirect_uris, std::vector<std::string>{"https://vscode.dev/redirect"});
  EXPECT_EQ(c.max_header_bytes, 32768u);
  EXPECT_EQ(c.max_body_bytes, 1048576u);
  EXPECT_EQ(c.request_timeout, 10s);
  EXPECT_EQ(c.idle_timeout, 20s);
  EXPECT_EQ(c.shutdown_grace, 5s);
  EXPECT_EQ(c.audit_log, "/var/log/mcpgate/audit.jsonl");

  ASSERT_EQ(c.routes.size(), 2u);
  auto& context7 = c.routes[0];
  EXPECT_EQ(context7.prefix, "/context7");
  EXPECT_EQ(context7.upstream, "https://mcp.context7.com");
  EXPECT_EQ(context7.rewrites, (std::vector<std::pair<std::string, std::string>>{{"/mcp", "/mcp/oauth"}}));
  EXPECT_EQ(context7.audiences, std::vector<std::string>{kGatewayApp});
  EXPECT_EQ(context7.scopes, (std::vector<std::string>{"Mcp.Gateway.Access", "Mcp.Other"}));
  EXPECT_TRUE(context7.require_all_scopes);
  EXPECT_EQ(context7.required_tenant, kTenant);
  EXPECT_EQ(context7.obo_scope, std::string("api://") + kMcpApi + "/.default");
  EXPECT_EQ(context7.client_scope, kClientScope);
  EXPECT_EQ(context7.connect_timeout, 2s);
  EXPECT_EQ(context7.response_timeout, 30s);
  EXPECT_EQ(context7.stream_idle_timeout, 10min);
  auto& docs = c.routes[1];
  EXPECT_EQ(docs.scopes, std::vector<std::string>{"Docs.Read"});
  EXPECT_EQ(docs.client_scope, "api://custom-gateway/Docs.Read");
  EXPECT_EQ(docs.obo_scope, "api://docs.contoso.dev/.default");  // an App ID URI by domain is fine
  EXPECT_FALSE(docs.require_all_scopes);
  EXPECT_FALSE(docs.required_tenant);
}

TEST_F(GatewayConfigTest, FillsDefaults) {
  auto c = parse(kMinimal);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  EXPECT_FALSE(c.tls);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.public_url, "http://localhost:8080");
  EXPECT_EQ(c.authority, "https://login.microsoftonline.com");
  EXPECT_FALSE(c.ca_file);
  EXPECT_EQ(c.clock_skew, 300s);
  EXPECT_EQ(c.obo_timeout, 20s);
  EXPECT_FALSE(c.registration.enabled);
  EXPECT_EQ(c.registration.client_id, kGatewayApp);  // the gateway app, unless another is named
  EXPECT_TRUE(c.registration.allowed_redirect_uris.empty());
  EXPECT_EQ(c.max_body_bytes, 4u * 1024 * 1024);
  EXPECT_EQ(c.audit_log, "-");
  ASSERT_EQ(c.routes.size(), 1u);
  auto& r = c.routes[0];
  EXPECT_TRUE(r.rewrites.empty());
  EXPECT_FALSE(r.require_all_scopes);
  EXPECT_EQ(r.client_scope, kClientScope);  // api://<first audience>/<first scope>
  EXPECT_EQ(r.connect_timeout, 5s);
  EXPECT_EQ(r.response_timeout, 60s);
  EXPECT_EQ(r.stream_idle_timeout, 1h);
}

TEST_F(GatewayConfigTest, DerivesPublicUrlFromTheListener) {
  auto c = parse(kMinimal + "listen: {host: 10.0.0.5, port: 8443, tls: {certificate: c.pem, key: k.pem}}\n");
  EXPECT_EQ(c.public_url, "https://10.0.0.5:8443");
}

TEST_F(GatewayConfigTest, ClientScopeKeepsAnAudienceThatIsAlreadyAnApplicationIdUri) {
  auto c = parse(replace(kMinimal, "audiences: [b1e4", "audiences: [api://b1e4"));
  EXPECT_EQ(c.routes[0].client_scope, kClientScope);
  auto no_scopes = parse(replace(kMinimal, "    scopes: [Mcp.Gateway.Access]\n", ""));
  EXPECT_EQ(no_scopes.routes[0].client_scope, "");
}

TEST_F(GatewayConfigTest, ReadsPerToolRulesAndRefusesWhatCannotBeChecked) {
  auto with_tools = [](const std::string& rules) { return kMinimal + "    tools:\n" + rules; };
  auto c = parse(
      with_tools("      - {name: query-docs, groups: [5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01], roles: [Docs.Reader]}\n"
                 "      - {name: '*', roles: [Docs.Reader]}\n"));
  ASSERT_EQ(c.routes[0].tool_policy.rules.size(), 2u);
  EXPECT_EQ(c.routes[0].tool_policy.rules[0].groups.size(), 1u);
  EXPECT_EQ(c.routes[0].tool_policy.rules[1].tool, "*");
  EXPECT_TRUE(parse(kMinimal).routes[0].tool_policy.empty());
  EXPECT_NE(error_of(with_tools("      - {name: query-docs, groups: [Platform engineers]}\n")).find("object IDs"),
            std::string::npos);
  EXPECT_NE(error_of(with_tools("      - {name: a}\n      - {name: a}\n")).find("has a rule already"),
            std::string::npos);
  EXPECT_NE(error_of(with_tools("      - {name: a, users: [x]}\n")).find("unknown key"), std::string::npos);
}

TEST_F(GatewayConfigTest, AcceptsACertificateInsteadOfASecret) {
  auto [cert, key] = write_certificate();
  auto c = parse(replace(kMinimal, "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}",
                         "certificate: " + cert + "\n  private_key: " + key));
  EXPECT_FALSE(c.client.client_secret);
  ASSERT_TRUE(c.client.certificate);
  ASSERT_TRUE(c.client.certificate_key);
  EXPECT_EQ(c.client.certificate->public_key().public_jwk(), c.client.certificate_key->public_jwk());
}

TEST_F(GatewayConfigTest, RefusesBadTenantAndClientIds) {
  expect_error(
      replace(kMinimal, "tenant_id: 4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b", "tenant_id: contoso.onmicrosoft.com"),
      "entra.tenant_id", "GUID");
  expect_error(replace(kMinimal, "client_id: b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02", "client_id: my-gateway-app"),
               "client.client_id", "Application (client) ID GUID");
  expect_error(replace(kMinimal, "    scopes:", "    tenant: common\n    scopes:"), "routes[0].tenant", "GUID");
}

TEST_F(GatewayConfigTest, RequiresExactlyOneClientCredential) {
  expect_error(replace(kMinimal, "  client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}\n", ""), "client.client_secret",
               "is required");
  auto [cert, key] = write_certificate();
  expect_error(
      replace(kMinimal, "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}",
              "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}\n  certificate: " + cert + "\n  private_key: " + key),
      "client.client_secret", "not both");
  expect_error(replace(kMinimal, "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}", "certificate: " + cert),
               "client.private_key", "go together");
  expect_error(replace(kMinimal, "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}",
                       "certificate: " + (dir / "missing.pem").string() + "\n  private_key: " + key),
               "client.certificate", "cannot read");
  expect_error(replace(kMinimal, "client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}",
                       "certificate: " + key + "\n  private_key: " + key),
               "client.certificate", "is not a PEM certificate");
}

TEST_F(GatewayConfigTest, SecretsComeFromTheEnvironment) {
  ::unsetenv("MCPGATE_TEST_GATEWAY_SECRET");
  expect_error(kMinimal, "client.client_secret", "MCPGATE_TEST_GATEWAY_SECRET, which is not set");
}

TEST_F(GatewayConfigTest, RefusesPrefixesTheGatewayServesItself) {
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: /token"), "routes[0].prefix",
               "'/token' is served by the gateway itself");
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: /.well-known/oauth-protected-resource"),
               "routes[0].prefix", "'/.well-known' is served by the gateway itself");
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: /metrics/"), "routes[0].prefix", "'/metrics'");
  // A name that merely starts like a reserved one is fine.
  EXPECT_EQ(parse(replace(kMinimal, "prefix: /context7", "prefix: /tokens")).routes[0].prefix, "/tokens");
}

TEST_F(GatewayConfigTest, RefusesPrefixesThatAreNotPaths) {
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: context7"), "routes[0].prefix", "must be a path");
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: /"), "routes[0].prefix", "not the root");
  // Only slashes: nothing is left once the trailing ones go, which would match every path.
  expect_error(replace(kMinimal, "prefix: /context7", "prefix: //"), "routes[0].prefix", "not the root");
}

TEST_F(GatewayConfigTest, RefusesDuplicatePrefixes) {
  expect_error(kMinimal + replace(kSecondRoute, "prefix: /docs", "prefix: /context7/"), "routes",
               "two routes have prefix /context7");
  EXPECT_EQ(parse(kMinimal + kSecondRoute).routes.size(), 2u);
}

TEST_F(GatewayConfigTest, RefusesOboScopesThatDoNotNameTheMcpApi) {
  expect_error(replace(kMinimal, "obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default",
                       "obo_scope: 'api://{{mcp-api-app-id}}/.default'"),
               "routes[0].obo_scope", "{{named value}}");
  expect_error(replace(kMinimal, "obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default",
                       "obo_scope: api://not-a-guid/.default"),
               "routes[0].obo_scope", "got 'not-a-guid'");
  expect_error(replace(kMinimal, "    obo_scope: api://3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01/.default\n", ""),
               "routes[0].obo_scope", "is required");
}

TEST_F(GatewayConfigTest, RefusesUrlsThatAreNotHttp) {
  expect_error(replace(kMinimal, "upstream: https://mcp.context7.com", "upstream: mcp.context7.com"),
               "routes[0].upstream", "must be an http:// or https:// URL, got 'mcp.context7.com'");
  expect_error(replace(kMinimal, "upstream: https://mcp.context7.com", "upstream: ftp://mcp.context7.com"),
               "routes[0].upstream", "must be an http:// or https:// URL");
  expect_error(kMinimal + "public_url: gw.contoso.dev\n", "public_url", "must be an http:// or https:// URL");
  expect_error(replace(kMinimal, "  tenant_id:", "  authority: login.microsoftonline.com\n  tenant_id:"),
               "entra.authority", "must be an http:// or https:// URL");
}

TEST_F(GatewayConfigTest, RefusesUnknownKeys) {
  expect_error(kMinimal + "audit: off\n", "audit", "unknown key (expected one of: listen,");
  expect_error(replace(kMinimal, "    upstream:", "    upstream_url: https://x.test\n    upstream:"),
               "routes[0].upstream_url", "unknown key");
  expect_error(kMinimal + "    timeouts: {read: 5s}\n", "routes[0].timeouts.read", "unknown key");
  expect_error(kMinimal + "    rewrite: [{from: /mcp, target: /mcp/oauth}]\n", "routes[0].rewrite[0].target",
               "unknown key");
  expect_error(kMinimal + "limits: {max_body: 10}\n", "limits.max_body", "unknown key");
}

TEST_F(GatewayConfigTest, RefusesBadValues) {
  expect_error(kMinimal + "    timeouts: {connect: soon}\n", "routes[0].timeouts.connect",
               "must be a duration such as 30s, 10m, 1h or 250ms, got 'soon'");
  expect_error(kMinimal + "obo: {timeout: 5 seconds}\n", "obo.timeout", "must be a duration");
  expect_error(kMinimal + "validation: {clock_skew: -1s}\n", "validation.clock_skew", "must be a duration");
  expect_error(kMinimal + "listen: {port: 70000}\n", "listen.port", "between 0 and 65535");
  expect_error(kMinimal + "registration: {enabled: maybe}\n", "registration.enabled", "true or false");
  expect_error(kMinimal + "    scope_match: some\n", "routes[0].scope_match", "must be any or all");
  expect_error(kMinimal + "    rewrite: [{from: mcp, to: /mcp/oauth}]\n", "routes[0].rewrite[0]", "starting with '/'");
  expect_error(replace(kMinimal, "    audiences: [b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02]\n", ""), "routes[0].audiences",
               "at least one audience");
}

TEST_F(GatewayConfigTest, RequiresAtLeastOneRoute) {
  auto head = kMinimal.substr(0, kMinimal.find("routes:"));
  expect_error(head + "routes: []\n", "routes", "at least one route is required");
  expect_error(head, "routes", "at least one route is required");
}

TEST_F(GatewayConfigTest, ReadsTheAuthorizationServerAndRefusesAWeakKey) {
  EXPECT_FALSE(parse(kMinimal).authorization_server.enabled);
  auto c = parse(kMinimal + R"(authorization_server:
  enabled: true
  key: a-secret-of-at-least-thirty-two-characters
  consent_lifetime: 720h
  client_id_metadata_documents: {allowed_hosts: ['*.Example.com', localhost], max_bytes: 8192, timeout: 2s}
)");
  const auto& a = c.authorization_server;
  EXPECT_TRUE(a.enabled);
  EXPECT_TRUE(a.consent);
  EXPECT_EQ(a.consent_lifetime, std::chrono::hours(24 * 30));
  EXPECT_EQ(a.metadata_documents.allowed_hosts, (std::vector<std::string>{"*.example.com", "localhost"}));
  EXPECT_EQ(a.metadata_documents.max_bytes, 8192U);
  EXPECT_EQ(a.metadata_documents.timeout, 2s);
  EXPECT_FALSE(a.metadata_documents.allow_private_addresses);
  EXPECT_NE(error_of(kMinimal + "authorization_server: {enabled: true, key: short}\n").find("at least 32 characters"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal + "authorization_server: {consent_lifetime: 1m}\n").find("between 1h"),
            std::string::npos);
  EXPECT_NE(
      error_of(kMinimal + "authorization_server: {client_id_metadata_documents: {allowed_hosts: ['https://x']}}\n")
          .find("not a host name"),
      std::string::npos);
}

TEST_F(GatewayConfigTest, AnUpstreamMayBeAListOfReplicasWithHealthChecks) {
  auto one = parse(kMinimal);
  ASSERT_EQ(one.routes[0].upstreams.size(), 1u);
  EXPECT_EQ(one.routes[0].upstreams[0], one.routes[0].upstream);
  auto yaml = kMinimal + "session_key: a-session-key-of-at-least-thirty-two-chars\n";
  auto at = yaml.find("upstream: ");
  auto end = yaml.find('\n', at);
  yaml.replace(at, end - at,
               "upstream: [http://a.internal:9420/, http://b.internal:9420]\n    health_check: {path: /healthz, "
               "interval: 2s, eject_after: 3}");
  auto c = parse(yaml);
  EXPECT_EQ(c.routes[0].upstreams, (std::vector<std::string>{"http://a.internal:9420", "http://b.internal:9420"}));
  EXPECT_EQ(c.routes[0].upstream, "http://a.internal:9420");
  EXPECT_EQ(c.routes[0].upstream_health.path, "/healthz");
  EXPECT_EQ(c.routes[0].upstream_health.interval, 2s);
  EXPECT_EQ(c.routes[0].upstream_health.eject_after, 3);
  EXPECT_TRUE(c.session_key);
  auto twice = yaml;
  twice.replace(twice.find("http://b.internal:9420]"), 23, "http://a.internal:9420]");
  EXPECT_NE(error_of(twice).find("listed twice"), std::string::npos) << error_of(twice);
  auto bad = yaml;
  bad.replace(bad.find("http://b.internal:9420]"), 23, "ftp://b]");
  EXPECT_NE(error_of(bad).find("upstream[1]"), std::string::npos) << error_of(bad);
  EXPECT_NE(error_of(kMinimal + "session_key: short\n").find("at least 32"), std::string::npos);
}

TEST_F(GatewayConfigTest, ARouteMayLimitEachUsersRequests) {
  EXPECT_EQ(parse(kMinimal).routes[0].rate_limit_requests, 0);
  auto yaml = kMinimal;
  yaml.replace(yaml.find("    obo_scope:"), 0, "    rate_limit: {requests: 600, per: 1m}\n");
  auto c = parse(yaml);
  EXPECT_EQ(c.routes[0].rate_limit_requests, 600);
  EXPECT_EQ(c.routes[0].rate_limit_window, std::chrono::seconds(60));
  auto bad = kMinimal;
  bad.replace(bad.find("    obo_scope:"), 0, "    rate_limit: {requests: -1}\n");
  EXPECT_NE(error_of(bad).find("rate_limit.requests"), std::string::npos) << error_of(bad);
}

TEST_F(GatewayConfigTest, AdvisoriesNameWhatTheOperatorStillHasToDo) {
  EXPECT_TRUE(config_advisories(parse(kMinimal)).empty());
  auto c = parse(kMinimal +
                 "authorization_server: {enabled: true, client_id_metadata_documents: "
                 "{allow_private_addresses: true}}\n");
  auto notes = config_advisories(c);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_NE(notes[0].find(c.public_url + "/oauth/callback"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("authorization_server.key is not set"), std::string::npos);
  EXPECT_NE(notes[2].find("allow_private_addresses"), std::string::npos);
  c.routes[0].upstreams = {"http://a", "http://b"};
  EXPECT_NE(config_advisories(c).back().find("session_key is not set"), std::string::npos);
  c.session_key = std::string(32, 'k');
  EXPECT_EQ(config_advisories(c).back().find("session_key"), std::string::npos);
}

TEST_F(GatewayConfigTest, ReadsAPerUserQuota) {
  auto c = parse(kMinimal + "    quota: {requests: 5000, per: 1d}\n");
  EXPECT_EQ(c.routes[0].quota_requests, 5000);
  EXPECT_EQ(c.routes[0].quota_window, std::chrono::hours(24));
  EXPECT_EQ(parse(kMinimal).routes[0].quota_requests, 0);
  expect_error(kMinimal + "    quota: {requests: 5, per: 10s}\n", "routes[0].quota.per", "rate_limit");
}

TEST_F(GatewayConfigTest, ReadsTheSharedRedisWithItsSecretsFromReferences) {
  EXPECT_FALSE(parse(kMinimal).redis);
  ::setenv("MCPGATE_TEST_TOKEN_KEY", "a-sealing-secret-of-at-least-32-characters", 1);
  auto c = parse(kMinimal +
                 "redis:\n  url: redis://10.1.2.3:6380/2\n  password: ${env:MCPGATE_TEST_GATEWAY_SECRET}\n"
                 "  timeout: 250ms\n  token_keys:\n    - id: k1\n      secret: ${env:MCPGATE_TEST_TOKEN_KEY}\n");
  ASSERT_TRUE(c.redis);
  EXPECT_EQ(c.redis->redis.host, "10.1.2.3");
  EXPECT_EQ(c.redis->redis.port, 6380);
  EXPECT_EQ(c.redis->redis.database, 2);
  EXPECT_TRUE(c.redis->redis.password);
  EXPECT_EQ(c.redis->redis.command_timeout, 250ms);
  EXPECT_EQ(c.redis->prefix, "mcpgate:");
  ASSERT_EQ(c.redis->keys.size(), 1u);
  EXPECT_EQ(c.redis->keys[0].id, "k1");
}

TEST_F(GatewayConfigTest, RefusesARedisSectionThatWouldLeakOrCannotSeal) {
  ::setenv("MCPGATE_TEST_TOKEN_KEY", "a-sealing-secret-of-at-least-32-characters", 1);
  const std::string keys = "  token_keys:\n    - id: k1\n      secret: ${env:MCPGATE_TEST_TOKEN_KEY}\n";
  expect_error(kMinimal + "redis:\n  url: redis://:pw@cache:6379\n" + keys, "redis.url", "${env:NAME}");
  expect_error(kMinimal + "redis:\n  url: http://cache:6379\n" + keys, "redis.url", "rediss://");
  expect_error(kMinimal + "redis:\n  url: redis://cache:6379\n", "redis.token_keys", "no key to seal");
  expect_error(kMinimal + "redis:\n  url: redis://cache:6379\n  token_keys: [{id: k1, secret: too-short}]\n",
               "redis.token_keys", "at least 32 characters");
  expect_error(kMinimal + "redis:\n  url: redis://cache:6379\n  username: app\n" + keys, "redis.password", "required");
  expect_error(kMinimal + "redis:\n  url: redis://cache:6379\n  passwrd: x\n" + keys, "redis.passwrd", "");
}

}  // namespace
}  // namespace mcpgate::proxy
