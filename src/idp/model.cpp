#include "idp/model.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mcpgate::idp {

bool App::identified_by(std::string_view id) const {
  if (iequals(id, client_id)) return true;
  return std::any_of(identifier_uris.begin(), identifier_uris.end(), [&](auto& u) { return u == id; });
}

bool App::exposes_scope(std::string_view scope) const {
  return std::any_of(scopes.begin(), scopes.end(), [&](auto& s) { return iequals(s, scope); });
}

const ApiPermission* App::permission_on(const App& resource) const {
  for (auto& p : api_permissions)
    if (resource.identified_by(p.resource)) return &p;
  return nullptr;
}

const AuthorizedClient* App::authorized_client(std::string_view id) const {
  for (auto& c : authorized_clients)
    if (iequals(c.client_id, id)) return &c;
  return nullptr;
}

const App* Tenant::app(std::string_view id) const {
  for (auto& a : apps)
    if (a.identified_by(id)) return &a;
  return nullptr;
}

const User* Tenant::user(std::string_view key) const {
  for (auto& u : users)
    if (iequals(u.oid, key) || iequals(u.upn, key) || (!u.email.empty() && iequals(u.email, key))) return &u;
  return nullptr;
}

const Tenant* IdpConfig::tenant(std::string_view id) const {
  if (tenants.empty()) return nullptr;
  if (id == "common" || id == "organizations") return &tenants.front();
  for (auto& t : tenants) {
    if (iequals(t.id, id)) return &t;
    for (auto& d : t.domains)
      if (iequals(d, id)) return &t;
  }
  return nullptr;
}

}  // namespace mcpgate::idp
