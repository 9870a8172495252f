#include "idp/config.hpp"

#include <algorithm>
#include <set>

#include "common/files.hpp"
#include "common/strings.hpp"

namespace mcpgate::idp {
namespace {

using config::YamlReader;

void require_guid(const YamlReader& r, const std::string& key, const std::string& value) {
  if (!is_guid(value)) r.fail(key, "must be a GUID such as 3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01, got '" + value + "'");
}

User parse_user(const YamlReader& r) {
  r.allow_only({"oid", "upn", "email", "name", "groups", "mfa_required"});
  User u;
  u.oid = to_lower(r.str("oid"));
  require_guid(r, "oid", u.oid);
  u.upn = r.str("upn");
  if (u.upn.find('@') == std::string::npos) r.fail("upn", "must look like an e-mail address (name@domain)");
  u.email = r.str_or("email", u.upn);
  u.name = r.str_or("name", u.upn.substr(0, u.upn.find('@')));
  for (auto& g : r.strings("groups")) {
    require_guid(r, "groups", g);
    u.groups.push_back(to_lower(g));
  }
  u.mfa_required = r.boolean("mfa_required", false);
  return u;
}

App parse_app(const YamlReader& r) {
  r.allow_only({"name", "client_id", "secrets", "certificates", "identifier_uris", "scopes", "app_roles",
                "requested_access_token_version", "authorized_clients", "api_permissions", "redirect_uris",
                "public_client", "groups_claim"});
  App a;
  a.client_id = to_lower(r.str("client_id"));
  require_guid(r, "client_id", a.client_id);
  a.name = r.str_or("name", a.client_id);
  a.secrets = r.strings("secrets");
  for (auto& s : a.secrets)
    if (s.size() < 16) r.fail("secrets", "each secret must be at least 16 characters long");
  for (auto& path : r.strings("certificates")) {
    auto pem = read_file(path);
    if (!pem) r.fail("certificates", "cannot read certificate file " + path);
    auto cert = crypto::Certificate::from_pem(*pem);
    if (!cert) r.fail("certificates", path + " is not a PEM certificate");
    a.certificates.push_back(*cert);
  }
  a.scopes = r.strings("scopes");
  a.app_roles = r.strings("app_roles");
  a.identifier_uris = r.strings("identifier_uris");
  if (a.identifier_uris.empty() && (!a.scopes.empty() || !a.app_roles.empty()))
    a.identifier_uris.push_back("api://" + a.client_id);  // the portal's default Application ID URI
  a.access_token_version = int(r.integer("requested_access_token_version", 1, 1, 2));
  for (auto& c : r.list("authorized_clients")) {
    c.allow_only({"client_id", "scopes"});
    AuthorizedClient ac{to_lower(c.str("client_id")), c.strings("scopes")};
    require_guid(c, "client_id", ac.client_id);
    for (auto& s : ac.scopes)
      if (!a.exposes_scope(s)) c.fail("scopes", "'" + s + "' is not one of this app's scopes");
    a.authorized_clients.push_back(std::move(ac));
  }
  for (auto& p : r.list("api_permissions")) {
    p.allow_only({"resource", "delegated", "application", "admin_consent"});
    a.api_permissions.push_back(
        {p.str("resource"), p.strings("delegated"), p.strings("application"), p.boolean("admin_consent", false)});
  }
  a.redirect_uris = r.strings("redirect_uris");
  for (auto& u : a.redirect_uris)
    if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0 && u.find("://") == std::string::npos)
      r.fail("redirect_uris", "'" + u + "' is not an absolute URI");
  a.public_client = r.boolean("public_client", false);
  a.groups_claim = r.boolean("groups_claim", false);
  return a;
}

Tenant parse_tenant(const YamlReader& r) {
  r.allow_only({"id", "name", "domains", "issuer_override", "user_consent", "users", "apps"});
  Tenant t;
  t.id = to_lower(r.str("id"));
  require_guid(r, "id", t.id);
  t.name = r.str_or("name", t.id);
  t.domains = r.strings("domains");
  t.issuer_override = r.boolean("issuer_override", false);
  t.user_consent = r.boolean("user_consent", false);
  std::set<std::string> seen;
  for (auto& u : r.list("users")) {
    t.users.push_back(parse_user(u));
    if (!seen.insert(t.users.back().oid).second || !seen.insert(to_lower(t.users.back().upn)).second)
      u.fail_here("a user with this oid or upn is already listed");
  }
  for (auto& a : r.list("apps")) {
    t.apps.push_back(parse_app(a));
    if (!seen.insert(t.apps.back().client_id).second) a.fail("client_id", "another app or user already uses this ID");
  }
  // Permissions must point at apps that exist, or a typo becomes a puzzling AADSTS error later.
  auto apps = r.list("apps");
  for (size_t i = 0; i < t.apps.size(); ++i) {
    auto perms = apps[i].list("api_permissions");
    for (size_t j = 0; j < t.apps[i].api_permissions.size(); ++j) {
      auto& p = t.apps[i].api_permissions[j];
      const App* resource = t.app(p.resource);
      if (!resource)
        perms[j].fail("resource", "no app of this tenant has client ID or identifier URI '" + p.resource + "'");
      for (auto& s : p.delegated)
        if (!resource->exposes_scope(s)) perms[j].fail("delegated", "'" + s + "' is not a scope of " + resource->name);
      for (auto& role : p.application)
        if (std::find(resource->app_roles.begin(), resource->app_roles.end(), role) == resource->app_roles.end())
          perms[j].fail("application", "'" + role + "' is not an app role of " + resource->name);
    }
  }
  return t;
}

std::chrono::seconds secs(std::chrono::milliseconds ms) { return std::chrono::duration_cast<std::chrono::seconds>(ms); }

}  // namespace

IdpConfig parse_config(const YamlReader& root) {
  root.allow_only({"tenants", "lifetimes", "auto_login", "default_user", "public_url", "clock_skew"});
  IdpConfig c;
  for (auto& t : root.list("tenants")) c.tenants.push_back(parse_tenant(t));
  if (c.tenants.empty()) root.fail("tenants", "at least one tenant is required");
  auto l = root.child("lifetimes");
  l.allow_only({"access_token", "id_token", "authorization_code", "refresh_token"});
  c.lifetimes.access_token = secs(l.duration("access_token", c.lifetimes.access_token));
  c.lifetimes.id_token = secs(l.duration("id_token", c.lifetimes.id_token));
  c.lifetimes.authorization_code = secs(l.duration("authorization_code", c.lifetimes.authorization_code));
  c.lifetimes.refresh_token = secs(l.duration("refresh_token", c.lifetimes.refresh_token));
  if (c.lifetimes.access_token.count() < 1) l.fail("access_token", "must be at least 1s");
  c.auto_login = root.boolean("auto_login", true);
  c.default_user = root.opt_str("default_user");
  if (c.default_user && !c.tenants.front().user(*c.default_user))
    root.fail("default_user", "'" + *c.default_user + "' is not a user of the first tenant");
  c.public_url = root.opt_str("public_url");
  if (c.public_url) {
    if (c.public_url->rfind("http://", 0) != 0 && c.public_url->rfind("https://", 0) != 0)
      root.fail("public_url", "must start with http:// or https://");
    while (!c.public_url->empty() && c.public_url->back() == '/') c.public_url->pop_back();
  }
  c.clock_skew = secs(root.duration("clock_skew", c.clock_skew));
  return c;
}

}  // namespace mcpgate::idp
