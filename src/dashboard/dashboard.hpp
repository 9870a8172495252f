#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "admin/admin_api.hpp"
#include "auth/verifier.hpp"
#include "common/clock.hpp"
#include "dashboard/assets.hpp"
#include "dashboard/sessions.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace mcpgate::dashboard {

struct DashboardOptions {
  std::string public_url;  // how browsers reach the server: the redirect URI is <public_url>/dashboard/callback
  std::string authority = "https://login.microsoftonline.com";
  std::string tenant_id;                     // people sign in from this tenant only
  std::string client_id;                     // the dashboard's app registration
  std::optional<std::string> client_secret;  // for a Web app registration; none for a public client with PKCE
  std::optional<std::string> ca_file;
  std::vector<std::string> owners;  // object IDs of installation owners: they manage every teamspace
  std::chrono::seconds session_lifetime{std::chrono::hours(8)};
};

// Checks an ID token's signature, issuer, audience (the dashboard's client ID) and lifetime
// against the tenant's keys; the error is a sentence for the person signing in.
using IdTokenCheck = std::function<boost::system::result<auth::VerifiedToken, std::string>(const std::string&)>;
// Sends the code redemption; http::fetch outside tests.
using TokenRequest = std::function<http::Response(const http::ClientRequest&)>;

// The dashboard: its pages, sign-in with Entra (authorization code with PKCE and a nonce, the
// state bound to the browser by a cookie) and sessions for the admin API. Blocking (the code
// redemption is an HTTP call): run it off the I/O threads.
//
//   GET  /dashboard/               the page (and its assets under /dashboard/assets/)
//   GET  /dashboard/login          starts the sign-in: ?login_hint=, ?return_to=/dashboard/…
//   GET  /dashboard/callback       where Entra sends the browser back
//   GET  /dashboard/session        who is signed in, and the CSRF token; 401 when nobody is
//   POST /dashboard/logout         ends the session (X-CSRF-Token)
class Dashboard {
 public:
  Dashboard(DashboardOptions options, store::Store& store, IdTokenCheck check_id_token, const Clock& clock,
            TokenRequest token_request = {});

  static bool serves(std::string_view path);  // /dashboard and below
  http::Response handle(const http::Request& request);

  // For /admin/v1 requests: the signed-in caller when the request carries a session cookie and
  // no Authorization header; nullopt when it is not a session request (the admin token path
  // applies). A session request without a live session, or a change without the CSRF token or
  // from another origin, gets the refusal to send.
  std::optional<boost::system::result<admin::Caller, http::Response>> session_caller(const http::Request& request);

  const DashboardOptions& options() const { return options_; }

 private:
  http::Response page(std::string_view path) const;
  http::Response start_sign_in(const http::Request& request);
  http::Response finish_sign_in(const http::Request& request);
  http::Response session_info(const http::Request& request);
  http::Response sign_out(const http::Request& request);
  std::optional<Session> session_of(const http::Request& request, std::string* cookie = nullptr);
  std::optional<http::Response> refuse_change(const http::Request& request, const Session& session) const;
  bool secure() const;
  // Each teamspace's role of the signed-in person, by object ID first (see dashboard.cpp).
  store::StoreResult<std::map<int64_t, store::Role>> roles_of(const Identity& who);
  std::string cookie_name(std::string_view name) const;  // __Host- prefixed behind https

  DashboardOptions options_;
  store::Store& store_;
  IdTokenCheck check_id_token_;
  TokenRequest token_request_;
  SessionTable sessions_;
};

}  // namespace mcpgate::dashboard
