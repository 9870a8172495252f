#include "proxy/discovery.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/strings.hpp"
#include "http/form.hpp"

namespace mcpgate::proxy {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v)
    if (!s.empty()) a.emplace_back(s);
  return a;
}

std::vector<std::string> client_scopes(const GatewayConfig& config) {
  std::vector<std::string> out;
  for (auto& r : config.routes)
    if (!r.client_scope.empty() && std::find(out.begin(), out.end(), r.client_scope) == out.end())
      out.push_back(r.client_scope);
  return out;
}

bool loopback_redirect(const std::string& uri) {
  auto u = boost::urls::parse_absolute_uri(uri);
  if (!u || u->scheme() != "http") return false;
  auto host = u->host();
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

}  // namespace

TenantEndpoints default_endpoints(const GatewayConfig& c) {
  auto base = c.authority + "/" + c.tenant_id;
  return {base + "/v2.0", base + "/oauth2/v2.0/authorize", base + "/oauth2/v2.0/token", base + "/discovery/v2.0/keys"};
}

http::Response oauth_error(int status, const std::string& error, const std::string& description) {
  auto r = http::Response::json(status, json::object{{"error", error}, {"error_description", description}});
  allow_cors(r);
  return r;
}

void allow_cors(http::Response& r) {
  r.headers.set("Access-Control-Allow-Origin", "*");
  r.headers.set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id");
}

http::Response cors_preflight() {
  http::Response r;
  r.status = 204;
  allow_cors(r);
  r.headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  r.headers.set("Access-Control-Allow-Headers",
                "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID");
  r.headers.set("Access-Control-Max-Age", "86400");
  return r;
}

http::Response protected_resource_metadata(const GatewayConfig& c, const RouteConfig& route,
                                           const std::string& resource_path) {
  json::object doc{{"resource", c.public_url + resource_path},
                   {"authorization_servers", json::array{c.public_url}},
                   {"scopes_supported", strings({route.client_scope})},
                   {"bearer_methods_supported", json::array{"header"}},
                   {"resource_name", route.prefix.substr(1)}};
  auto r = http::Response::json(200, doc);
  allow_cors(r);
  return r;
}

http::Response authorization_server_metadata(const GatewayConfig& c, const TenantEndpoints& tenant) {
  json::array scopes{"openid", "profile", "email", "offline_access"};
  for (auto& s : client_scopes(c)) scopes.emplace_back(s);
  json::object doc{{"issuer", c.public_url},
                   {"authorization_endpoint", c.public_url + "/authorize"},
                   {"token_endpoint", c.public_url + "/token"},
                   {"jwks_uri", tenant.jwks_uri},
                   {"response_types_supported", json::array{"code"}},
                   {"response_modes_supported", json::array{"query"}},
                   {"grant_types_supported", json::array{"authorization_code", "refresh_token"}},
                   {"code_challenge_methods_supported", json::array{"S256"}},
                   {"token_endpoint_auth_methods_supported", json::array{"none", "client_secret_post"}},
                   {"scopes_supported", scopes}};
  if (c.registration.enabled) doc["registration_endpoint"] = c.public_url + "/register";
  auto r = http::Response::json(200, doc);
  allow_cors(r);
  return r;
}

std::string bridged_scope(std::optional<std::string_view> requested, const GatewayConfig& config) {
  auto scopes = split_whitespace(requested.value_or(""));
  auto has = [&](std::string_view scope) {
    return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) { return iequals(s, scope); });
  };
  auto ours = client_scopes(config);
  if (!ours.empty() && std::none_of(ours.begin(), ours.end(), has)) scopes.push_back(ours.front());
  if (!has("offline_access")) scopes.emplace_back("offline_access");
  return join(scopes, " ");
}

http::Response authorize_redirect(const http::Request& request, const TenantEndpoints& tenant,
                                  const GatewayConfig& config) {
  auto form = http::parse_form(request.query);
  if (!form) return oauth_error(400, "invalid_request", "the query string is not valid URL encoding");
  if (form->pairs().empty()) return http::Response::redirect(tenant.authorization_endpoint);
  http::Form out;
  for (auto& [n, v] : form->pairs())
    if (n != "resource" && n != "scope") out.add(n, v);
  out.add("scope", bridged_scope(form->get("scope"), config));
  return http::Response::redirect(tenant.authorization_endpoint + "?" + out.encode());
}

boost::system::result<std::string, http::Response> token_request_body(const http::Request& request,
                                                                      const GatewayConfig& c) {
  auto type = to_lower(request.header("Content-Type").value_or(""));
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
    return oauth_error(400, "invalid_request", "the token request must be application/x-www-form-urlencoded");
  auto form = http::parse_form(request.body);
  if (!form) return oauth_error(400, "invalid_request", "the token request body is not valid form encoding");
  auto grant = form->get("grant_type").value_or("");
  bool bridged = grant == "authorization_code" || grant == "refresh_token";
  http::Form out;
  for (auto& [n, v] : form->pairs())
    if (n != "resource" && !(bridged && n == "scope")) out.add(n, v);
  if (bridged) out.add("scope", bridged_scope(form->get("scope"), c));
  return out.encode();
}

http::Response register_client(const http::Request& request, const RegistrationShim& shim, SysTime now) {
  boost::system::error_code ec;
  auto body = json::parse(request.body, ec);
  if (ec || !body.is_object())
    return oauth_error(400, "invalid_client_metadata", "the registration request must be a JSON object");
  auto& o = body.as_object();
  auto* uris = o.if_contains("redirect_uris");
  if (!uris || !uris->is_array() || uris->as_array().empty())
    return oauth_error(400, "invalid_redirect_uri", "redirect_uris must be a non-empty array");
  json::array accepted;
  for (auto& u : uris->as_array()) {
    if (!u.is_string()) return oauth_error(400, "invalid_redirect_uri", "every redirect URI must be a string");
    std::string uri(u.get_string());
    bool allowed = loopback_redirect(uri) ||
                   std::find(shim.allowed_redirect_uris.begin(), shim.allowed_redirect_uris.end(), uri) !=
                       shim.allowed_redirect_uris.end();
    if (!allowed)
      return oauth_error(400, "invalid_redirect_uri",
                         "redirect URI '" + uri +
                             "' is neither loopback (http://localhost, http://127.0.0.1) nor in "
                             "registration.allowed_redirect_uris");
    accepted.emplace_back(uri);
  }
  if (auto* grants = o.if_contains("grant_types"); grants && grants->is_array())
    for (auto& g : grants->as_array())
      if (!g.is_string() || (g.get_string() != "authorization_code" && g.get_string() != "refresh_token"))
        return oauth_error(400, "invalid_client_metadata",
                           "only the authorization_code and refresh_token grants are available to MCP clients");
  // Every client shares one pre-registered public client: there is no secret to hand out, so
  // whatever authentication method was asked for, the answer is "none" (RFC 7591 §3.2.1 lets
  // the server replace requested values).
  json::object reply{{"client_id", shim.client_id},
                     {"client_id_issued_at", unix_seconds(now)},
                     {"redirect_uris", accepted},
                     {"grant_types", json::array{"authorization_code", "refresh_token"}},
                     {"response_types", json::array{"code"}},
                     {"token_endpoint_auth_method", "none"}};
  if (auto* name = o.if_contains("client_name"); name && name->is_string()) reply["client_name"] = name->get_string();
  if (auto* scope = o.if_contains("scope"); scope && scope->is_string()) reply["scope"] = scope->get_string();
  auto r = http::Response::json(201, reply);
  allow_cors(r);
  return r;
}

}  // namespace mcpgate::proxy
