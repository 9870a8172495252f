#pragma once
// The gateway as an OAuth 2.1 authorization server in front of Entra ID (authorization_server:
// enabled). MCP clients talk to it as to any authorization server; it signs the user in at Entra
// with its own app registration and redirect URI (/oauth/callback), then:
//   - asks the user's consent before the first sign-in through a client it does not know (MCP's
//     rule for proxies that use one client ID upstream: the confused-deputy problem);
//   - redirects to the client with its own single-use code, bound to the client, its redirect URI
//     and its PKCE challenge, and with `iss` (RFC 9207), which it can vouch for;
//   - accepts Client ID Metadata Documents and registrations (/register) as client IDs;
//   - redeems refresh tokens at Entra with its own credential, with the full scope.
// Entra's access token passes to the client unchanged (the gateway validates it on every MCP
// request as before); its refresh token only wrapped for that client (AES-256-GCM under the
// gateway key); the ID token, issued to the gateway's app, not at all.
#include <functional>
#include <memory>
#include <string>

#include <boost/system/result.hpp>

#include "auth/verifier.hpp"
#include "common/clock.hpp"
#include "http/async.hpp"
#include "http/message.hpp"
#include "proxy/discovery.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::http {
class Upstream;
}

namespace mcpgate::proxy {

class AuthorizationServer {
 public:
  using Verify =
      std::function<http::Task<boost::system::result<std::shared_ptr<const auth::VerifiedToken>, auth::VerifyError>>(
          size_t route, std::string token)>;
  struct Context {
    const GatewayConfig& config;
    const Clock& clock;
    http::Upstream& idp;      // Entra's token endpoint
    http::Upstream& outside;  // client metadata documents (public addresses only, unless allowed)
    std::function<TenantEndpoints()> endpoints;
    Verify verify;  // the route's own validation, so a token it would refuse is caught here
  };

  explicit AuthorizationServer(Context context);
  ~AuthorizationServer();

  // /authorize, /oauth/callback, /oauth/consent, /token and /register.
  static bool serves(const http::Request& request);
  http::Task<http::Response> handle(const http::Request& request);

  // RFC 8414 members this role adds to the gateway's metadata.
  void describe(boost::json::object& metadata) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::proxy
