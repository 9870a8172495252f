#include "proxy/gateway_config.hpp"

#include <algorithm>

#include "common/files.hpp"
#include "common/strings.hpp"
#include "redis/config_section.hpp"

namespace mcpgate::proxy {
namespace {

using config::YamlReader;

std::string derive_client_scope(const RouteConfig& route) {
  if (route.scopes.empty() || route.audiences.empty()) return "";
  const auto& aud = route.audiences.front();
  std::string resource = aud.rfind("api://", 0) == 0 ? aud : "api://" + aud;
  return resource + "/" + route.scopes.front();
}

RouteConfig parse_route(const YamlReader& r) {
  r.allow_only({"prefix", "upstream", "health_check", "rewrite", "audiences", "scopes", "scope_match", "tenant",
                "client_scope", "obo_scope", "timeouts", "tools", "rate_limit", "quota"});
  RouteConfig route;
  route.prefix = r.str("prefix");
  while (route.prefix.size() > 1 && route.prefix.back() == '/') route.prefix.pop_back();  // "//" leaves "/"
  if (route.prefix.empty() || route.prefix.front() != '/' || route.prefix == "/")
    r.fail("prefix", "must be a path such as /context7 (not the root)");
  for (auto reserved :
       {"/.well-known", "/authorize", "/token", "/register", "/oauth", "/healthz", "/readyz", "/metrics"})
    if (route.prefix == reserved || route.prefix.rfind(std::string(reserved) + "/", 0) == 0)
      r.fail("prefix", std::string("'") + reserved + "' is served by the gateway itself");
  if (!r.has("upstream")) r.str("upstream");  // "is required"
  route.upstreams = r.http_urls("upstream");
  if (route.upstreams.empty()) r.fail("upstream", "name at least one MCP server URL");
  for (size_t i = 0; i < route.upstreams.size(); ++i)
    for (size_t j = i + 1; j < route.upstreams.size(); ++j)
      if (route.upstreams[i] == route.upstreams[j]) r.fail("upstream", route.upstreams[i] + " is listed twice");
  route.upstream = route.upstreams.front();
  auto h = r.child("health_check");
  h.allow_only({"path", "interval", "timeout", "unhealthy_after", "healthy_after", "eject_after", "ejection"});
  auto& health = route.upstream_health;
  health.path = h.str_or("path", health.path);
  if (health.path.empty() || health.path.front() != '/') h.fail("path", "must be a path such as /readyz");
  health.interval = h.duration("interval", health.interval);
  health.timeout = h.duration("timeout", health.timeout);
  health.unhealthy_after = int(h.integer("unhealthy_after", health.unhealthy_after, 1, 100));
  health.healthy_after = int(h.integer("healthy_after", health.healthy_after, 1, 100));
  health.eject_after = int(h.integer("eject_after", health.eject_after, 1, 100));
  health.ejection = h.duration("ejection", health.ejection);
  for (auto& rw : r.list("rewrite")) {
    rw.allow_only({"from", "to"});
    auto from = rw.str("from"), to = rw.str("to");
    if (from.empty() || from.front() != '/' || to.empty() || to.front() != '/')
      rw.fail_here("from and to must both be paths starting with '/'");
    route.rewrites.emplace_back(from, to);
  }
  route.audiences = r.strings("audiences");
  if (route.audiences.empty()) r.fail("audiences", "at least one audience (the gateway app's client ID) is required");
  route.scopes = r.strings("scopes");
  auto match = r.str_or("scope_match", "any");
  if (match != "any" && match != "all") r.fail("scope_match", "must be any or all");
  route.require_all_scopes = match == "all";
  route.required_tenant = r.opt_str("tenant");
  if (route.required_tenant && !is_guid(*route.required_tenant)) r.fail("tenant", "must be a tenant GUID");
  route.obo_scope = r.str("obo_scope");
  if (route.obo_scope.find("{{") != std::string::npos)
    r.fail("obo_scope", "still contains a {{named value}}; write the MCP API app's ID, e.g. api://<guid>/.default");
  auto slash = route.obo_scope.rfind('/');
  if (route.obo_scope.rfind("api://", 0) == 0 && slash != std::string::npos) {
    auto app = route.obo_scope.substr(6, slash - 6);
    if (!is_guid(app) && app.find('.') == std::string::npos)
      r.fail("obo_scope", "the part after api:// must be the MCP API app's client ID (a GUID), got '" + app + "'");
  }
  route.client_scope = r.str_or("client_scope", derive_client_scope(route));
  auto limit = r.child("rate_limit");
  limit.allow_only({"requests", "per"});
  route.rate_limit_requests = limit.integer("requests", 0, 0, 1'000'000'000);
  route.rate_limit_window =
      std::chrono::duration_cast<std::chrono::seconds>(limit.duration("per", route.rate_limit_window));
  if (route.rate_limit_window.count() < 1) limit.fail("per", "must be at least 1s");
  auto quota = r.child("quota");
  quota.allow_only({"requests", "per"});
  route.quota_requests = quota.integer("requests", 0, 0, 1'000'000'000'000);
  route.quota_window = std::chrono::duration_cast<std::chrono::seconds>(quota.duration("per", route.quota_window));
  if (route.quota_window.count() < 60)
    quota.fail("per", "must be at least 1m (quotas are for days and months; use rate_limit for seconds)");
  auto t = r.child("timeouts");
  t.allow_only({"connect", "response", "stream_idle"});
  route.connect_timeout = t.duration("connect", route.connect_timeout);
  route.response_timeout = t.duration("response", route.response_timeout);
  route.stream_idle_timeout = t.duration("stream_idle", route.stream_idle_timeout);
  for (auto& tr : r.list("tools")) {
    tr.allow_only({"name", "groups", "roles"});
    ToolRule rule{tr.str("name"), tr.strings("groups"), tr.strings("roles")};
    if (rule.tool.empty()) tr.fail("name", "names a tool, or * for every tool no other rule names");
    for (auto& g : rule.groups)
      if (!is_guid(g))
        tr.fail("groups",
                "lists Entra group object IDs (GUIDs), as the groups claim carries them; '" + g + "' is not one");
    for (const auto& other : route.tool_policy.rules)
      if (other.tool == rule.tool) tr.fail("name", "tool " + rule.tool + " has a rule already");
    route.tool_policy.rules.push_back(std::move(rule));
  }
  return route;
}

AuthorizationServerConfig parse_authorization_server(const YamlReader& r) {
  r.allow_only({"enabled", "key", "consent", "consent_lifetime", "client_id_metadata_documents"});
  AuthorizationServerConfig a;
  a.enabled = r.boolean("enabled", false);
  a.key = r.opt_str("key");
  if (a.key && a.key->size() < 32)
    r.fail("key",
           "must be at least 32 characters of secret (e.g. openssl rand -base64 48), given as ${env:NAME} or "
           "${file:/path}");
  a.consent = r.boolean("consent", a.consent);
  a.consent_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(r.duration("consent_lifetime", a.consent_lifetime));
  if (a.consent_lifetime < std::chrono::hours(1) || a.consent_lifetime > std::chrono::hours(24 * 366))
    r.fail("consent_lifetime", "must be between 1h and 8784h (a year)");
  auto m = r.child("client_id_metadata_documents");
  m.allow_only({"enabled", "allowed_hosts", "allow_private_addresses", "max_bytes", "timeout"});
  a.metadata_documents.enabled = m.boolean("enabled", a.metadata_documents.enabled);
  a.metadata_documents.allowed_hosts = m.strings("allowed_hosts");
  for (auto& h : a.metadata_documents.allowed_hosts) {
    h = to_lower(h);
    auto bare = h.rfind("*.", 0) == 0 ? h.substr(2) : h;
    if (bare.empty() || bare.find_first_of("*/:@ ") != std::string::npos)
      m.fail("allowed_hosts", "'" + h + "' is not a host name or *.domain pattern");
  }
  a.metadata_documents.allow_private_addresses =
      m.boolean("allow_private_addresses", a.metadata_documents.allow_private_addresses);
  a.metadata_documents.max_bytes =
      size_t(m.integer("max_bytes", (long long)a.metadata_documents.max_bytes, 512, 256 * 1024));
  a.metadata_documents.timeout = m.duration("timeout", a.metadata_documents.timeout);
  return a;
}

std::optional<exchange::RedisTokenCacheSettings> parse_redis(const YamlReader& root) {
  if (!root.has("redis")) return std::nullopt;
  auto r = root.child("redis");
  auto allowed = redis::connection_keys();
  allowed.push_back("token_keys");
  r.allow_only(allowed);
  auto connection = redis::read_connection(r);
  exchange::RedisTokenCacheSettings s;
  s.redis = connection.settings;
  s.prefix = connection.prefix;
  for (auto& k : r.list("token_keys")) {
    k.allow_only({"id", "secret"});
    s.keys.push_back({k.str("id"), k.str("secret")});
  }
  try {
    exchange::check_sealing_keys(s.keys);
  } catch (const std::invalid_argument& e) {
    r.fail("token_keys", e.what());
  }
  return s;
}

}  // namespace

GatewayConfig parse_gateway_config(const YamlReader& root) {
  root.allow_only({"listen", "public_url", "threads", "entra", "client", "validation", "obo", "registration",
                   "authorization_server", "session_key", "routes", "limits", "audit_log", "redis"});
  GatewayConfig c;
  auto listen = config::read_listen(root, c.host, c.port);
  c.host = listen.host;
  c.port = listen.port;
  if (listen.tls) c.tls = http::TlsFiles{listen.tls->first, listen.tls->second};
  c.threads = int(root.integer("threads", c.threads, 1, 64));
  c.public_url = root.http_url("public_url", "");
  if (c.public_url.empty())
    c.public_url = std::string(c.tls ? "https" : "http") + "://" + (c.host == "127.0.0.1" ? "localhost" : c.host) +
                   ":" + std::to_string(c.port);

  auto entra = root.child("entra");
  entra.allow_only({"authority", "tenant_id", "ca_file"});
  c.authority = entra.http_url("authority", c.authority);
  if (c.authority.empty()) c.authority = "https://login.microsoftonline.com";
  c.tenant_id = entra.str("tenant_id");
  if (!is_guid(c.tenant_id))
    entra.fail("tenant_id", "must be the directory (tenant) ID GUID from the app registration's Overview page");
  c.ca_file = entra.opt_str("ca_file");
  if (c.ca_file && !read_file(*c.ca_file)) entra.fail("ca_file", "cannot read " + *c.ca_file);

  auto client = root.child("client");
  client.allow_only({"client_id", "client_secret", "certificate", "private_key"});
  c.client.client_id = client.str("client_id");
  if (!is_guid(c.client.client_id)) client.fail("client_id", "must be the gateway app's Application (client) ID GUID");
  c.client.client_secret = client.opt_str("client_secret");
  auto cert_file = client.opt_str("certificate");
  auto key_file = client.opt_str("private_key");
  if (cert_file || key_file) {
    if (!cert_file || !key_file)
      client.fail(cert_file ? "private_key" : "certificate", "certificate and private_key go together");
    auto cert_pem = read_file(*cert_file);
    auto key_pem = read_file(*key_file);
    if (!cert_pem) client.fail("certificate", "cannot read " + *cert_file);
    if (!key_pem) client.fail("private_key", "cannot read " + *key_file);
    c.client.certificate = crypto::Certificate::from_pem(*cert_pem);
    c.client.certificate_key = crypto::Key::from_pem(*key_pem);
    if (!c.client.certificate) client.fail("certificate", *cert_file + " is not a PEM certificate");
    if (!c.client.certificate_key) client.fail("private_key", *key_file + " is not a PEM private key");
  }
  if (c.client.client_secret && c.client.certificate)
    client.fail("client_secret", "give either client_secret or certificate + private_key, not both");
  if (!c.client.client_secret && !c.client.certificate)
    client.fail("client_secret",
                "is required (as ${env:NAME} or ${file:/path}), unless certificate + private_key are given");

  auto v = root.child("validation");
  v.allow_only({"clock_skew", "jwks_refresh_interval", "unknown_kid_refetch_interval", "algorithms"});
  if (v.has("algorithms")) {
    c.algorithms.clear();
    for (const auto& name : v.strings("algorithms")) {
      auto alg = crypto::parse_jws_alg(name);
      if (!alg || name.starts_with("HS") || name == "none")
        v.fail("algorithms", "'" + name + "' is not an asymmetric JWS algorithm (Entra signs with RS256)");
      c.algorithms.push_back(*alg);
    }
    if (c.algorithms.empty()) v.fail("algorithms", "name at least one algorithm (Entra signs with RS256)");
  }
  auto secs = [](std::chrono::milliseconds ms) { return std::chrono::duration_cast<std::chrono::seconds>(ms); };
  c.clock_skew = secs(v.duration("clock_skew", c.clock_skew));
  c.jwks_refresh_interval = secs(v.duration("jwks_refresh_interval", c.jwks_refresh_interval));
  c.unknown_kid_refetch_interval = secs(v.duration("unknown_kid_refetch_interval", c.unknown_kid_refetch_interval));

  auto obo = root.child("obo");
  obo.allow_only({"timeout", "expiry_margin", "negative_ttl"});
  c.obo_timeout = obo.duration("timeout", c.obo_timeout);
  c.obo_expiry_margin = secs(obo.duration("expiry_margin", c.obo_expiry_margin));
  c.obo_negative_ttl = secs(obo.duration("negative_ttl", c.obo_negative_ttl));

  auto reg = root.child("registration");
  reg.allow_only({"enabled", "client_id", "allowed_redirect_uris"});
  c.registration.enabled = reg.boolean("enabled", false);
  c.registration.client_id = reg.str_or("client_id", c.client.client_id);
  c.registration.allowed_redirect_uris = reg.strings("allowed_redirect_uris");

  c.authorization_server = parse_authorization_server(root.child("authorization_server"));
  c.session_key = root.opt_str("session_key");
  if (c.session_key && c.session_key->size() < 32)
    root.fail("session_key", "must be at least 32 characters of secret, given as ${env:NAME} or ${file:/path}");

  for (auto& r : root.list("routes")) c.routes.push_back(parse_route(r));
  if (c.routes.empty()) root.fail("routes", "at least one route is required");
  for (size_t i = 0; i < c.routes.size(); ++i)
    for (size_t j = i + 1; j < c.routes.size(); ++j)
      if (c.routes[i].prefix == c.routes[j].prefix) root.fail("routes", "two routes have prefix " + c.routes[i].prefix);

  auto limits = root.child("limits");
  limits.allow_only({"max_header_bytes", "max_body_bytes", "request_timeout", "idle_timeout", "shutdown_grace",
                     "max_connections", "max_connections_per_client"});
  c.max_header_bytes = size_t(limits.integer("max_header_bytes", (long long)c.max_header_bytes, 1024, 1 << 20));
  c.max_body_bytes = size_t(limits.integer("max_body_bytes", (long long)c.max_body_bytes, 1024, 1LL << 30));
  c.request_timeout = limits.duration("request_timeout", c.request_timeout);
  c.idle_timeout = limits.duration("idle_timeout", c.idle_timeout);
  c.shutdown_grace = limits.duration("shutdown_grace", c.shutdown_grace);
  c.max_connections = size_t(limits.integer("max_connections", (long long)c.max_connections, 1, 1 << 20));
  c.max_connections_per_client =
      size_t(limits.integer("max_connections_per_client", (long long)c.max_connections_per_client, 1, 1 << 20));
  c.audit_log = root.str_or("audit_log", "-");
  c.redis = parse_redis(root);
  return c;
}

std::vector<std::string> config_advisories(const GatewayConfig& c) {
  std::vector<std::string> out;
  const auto& as = c.authorization_server;
  if (as.enabled) {
    out.push_back("register " + c.public_url + "/oauth/callback as a Web redirect URI of the gateway app " +
                  c.client.client_id +
                  " in Entra (App registrations > Authentication); sign-ins end in AADSTS50011 "
                  "without it");
    if (!as.key)
      out.push_back(
          "authorization_server.key is not set: registered clients and consents last until this process ends, and "
          "gateways behind one load balancer do not recognise each other's client IDs; set the same secret on all");
    if (as.metadata_documents.enabled && as.metadata_documents.allow_private_addresses)
      out.push_back(
          "authorization_server.client_id_metadata_documents.allow_private_addresses is on: client metadata may be "
          "fetched from this machine and private networks; turn it off outside development");
  }
  bool replicas =
      std::any_of(c.routes.begin(), c.routes.end(), [](const RouteConfig& r) { return r.upstreams.size() > 1; });
  if (replicas && !c.session_key)
    out.push_back(
        "session_key is not set: sessions are bound to their MCP server replica with a key of this process only; "
        "behind a load balancer, give every gateway the same session_key");
  return out;
}

}  // namespace mcpgate::proxy
