#include "server/server_config.hpp"

#include "common/strings.hpp"

namespace mcpgate::server {
namespace {

std::chrono::seconds secs(std::chrono::milliseconds ms) { return std::chrono::duration_cast<std::chrono::seconds>(ms); }

}  // namespace

std::string derived_public_url(const ServerConfig& config, uint16_t port) {
  return std::string(config.tls ? "https" : "http") + "://" + (config.host == "127.0.0.1" ? "localhost" : config.host) +
         ":" + std::to_string(port);
}

ServerConfig default_server_config(const std::filesystem::path& data_dir) {
  ServerConfig c;
  c.data_dir = data_dir;
  c.docs_index = data_dir / "docs.db";
  c.public_url = derived_public_url(c, c.port);
  c.public_url_derived = true;
  return c;
}

namespace {

// `store: postgres://…`, or the map form with the password by reference:
//   store: {url: postgres://mcpgate@db:5432/mcpgate?sslmode=verify-full, password: ${env:…}, pool: 8}
store::pg::Settings read_store(const config::YamlReader& root) {
  store::pg::Settings settings;
  if (!root.has_map("store")) {
    settings.url = root.str("store");
    if (auto problem = store::pg::url_problem(settings.url)) root.fail("store", *problem);
    return settings;
  }
  auto section = root.child("store");
  section.allow_only({"url", "password", "pool", "connect_timeout", "acquire_timeout"});
  settings.url = section.str("url");
  if (auto problem = store::pg::url_problem(settings.url)) section.fail("url", *problem);
  settings.password = section.opt_str("password");
  settings.pool_size = int(section.integer("pool", settings.pool_size, 1, 200));
  settings.connect_timeout = section.duration("connect_timeout", settings.connect_timeout);
  settings.acquire_timeout = section.duration("acquire_timeout", settings.acquire_timeout);
  if (settings.connect_timeout.count() < 1000) section.fail("connect_timeout", "must be at least 1s");
  if (settings.acquire_timeout.count() < 1) section.fail("acquire_timeout", "must be at least 1ms");
  return settings;
}

}  // namespace

ServerConfig parse_server_config(const config::YamlReader& root) {
  root.allow_only({"listen", "public_url", "data_dir", "threads", "worker_threads", "entra", "validation", "mcp",
                   "docs", "admin", "oauth", "dashboard", "redis", "store"});
  ServerConfig c;
  auto listen = config::read_listen(root, c.host, c.port);
  c.host = listen.host;
  c.port = listen.port;
  if (listen.tls) c.tls = http::TlsFiles{listen.tls->first, listen.tls->second};
  c.threads = int(root.integer("threads", c.threads, 1, 64));
  c.worker_threads = int(root.integer("worker_threads", c.worker_threads, 1, 256));
  c.public_url_derived = !root.has("public_url");
  c.public_url = root.http_url("public_url", derived_public_url(c, c.port));
  c.data_dir = root.str("data_dir");
  if (root.has("store")) c.postgres = read_store(root);

  auto entra = root.child("entra");
  entra.allow_only({"authority", "ca_file"});
  c.authority = entra.http_url("authority", c.authority);
  c.ca_file = entra.opt_str("ca_file");

  auto v = root.child("validation");
  v.allow_only({"clock_skew", "jwks_refresh_interval", "unknown_kid_refetch_interval"});
  c.clock_skew = secs(v.duration("clock_skew", c.clock_skew));
  c.jwks_refresh_interval = secs(v.duration("jwks_refresh_interval", c.jwks_refresh_interval));
  c.unknown_kid_refetch_interval = secs(v.duration("unknown_kid_refetch_interval", c.unknown_kid_refetch_interval));

  auto mcp = root.child("mcp");
  mcp.allow_only({"require_api_key", "stateless", "allowed_origins", "diagnostic_tools"});
  c.require_api_key = mcp.boolean("require_api_key", c.require_api_key);
  c.stateless = mcp.boolean("stateless", c.stateless);
  c.allowed_origins = mcp.strings("allowed_origins");
  c.diagnostic_tools = mcp.boolean("diagnostic_tools", c.diagnostic_tools);

  auto docs = root.child("docs");
  docs.allow_only({"index", "public_search", "default_tokens", "max_tokens", "rate_limit"});
  c.docs_index = docs.str_or("index", (c.data_dir / "docs.db").string());
  c.public_search = docs.boolean("public_search", c.public_search);
  c.max_tokens = int(docs.integer("max_tokens", c.max_tokens, 1000, 1000000));
  c.default_tokens = int(docs.integer("default_tokens", c.default_tokens, 1000, c.max_tokens));
  auto limit = docs.child("rate_limit");
  limit.allow_only({"requests", "window"});
  c.rate_limit_requests = limit.integer("requests", c.rate_limit_requests, 0, 1000000);
  c.rate_limit_window = secs(limit.duration("window", c.rate_limit_window));
  if (c.rate_limit_window.count() < 1) limit.fail("window", "must be at least 1s (e.g. 1m)");

  auto admin = root.child("admin");
  admin.allow_only({"token"});
  c.admin_token = admin.str_or("token", "");
  if (!c.admin_token.empty() && c.admin_token.size() < 24)
    admin.fail("token", "must be at least 24 characters (generate one with: openssl rand -base64 32)");

  if (root.has("dashboard")) {
    auto d = root.child("dashboard");
    d.allow_only({"tenant_id", "client_id", "client_secret", "owners", "session_lifetime"});
    dashboard::DashboardOptions options;
    options.public_url = c.public_url;
    options.authority = c.authority;
    options.ca_file = c.ca_file;
    options.tenant_id = to_lower(d.str("tenant_id"));
    if (!is_guid(options.tenant_id)) d.fail("tenant_id", "must be the directory (tenant) ID, a GUID");
    options.client_id = to_lower(d.str("client_id"));
    if (!is_guid(options.client_id))
      d.fail("client_id", "must be the dashboard app registration's application (client) ID, a GUID");
    options.client_secret = d.opt_str("client_secret");
    options.owners = d.strings("owners");
    for (auto& oid : options.owners) {
      oid = to_lower(oid);
      if (!is_guid(oid))
        d.fail("owners", "lists object IDs (GUIDs) of the installation's owners; '" + oid + "' is not one");
    }
    options.session_lifetime = secs(d.duration("session_lifetime", options.session_lifetime));
    if (options.session_lifetime.count() < 60) d.fail("session_lifetime", "must be at least 1m");
    c.dashboard = std::move(options);
  }

  auto oauth = root.child("oauth");
  oauth.allow_only({"authorization_servers", "scopes_supported"});
  c.authorization_servers = oauth.strings("authorization_servers");
  c.scopes_supported = oauth.strings("scopes_supported");
  if (root.has("redis")) {
    auto r = root.child("redis");
    r.allow_only(redis::connection_keys());
    c.redis = redis::read_connection(r);
  }
  return c;
}

}  // namespace mcpgate::server
