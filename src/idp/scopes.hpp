#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "idp/entra_error.hpp"
#include "idp/model.hpp"

namespace mcpgate::idp {

// A parsed `scope` parameter: OpenID scopes plus scopes of exactly one resource.
struct ScopeSet {
  const App* resource = nullptr;    // nullptr: Microsoft Graph (also when only OpenID scopes were asked)
  std::vector<std::string> scopes;  // short names on the resource, e.g. "mcp.access"
  bool default_scope = false;       // "<resource>/.default"
  bool openid = false, profile = false, email = false, offline_access = false;

  std::string resource_id() const;  // client ID, or Graph's app ID
  bool graph() const { return resource == nullptr; }
};

boost::system::result<ScopeSet, EntraError> parse_scopes(const Tenant& tenant, std::string_view scope_param);

// RFC 8707 `resource` as Entra v2 treats it: accepted only when it names the same resource as
// the scopes (MCP clients send their server's URL, which Entra rejects with AADSTS9010010).
std::optional<EntraError> check_resource_parameter(const ScopeSet& scopes, std::optional<std::string_view> resource);

// Which delegated scopes `client` gets on the resource, by the tenant's consent rules:
// the resource itself, authorized client applications, admin-consented API permissions and,
// on interactive sign-in where the tenant allows it, user consent.
boost::system::result<std::vector<std::string>, EntraError> delegated_grant(const Tenant& tenant, const App& client,
                                                                            const ScopeSet& scopes, bool interactive);

// Application permissions (roles) `client` holds on the resource, for client credentials.
std::vector<std::string> application_grant(const App& client, const App& resource);

// The `scope` value of a token response: full scope names, then the OpenID scopes granted.
std::string response_scope(const ScopeSet& scopes, const std::vector<std::string>& granted);

}  // namespace mcpgate::idp
