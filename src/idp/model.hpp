#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.hpp"

namespace mcpgate::idp {

// Microsoft Graph, which Entra uses as the resource when only OpenID scopes are asked for.
inline constexpr std::string_view kGraphAppId = "00000003-0000-0000-c000-000000000000";
inline constexpr std::string_view kGraphResource = "https://graph.microsoft.com";
// Microsoft's first-party Visual Studio Code client (the seed's Part 2 Step 3).
inline constexpr std::string_view kVsCodeClientId = "aebc6443-996d-45c2-90f0-388ff96faa56";

struct User {
  std::string oid;
  std::string upn;  // userPrincipalName, also the preferred_username claim
  std::string email;
  std::string name;
  std::vector<std::string> groups;
  // Conditional Access: tokens must come from an MFA sign-in; On-Behalf-Of otherwise answers
  // interaction_required with a claims challenge.
  bool mfa_required = false;
};

struct AuthorizedClient {  // "Expose an API → Authorized client applications"
  std::string client_id;
  std::vector<std::string> scopes;
};

struct ApiPermission {   // "API permissions" on another app of the tenant
  std::string resource;  // the resource app's client ID or Application ID URI
  std::vector<std::string> delegated;
  std::vector<std::string> application;
  bool admin_consent = false;  // "Grant admin consent for <tenant>"
};

struct App {
  std::string name;
  std::string client_id;
  std::vector<std::string> secrets;
  std::vector<crypto::Certificate> certificates;  // for private_key_jwt client assertions
  std::vector<std::string> identifier_uris;       // Application ID URIs, e.g. api://<client-id>
  std::vector<std::string> scopes;                // exposed delegated scopes
  std::vector<std::string> app_roles;             // exposed application permissions
  int access_token_version = 2;                   // api.requestedAccessTokenVersion (null/1 → v1)
  std::vector<AuthorizedClient> authorized_clients;
  std::vector<ApiPermission> api_permissions;
  std::vector<std::string> redirect_uris;
  bool public_client = false;  // may redeem codes and refresh without a credential
  bool groups_claim = false;   // groupMembershipClaims: put "groups" in its tokens

  bool identified_by(std::string_view id) const;  // client ID or one of its identifier URIs
  bool exposes_scope(std::string_view scope) const;
  const ApiPermission* permission_on(const App& resource) const;
  const AuthorizedClient* authorized_client(std::string_view client_id) const;
};

struct Tenant {
  std::string id;  // directory (tenant) ID, a GUID
  std::string name;
  std::vector<std::string> domains;  // e.g. contoso.onmicrosoft.com, usable in place of the ID
  // Tokens and discovery carry https://login.microsoftonline.com/<tid>/v2.0, for third-party code
  // that accepts only Microsoft's issuer string.
  bool issuer_override = false;
  bool user_consent = false;  // users may consent to scopes no admin has granted
  std::vector<User> users;
  std::vector<App> apps;

  const App* app(std::string_view client_id_or_uri) const;
  const User* user(std::string_view oid_upn_or_email) const;
};

struct Lifetimes {
  std::chrono::seconds access_token{3600};
  std::chrono::seconds id_token{3600};
  std::chrono::seconds authorization_code{600};
  std::chrono::seconds refresh_token{24 * 3600};
};

struct IdpConfig {
  std::vector<Tenant> tenants;
  Lifetimes lifetimes;
  // With auto_login a known login_hint (or default_user) signs in with no page, so headless
  // clients can simply follow redirects.
  bool auto_login = true;
  std::optional<std::string> default_user;
  // Base URL tokens and documents name; by default the scheme and Host of each request.
  std::optional<std::string> public_url;
  std::chrono::seconds clock_skew{300};

  // A tenant GUID or domain; "common" and "organizations" mean the first tenant.
  const Tenant* tenant(std::string_view id_or_domain) const;
};

}  // namespace mcpgate::idp
