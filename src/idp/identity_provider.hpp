#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "http/form.hpp"
#include "http/message.hpp"
#include "idp/entra_error.hpp"
#include "idp/keystore.hpp"
#include "idp/model.hpp"
#include "idp/scopes.hpp"
#include "idp/token_issuer.hpp"

namespace mcpgate::idp {

// The development identity provider: Entra ID's v2 endpoints, as a pure request → response
// function. Thread-safe; one instance serves every tenant of the configuration.
class IdentityProvider {
 public:
  IdentityProvider(IdpConfig config, KeyStore& keys, const Clock& clock);

  http::Response handle(const http::Request& request);
  http::Response error_response(int status, std::string_view message);  // for the HTTP server's own errors

  const IdpConfig& config() const { return config_; }

 private:
  struct AuthorizationCode {
    const Tenant* tenant;
    const App* client;
    const User* user;
    std::string redirect_uri;
    ScopeSet scopes;
    std::vector<std::string> granted;
    std::optional<std::string> code_challenge;
    std::string code_challenge_method;
    std::optional<std::string> nonce;
    bool mfa;
    SysTime expires;
    bool redeemed = false;
  };
  struct RefreshGrant {
    const Tenant* tenant;
    const App* client;
    const User* user;
    ScopeSet scopes;
    std::vector<std::string> granted;
    bool mfa;
    SysTime expires;
  };
  struct ClientAuthentication {
    const App* app;
    std::string azpacr;  // "0" none, "1" secret, "2" certificate
  };
  struct Stats {
    std::map<std::string, long> grants;       // by grant type
    std::map<std::string, long> obo_by_user;  // "<tid>/<oid>" → exchanges
    long errors = 0;
  };

  std::string base_url(const http::Request& request) const;

  // Routes.
  http::Response discovery(const Tenant* tenant, const std::string& tenant_segment, const std::string& base, bool v1);
  http::Response keys(const Tenant* tenant, const std::string& base);
  http::Response authorize(const Tenant& tenant, const std::string& base, const http::Form& params,
                           const User* chosen_user);
  http::Response sign_in_submission(const Tenant& tenant, const std::string& base, const http::Request& request);
  http::Response token(const Tenant& tenant, const std::string& base, const http::Request& request);
  http::Response instance_discovery(const http::Request& request, const std::string& base);
  http::Response stats();
  http::Response index_page(const std::string& base);

  // Token grants.
  boost::system::result<http::Response, EntraError> grant_authorization_code(const Tenant&, const std::string& base,
                                                                             const http::Form&, const http::Request&);
  boost::system::result<http::Response, EntraError> grant_refresh_token(const Tenant&, const std::string& base,
                                                                        const http::Form&, const http::Request&);
  boost::system::result<http::Response, EntraError> grant_client_credentials(const Tenant&, const std::string& base,
                                                                             const http::Form&, const http::Request&);
  boost::system::result<http::Response, EntraError> grant_on_behalf_of(const Tenant&, const std::string& base,
                                                                       const http::Form&, const http::Request&);

  boost::system::result<ClientAuthentication, EntraError> authenticate_client(const Tenant& tenant,
                                                                              const std::string& base,
                                                                              const http::Form& form,
                                                                              const http::Request& request,
                                                                              bool credential_required);
  boost::system::result<UserGrant, EntraError> verify_user_assertion(const Tenant& tenant, const App& caller,
                                                                     std::string_view assertion);
  http::Response user_token_response(const Tenant& tenant, const std::string& base, const UserGrant& grant,
                                     const ScopeSet& scopes, const std::vector<std::string>& granted,
                                     const http::Form& form, const std::optional<std::string>& nonce);

  http::Response fail(const EntraError& e);
  void count_grant(const std::string& grant_type);

  IdpConfig config_;
  KeyStore& keys_;
  const Clock& clock_;
  TokenIssuer issuer_;

  std::mutex mutex_;  // guards everything below
  std::map<std::string, AuthorizationCode> codes_;
  std::map<std::string, RefreshGrant> refresh_tokens_;
  std::map<std::string, std::pair<http::Form, SysTime>> pending_sign_ins_;
  std::map<std::string, SysTime> used_assertion_ids_;
  // POST /_dev/expire-next-token: the next access token for these users (by UPN, lower case) is
  // issued expired an hour ago, so clients' refresh on expiry can be tried without waiting.
  std::set<std::string> expire_next_;
  Stats stats_;
};

// Entra's loopback rule: for http://localhost and http://127.0.0.1 the port is ignored; a
// registration without a path accepts any path on that host. Anything else must match exactly.
bool redirect_uri_matches(std::string_view registered, std::string_view requested);

}  // namespace mcpgate::idp
