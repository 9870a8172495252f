#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/yaml_reader.hpp"
#include "exchange/obo.hpp"
#include "exchange/redis_token_cache.hpp"
#include "http/server.hpp"
#include "proxy/tool_policy.hpp"
#include "proxy/upstream_set.hpp"

namespace mcpgate::proxy {

// One MCP server behind the gateway: the seed's policy.xml for one API.
struct RouteConfig {
  std::string prefix;    // public path prefix, e.g. "/context7"
  std::string upstream;  // base URL, e.g. "https://mcp.context7.com" (the first of upstreams)
  // Several replicas of the MCP server: round robin, health checks, sessions kept on theirs.
  std::vector<std::string> upstreams;
  UpstreamHealth upstream_health;
  // Path rewrites after the prefix, first match wins: {"/mcp", "/mcp/oauth"} (rewrite-uri).
  std::vector<std::pair<std::string, std::string>> rewrites;
  std::vector<std::string> audiences;  // validate-azure-ad-token <audiences>
  std::vector<std::string> scopes;     // <required-claims><claim name="scp">
  bool require_all_scopes = false;     // match="all" (default "any", as the seed)
  std::optional<std::string> required_tenant;
  std::string client_scope;  // what MCP clients request, e.g. api://<gateway-app-id>/Mcp.Gateway.Access
  std::string obo_scope;     // api://<mcp-api-app-id>/.default
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds response_timeout{60'000};        // request sent → response head
  std::chrono::milliseconds stream_idle_timeout{3'600'000};  // silence allowed inside a stream
  ToolPolicy tool_policy;                                    // per-tool authorization by Entra groups and app roles
  // Per user (tenant and object ID): at most rate_limit_requests per window, refilled
  // continuously; 0 turns it off. Counted in Redis when the gateways share one, else per process.
  int64_t rate_limit_requests = 0;
  std::chrono::seconds rate_limit_window{60};
  // Per user: at most quota_requests in each window (UTC-aligned: a day starts at midnight UTC);
  // 0 is no quota. Counted in Redis when the gateways share one.
  int64_t quota_requests = 0;
  std::chrono::seconds quota_window{86'400};
};

struct RegistrationShim {  // RFC 7591 answers carrying a pre-registered public client ID
  bool enabled = false;
  std::string client_id;
  std::vector<std::string> allowed_redirect_uris;  // beyond loopback; exact match
};

// The gateway as an OAuth authorization server in front of Entra: it terminates Entra's
// callback itself, so it can send RFC 9207's `iss`, ask each user's consent for clients it does
// not know (the confused-deputy rule for proxies with one upstream client ID), and accept
// Client ID Metadata Documents. Off: /authorize redirects straight to Entra (the guide's shape).
struct MetadataDocuments {  // client_id = an https URL of the client's metadata
  bool enabled = true;
  // Host names a metadata URL may name; "*.example.com" covers its subdomains; empty: any host.
  std::vector<std::string> allowed_hosts;
  bool allow_private_addresses = false;  // loopback and private networks: for development only
  size_t max_bytes = 5 * 1024;
  std::chrono::milliseconds timeout{5'000};
};

struct AuthorizationServerConfig {
  bool enabled = false;
  // Seals the client IDs /register hands out and the consent cookie. Without one, a random key
  // per process: registrations and consents then end with the process.
  std::optional<std::string> key;
  bool consent = true;  // ask each user before the first sign-in through a registered client
  MetadataDocuments metadata_documents;
  std::chrono::seconds consent_lifetime{90 * 24 * 3600};
};

struct GatewayConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::optional<http::TlsFiles> tls;
  int threads = 2;
  std::string public_url;  // how clients reach the gateway; PRM resource URLs derive from it

  std::string authority = "https://login.microsoftonline.com";
  std::string tenant_id;
  std::optional<std::string> ca_file;  // extra CA for the authority and upstreams

  exchange::ClientCredential client;  // the gateway app (OBO intermediary)
  std::chrono::seconds clock_skew{300};
  // The algorithms the tenant's tokens may be signed with; Entra uses RS256 only.
  std::vector<crypto::JwsAlg> algorithms{crypto::JwsAlg::RS256};
  std::chrono::seconds jwks_refresh_interval{3600};
  std::chrono::seconds unknown_kid_refetch_interval{300};
  std::chrono::milliseconds obo_timeout{20'000};
  std::chrono::seconds obo_expiry_margin{120};
  std::chrono::seconds obo_negative_ttl{10};

  RegistrationShim registration;
  AuthorizationServerConfig authorization_server;
  // Binds a session to its replica in the Mcp-Session-Id the client sees (routes with several
  // upstreams). The same on every gateway of a cluster; without one, a key per process.
  std::optional<std::string> session_key;
  std::vector<RouteConfig> routes;

  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds idle_timeout{75'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  // Open connections: enough for thousands of SSE streams, few enough that the process stays
  // within its file limit; one address may hold a quarter of them.
  size_t max_connections = 16'384;
  size_t max_connections_per_client = 4'096;
  std::string audit_log = "-";  // a file path, "-" for standard output, "off"
  // Several gateways: On-Behalf-Of tokens, single-flight and rate limits shared through Redis.
  std::optional<exchange::RedisTokenCacheSettings> redis;
};

// Validates everything; throws config::ConfigError naming the YAML path.
GatewayConfig parse_gateway_config(const config::YamlReader& root);

// What a valid configuration still asks of its operator (a key to share between gateways, a
// redirect URI to register in Entra, a development-only setting left on), one sentence each.
std::vector<std::string> config_advisories(const GatewayConfig& config);

}  // namespace mcpgate::proxy
