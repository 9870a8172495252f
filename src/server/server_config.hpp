#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "dashboard/dashboard.hpp"
#include "http/server.hpp"
#include "redis/config_section.hpp"
#include "store/postgres.hpp"

namespace mcpgate::server {

// The self-hosted MCP server (the Context7 role of the guide's Part 4).
struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8090;
  int threads = 2;         // I/O threads
  int worker_threads = 4;  // store, key fetches and tools run here, never on I/O threads
  std::optional<http::TlsFiles> tls;
  std::string public_url;  // how clients (or the gateway) reach this server
  // public_url was not configured but derived from listen; it then follows the port really
  // bound (listen.port 0, --port) unless set to something else since.
  bool public_url_derived = false;
  std::filesystem::path data_dir;
  // `store:` — the PostgreSQL database that several servers share; none: SQLite in data_dir.
  std::optional<store::pg::Settings> postgres;

  std::string authority = "https://login.microsoftonline.com";
  std::optional<std::string> ca_file;
  std::chrono::seconds clock_skew{300};
  std::chrono::seconds jwks_refresh_interval{3600};
  std::chrono::seconds unknown_kid_refetch_interval{300};

  bool require_api_key = true;  // /mcp without a valid key is refused (anonymous use off)
  bool stateless = false;       // Context7's public server issues no Mcp-Session-Id
  std::vector<std::string> allowed_origins;
  bool diagnostic_tools = false;  // adds `whoami`, which reports how the caller was resolved

  // The documentation index and its API.
  std::filesystem::path docs_index;  // default: <data_dir>/docs.db
  bool public_search = false;        // /api/v2/libs/search without credentials
  int default_tokens = 5000;         // query-docs and /api/v2/context
  int max_tokens = 20000;
  int64_t rate_limit_requests = 120;  // per user and window; 0 turns the limit off
  std::chrono::seconds rate_limit_window{60};

  std::string admin_token;  // enables /admin/v1; keep it in ${env:…} or ${file:…}

  // The dashboard under /dashboard, with sign-in through Entra; off without a `dashboard:`
  // section. Its authority, CA and public URL are the ones above.
  std::optional<dashboard::DashboardOptions> dashboard;

  // Protected-resource metadata for clients that connect without the gateway.
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;

  // The gateways' Redis: a user removed here has their cached On-Behalf-Of tokens dropped on
  // every gateway at once.
  std::optional<redis::Connection> redis;
};

ServerConfig parse_server_config(const config::YamlReader& root);
ServerConfig default_server_config(const std::filesystem::path& data_dir);
// What public_url is when it is not configured: http(s)://<host>:<port>, localhost for 127.0.0.1.
std::string derived_public_url(const ServerConfig& config, uint16_t port);

}  // namespace mcpgate::server
