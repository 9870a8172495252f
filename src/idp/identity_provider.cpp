#include "idp/identity_provider.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/strings.hpp"

namespace mcpgate::idp {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t start = i;
    while (i < path.size() && path[i] != '/') ++i;
    if (i > start) parts.emplace_back(path.substr(start, i - start));
  }
  return parts;
}

bool valid_host_header(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return false;
  return true;
}

Response with_cors(Response r) {
  r.headers.set("Access-Control-Allow-Origin", "*");
  return r;
}

bool is_loopback_host(std::string_view host) { return host == "localhost" || host == "127.0.0.1"; }

}  // namespace

bool redirect_uri_matches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  auto reg = boost::urls::parse_absolute_uri(registered);
  auto req = boost::urls::parse_absolute_uri(requested);
  if (!reg || !req) return false;
  if (reg->scheme() != "http" || req->scheme() != "http") return false;
  if (!is_loopback_host(reg->host()) || reg->host() != req->host()) return false;
  auto reg_path = reg->encoded_path();
  if (reg_path.empty() || reg_path == "/") return true;
  return reg_path == req->encoded_path();
}

IdentityProvider::IdentityProvider(IdpConfig config, KeyStore& keys, const Clock& clock)
    : config_(std::move(config)), keys_(keys), clock_(clock), issuer_(keys_, config_, clock_) {}

std::string IdentityProvider::base_url(const Request& request) const {
  if (config_.public_url) return *config_.public_url;
  auto host = request.header("Host");
  return request.scheme + "://" + std::string(host && valid_host_header(*host) ? *host : "localhost");
}

Response IdentityProvider::fail(const EntraError& e) {
  {
    std::lock_guard guard(mutex_);
    ++stats_.errors;
  }
  return with_cors(to_response(e, clock_.now()));
}

Response IdentityProvider::error_response(int status, std::string_view message) {
  auto e = make_error(status >= 500 ? "server_error" : "invalid_request", status >= 500 ? 90033 : 90014,
                      std::string(message), status);
  return fail(e);
}

void IdentityProvider::count_grant(const std::string& grant_type) {
  std::lock_guard guard(mutex_);
  ++stats_.grants[grant_type];
}

Response IdentityProvider::handle(const Request& request) {
  if (auto host = request.header("Host"); host && !valid_host_header(*host))
    return fail(invalid_parameter("Host", "the Host header has characters a host name cannot have"));
  auto base = base_url(request);
  auto parts = split_path(request.path);
  const auto& m = request.method;

  if (m == "OPTIONS") {
    Response r;
    r.status = 204;
    r.headers.set("Access-Control-Allow-Origin", "*");
    r.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    r.headers.set("Access-Control-Allow-Headers", "Content-Type, Authorization, client-request-id, x-anchormailbox");
    r.headers.set("Access-Control-Max-Age", "86400");
    return r;
  }
  if (parts.empty() && m == "GET") return index_page(base);
  if (parts.size() == 1 && parts[0] == "healthz") return Response::json(200, json::object{{"status", "ok"}});
  if (parts.size() == 2 && parts[0] == "_dev" && parts[1] == "stats" && m == "GET") return stats();
  if (parts.size() == 2 && parts[0] == "_dev" && parts[1] == "expire-next-token" && m == "POST") {
    auto form = http::parse_form(request.body);
    auto upn = form ? form->get("upn") : std::nullopt;
    if (!upn || upn->empty()) return fail(make_error("invalid_request", 90014, "Send upn=<user principal name>.", 400));
    std::lock_guard guard(mutex_);
    expire_next_.insert(to_lower(*upn));
    return Response::json(200, json::object{{"expire_next_token", to_lower(*upn)}});
  }
  if (parts.size() == 3 && parts[0] == "common" && parts[1] == "discovery" && parts[2] == "instance")
    return instance_discovery(request, base);

  if (parts.empty()) return fail(make_error("invalid_request", 90002, "No tenant in the URL.", 404));
  const std::string& segment = parts[0];
  const Tenant* tenant = config_.tenant(segment);
  bool templated = segment == "common" || segment == "organizations";

  // /{tenant}/v2.0/.well-known/openid-configuration and the v1 form.
  if (m == "GET" && parts.size() == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" &&
      parts[3] == "openid-configuration") {
    if (!tenant) return fail(tenant_not_found(segment));
    return discovery(templated ? nullptr : tenant, segment, base, false);
  }
  if (m == "GET" && parts.size() == 3 && parts[1] == ".well-known" && parts[2] == "openid-configuration") {
    if (!tenant) return fail(tenant_not_found(segment));
    return discovery(templated ? nullptr : tenant, segment, base, true);
  }
  if (m == "GET" && ((parts.size() == 4 && parts[1] == "discovery" && parts[2] == "v2.0" && parts[3] == "keys") ||
                     (parts.size() == 3 && parts[1] == "discovery" && parts[2] == "keys"))) {
    if (!tenant) return fail(tenant_not_found(segment));
    return keys(templated ? nullptr : tenant, base);
  }
  if (parts.size() == 4 && parts[1] == "oauth2" && parts[2] == "v2.0") {
    if (!tenant) return fail(tenant_not_found(segment));
    if (parts[3] == "authorize" && (m == "GET" || m == "POST")) {
      auto form = http::parse_form(m == "GET" ? request.query : request.body);
      if (!form) return fail(invalid_parameter("query", "the parameters are not valid URL encoding"));
      return authorize(*tenant, base, *form, nullptr);
    }
    if (parts[3] == "token" && m == "POST") return token(*tenant, base, request);
    if (parts[3] == "token") {
      auto r = fail(make_error("invalid_request", 900561, "The endpoint only accepts POST requests.", 405));
      r.headers.set("Allow", "POST, OPTIONS");
      return r;
    }
    if (parts[3] == "logout" && m == "GET") {
      auto form = http::parse_form(request.query);
      if (form)
        if (auto to = form->get("post_logout_redirect_uri"))
          for (auto& app : tenant->apps)
            for (auto& uri : app.redirect_uris)
              if (redirect_uri_matches(uri, *to)) return Response::redirect(std::string(*to));
      return Response::text(200, "<!doctype html><title>Signed out</title><p>You have signed out.</p>",
                            "text/html; charset=utf-8");
    }
  }
  if (parts.size() == 2 && parts[1] == "login" && m == "POST") {
    if (!tenant) return fail(tenant_not_found(segment));
    return sign_in_submission(*tenant, base, request);
  }
  return fail(
      make_error("invalid_request", 900561,
                 "No endpoint at " + request.method + " " + request.path +
                     ". Tenants serve /{tenant}/v2.0/.well-known/openid-configuration, "
                     "/{tenant}/discovery/v2.0/keys, /{tenant}/oauth2/v2.0/authorize and /{tenant}/oauth2/v2.0/token.",
                 404));
}

Response IdentityProvider::discovery(const Tenant* tenant, const std::string& segment, const std::string& base,
                                     bool v1) {
  // Templated documents (common, organizations) use {tenantid} in the issuer as Entra does.
  std::string tid = tenant ? tenant->id : "{tenantid}";
  std::string issuer;
  if (v1)
    issuer = "https://sts.windows.net/" + tid + "/";
  else if (tenant)
    issuer = issuer_.issuer(*tenant, base);
  else
    issuer = base + "/{tenantid}/v2.0";
  std::string prefix = base + "/" + segment;
  json::object d;
  d["token_endpoint"] = prefix + (v1 ? "/oauth2/token" : "/oauth2/v2.0/token");
  d["token_endpoint_auth_methods_supported"] =
      json::array{"client_secret_post", "private_key_jwt", "client_secret_basic"};
  d["jwks_uri"] = prefix + (v1 ? "/discovery/keys" : "/discovery/v2.0/keys");
  d["response_modes_supported"] = json::array{"query", "fragment", "form_post"};
  d["subject_types_supported"] = json::array{"pairwise"};
  d["id_token_signing_alg_values_supported"] = json::array{"RS256"};
  d["response_types_supported"] = json::array{"code", "id_token", "code id_token", "id_token token"};
  d["scopes_supported"] = json::array{"openid", "profile", "email", "offline_access"};
  d["issuer"] = issuer;
  d["request_uri_parameter_supported"] = false;
  d["userinfo_endpoint"] = "https://graph.microsoft.com/oidc/userinfo";
  d["authorization_endpoint"] = prefix + (v1 ? "/oauth2/authorize" : "/oauth2/v2.0/authorize");
  d["device_authorization_endpoint"] = prefix + (v1 ? "/oauth2/devicecode" : "/oauth2/v2.0/devicecode");
  d["http_logout_supported"] = true;
  d["frontchannel_logout_supported"] = true;
  d["end_session_endpoint"] = prefix + (v1 ? "/oauth2/logout" : "/oauth2/v2.0/logout");
  d["claims_supported"] = json::array{"sub",
                                      "iss",
                                      "cloud_instance_name",
                                      "cloud_instance_host_name",
                                      "cloud_graph_host_name",
                                      "msgraph_host",
                                      "aud",
                                      "exp",
                                      "iat",
                                      "auth_time",
                                      "acr",
                                      "nonce",
                                      "preferred_username",
                                      "name",
                                      "tid",
                                      "ver",
                                      "at_hash",
                                      "c_hash",
                                      "email"};
  d["kerberos_endpoint"] = prefix + "/kerberos";
  d["tenant_region_scope"] = tenant ? json::value("WW") : json::value(nullptr);
  d["cloud_instance_name"] = "microsoftonline.com";
  d["cloud_graph_host_name"] = "graph.windows.net";
  d["msgraph_host"] = "graph.microsoft.com";
  d["rbac_url"] = "https://pas.windows.net";
  // Deliberate deviation from Entra: strict MCP clients refuse an authorization server that
  // does not say it supports S256.
  d["code_challenge_methods_supported"] = json::array{"S256"};
  return with_cors(Response::json(200, d));
}

Response IdentityProvider::keys(const Tenant* tenant, const std::string& base) {
  std::string issuer = tenant ? issuer_.issuer(*tenant, base) : base + "/{tenantid}/v2.0";
  return with_cors(Response::json(200, keys_.jwks(issuer)));
}

Response IdentityProvider::instance_discovery(const Request& request, const std::string& base) {
  // What MSAL asks login.microsoftonline.com before trusting an authority it does not know.
  auto host = base.substr(base.find("://") + 3);
  json::object body{
      {"tenant_discovery_endpoint", base + "/{tenant}/v2.0/.well-known/openid-configuration"},
      {"api-version", "1.1"},
      {"metadata", json::array{json::object{
                       {"preferred_network", host}, {"preferred_cache", host}, {"aliases", json::array{host}}}}}};
  return with_cors(Response::json(200, body));
}

Response IdentityProvider::stats() {
  std::lock_guard guard(mutex_);
  json::object grants, obo;
  for (auto& [k, v] : stats_.grants) grants[k] = v;
  for (auto& [k, v] : stats_.obo_by_user) obo[k] = v;
  return Response::json(200,
                        json::object{{"grants", grants}, {"on_behalf_of_by_user", obo}, {"errors", stats_.errors}});
}

Response IdentityProvider::index_page(const std::string& base) {
  std::string html =
      "<!doctype html><meta charset=utf-8><title>mcpgate development identity provider</title>"
      "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}"
      "code{background:#f3f3f3;padding:0 .2rem}td,th{padding:.2rem .6rem;text-align:left}</style>"
      "<h1>mcpgate development identity provider</h1>"
      "<p><strong>For development and tests only.</strong> It imitates Microsoft Entra ID's v2 endpoints; "
      "it is not a production identity provider.</p>";
  for (auto& t : config_.tenants) {
    html += "<h2>" + html_escape(t.name) + "</h2><p>Tenant ID <code>" + t.id + "</code> &middot; discovery <a href=\"" +
            html_escape(base + "/" + t.id + "/v2.0/.well-known/openid-configuration") + "\"><code>" +
            html_escape(base + "/" + t.id + "/v2.0/.well-known/openid-configuration") + "</code></a></p>";
    html += "<h3>App registrations</h3><table><tr><th>Name</th><th>Client ID</th><th>Scopes</th></tr>";
    for (auto& a : t.apps)
      html += "<tr><td>" + html_escape(a.name) + "</td><td><code>" + a.client_id + "</code></td><td>" +
              html_escape(join(a.scopes, ", ")) + "</td></tr>";
    html += "</table><h3>Users</h3><table><tr><th>Name</th><th>User principal name</th><th>Object ID</th></tr>";
    for (auto& u : t.users)
      html += "<tr><td>" + html_escape(u.name) + "</td><td>" + html_escape(u.upn) + "</td><td><code>" + u.oid +
              "</code></td></tr>";
    html += "</table>";
  }
  return Response::text(200, html, "text/html; charset=utf-8");
}

}  // namespace mcpgate::idp
