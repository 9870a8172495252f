#include "idp/scopes.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mcpgate::idp {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](auto& s) { return iequals(s, value); });
}

const std::vector<std::string>& graph_scopes() {
  static const std::vector<std::string> scopes{"User.Read", "User.ReadBasic.All", "offline_access"};
  return scopes;
}

EntraError invalid_scope(const std::string& why) {
  return make_error("invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. " + why);
}

}  // namespace

std::string ScopeSet::resource_id() const { return resource ? resource->client_id : std::string(kGraphAppId); }

boost::system::result<ScopeSet, EntraError> parse_scopes(const Tenant& tenant, std::string_view scope_param) {
  ScopeSet set;
  bool resource_chosen = false;
  auto choose = [&](const App* app, const std::string& token) -> std::optional<EntraError> {
    if (resource_chosen && app != set.resource)
      return invalid_scope("The scope '" + token +
                           "' names a second resource; a token can be issued for one resource only, so ask for "
                           "the scopes of each resource separately.");
    set.resource = app;
    resource_chosen = true;
    return std::nullopt;
  };
  auto tokens = split_whitespace(scope_param);
  if (tokens.empty()) return missing_parameter("scope");
  for (auto& token : tokens) {
    auto lower = to_lower(token);
    if (lower == "openid") {
      set.openid = true;
      continue;
    }
    if (lower == "profile") {
      set.profile = true;
      continue;
    }
    if (lower == "email") {
      set.email = true;
      continue;
    }
    if (lower == "offline_access") {
      set.offline_access = true;
      continue;
    }
    auto slash = token.rfind('/');
    std::string resource_part = slash == std::string::npos ? std::string() : token.substr(0, slash);
    std::string name = slash == std::string::npos ? token : token.substr(slash + 1);
    const App* app = nullptr;
    bool is_graph =
        resource_part.empty() || iequals(resource_part, kGraphResource) || iequals(resource_part, kGraphAppId);
    if (!is_graph) {
      app = tenant.app(resource_part);
      if (!app)
        return make_error("invalid_resource", 500011,
                          "The resource principal named " + resource_part + " was not found in the tenant named " +
                              tenant.name + ". Check the Application ID URI (api://<client-id>) of the API app.");
    }
    if (auto e = choose(app, token)) return *e;
    if (name == ".default") {
      set.default_scope = true;
      continue;
    }
    if (name.empty()) return invalid_scope("The scope '" + token + "' has no name after the resource.");
    bool known = app ? app->exposes_scope(name) : contains(graph_scopes(), name);
    if (!known)
      return invalid_scope("The scope '" + token + "' is not one that " +
                           (app ? app->name : std::string("Microsoft Graph")) + " exposes" +
                           (app ? " (exposed: " + join(app->scopes, ", ") + ")." : "."));
    set.scopes.push_back(name);
  }
  if (set.default_scope && !set.scopes.empty())
    return invalid_scope("'/.default' cannot be combined with other scopes of the same resource.");
  return set;
}

std::optional<EntraError> check_resource_parameter(const ScopeSet& scopes, std::optional<std::string_view> resource) {
  if (!resource || resource->empty()) return std::nullopt;
  bool matches = scopes.resource ? scopes.resource->identified_by(*resource)
                                 : (iequals(*resource, kGraphResource) || iequals(*resource, kGraphAppId));
  if (matches) return std::nullopt;
  return make_error(
      "invalid_target", 9010010,
      "The resource parameter provided in the request doesn't match with the requested scopes. (resource "
      "'" +
          std::string(*resource) + "', scopes for '" +
          (scopes.resource ? scopes.resource->identifier_uris.empty() ? scopes.resource->client_id
                                                                      : scopes.resource->identifier_uris.front()
                           : std::string(kGraphResource)) +
          "')");
}

boost::system::result<std::vector<std::string>, EntraError> delegated_grant(const Tenant& tenant, const App& client,
                                                                            const ScopeSet& scopes, bool interactive) {
  if (scopes.graph()) {
    // Signing in and reading one's own profile needs no admin in Entra either.
    return scopes.default_scope ? std::vector<std::string>{"User.Read"} : scopes.scopes;
  }
  const App& resource = *scopes.resource;
  if (&resource == &client) return scopes.default_scope ? resource.scopes : scopes.scopes;

  std::vector<std::string> allowed;
  const AuthorizedClient* pre = resource.authorized_client(client.client_id);
  if (pre) allowed = pre->scopes;
  const ApiPermission* permission = client.permission_on(resource);
  if (permission && permission->admin_consent)
    for (auto& s : permission->delegated)
      if (!contains(allowed, s)) allowed.push_back(s);

  if (scopes.default_scope) {
    if (!allowed.empty()) return allowed;
  } else if ((interactive && tenant.user_consent) ||
             std::all_of(scopes.scopes.begin(), scopes.scopes.end(), [&](auto& s) { return contains(allowed, s); })) {
    return scopes.scopes;
  }

  auto wanted = scopes.default_scope ? std::string(".default") : join(scopes.scopes, " ");
  if (!pre && !permission && interactive)
    return make_error("invalid_client", 65005,
                      "The application '" + client.name + "' (" + client.client_id +
                          ") is not authorized to request '" + wanted + "' of '" + resource.name +
                          "'. Add its client ID under Expose an API > Authorized "
                          "client applications of '" +
                          resource.name + "' and tick the scope.");
  auto e = make_error("invalid_grant", 65001,
                      "The user or administrator has not consented to use the application with ID '" +
                          client.client_id + "' named '" + client.name +
                          "'. Send an interactive authorization request for this user and "
                          "resource. (" +
                          client.name + " needs the delegated permission '" + wanted + "' on '" + resource.name +
                          "' with admin consent granted.)");
  e.suberror = "consent_required";
  return e;
}

std::vector<std::string> application_grant(const App& client, const App& resource) {
  const ApiPermission* permission = client.permission_on(resource);
  if (!permission || !permission->admin_consent) return {};
  return permission->application;
}

std::string response_scope(const ScopeSet& scopes, const std::vector<std::string>& granted) {
  std::vector<std::string> parts;
  std::string prefix = scopes.resource && !scopes.resource->identifier_uris.empty()
                           ? scopes.resource->identifier_uris.front() + "/"
                           : (scopes.resource ? scopes.resource->client_id + "/" : std::string());
  parts.reserve(granted.size() + 4);
  for (auto& s : granted) parts.push_back(prefix + s);
  if (scopes.openid) parts.push_back("openid");
  if (scopes.profile) parts.push_back("profile");
  if (scopes.email) parts.push_back("email");
  if (scopes.offline_access) parts.push_back("offline_access");
  return join(parts, " ");
}

}  // namespace mcpgate::idp
