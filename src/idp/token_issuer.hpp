#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "idp/keystore.hpp"
#include "idp/model.hpp"
#include "idp/scopes.hpp"

namespace mcpgate::idp {

// What a user token is about: who signed in, through which client, how strongly.
struct UserGrant {
  const User* user = nullptr;
  const App* client = nullptr;
  std::string azpacr = "0";  // 0 public client, 1 secret, 2 certificate
  bool mfa = false;          // the sign-in satisfied multi-factor authentication
  bool expired = false;      // development: an access token whose lifetime ended an hour ago
};

// Mints Entra-shaped tokens (v2 by default, v1 when the resource app asks for it) signed with
// the key store's current key.
class TokenIssuer {
 public:
  TokenIssuer(KeyStore& keys, const IdpConfig& config, const Clock& clock);

  // https://<host>/<tid>/v2.0, or Microsoft's own issuer string with issuer_override.
  std::string issuer(const Tenant& tenant, const std::string& base_url) const;
  static std::string v1_issuer(const Tenant& tenant);

  std::string user_access_token(const Tenant& tenant, const std::string& base_url, const UserGrant& grant,
                                const ScopeSet& scopes, const std::vector<std::string>& granted) const;
  std::string app_access_token(const Tenant& tenant, const std::string& base_url, const App& client,
                               const App& resource, const std::vector<std::string>& roles,
                               const std::string& azpacr) const;
  std::string id_token(const Tenant& tenant, const std::string& base_url, const UserGrant& grant,
                       const std::optional<std::string>& nonce) const;

  // base64url({"uid":oid,"utid":tid}): MSAL builds its account from it.
  static std::string client_info(const Tenant& tenant, const User& user);
  // Entra's sub is pairwise: the same user has a different sub for every app.
  static std::string pairwise_subject(const std::string& oid, const std::string& app_id);
  // The service principal object ID of an app in a tenant (stable, derived).
  static std::string service_principal_oid(const Tenant& tenant, const App& app);

  std::chrono::seconds access_token_lifetime() const { return config_.lifetimes.access_token; }

 private:
  std::string sign(const boost::json::object& payload, bool graph_nonce = false) const;

  KeyStore& keys_;
  const IdpConfig& config_;
  const Clock& clock_;
};

}  // namespace mcpgate::idp
