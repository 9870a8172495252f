#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "admin/admin_service.hpp"
#include "common/clock.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace mcpgate::admin {

struct AdminApiOptions {
  std::string admin_token;  // empty: the API is disabled and answers 404 to everything
  std::string authority = "https://login.microsoftonline.com";  // for "test connection"
  std::optional<std::string> ca_file;                           // extra CA (PEM) for the authority
  std::chrono::milliseconds test_timeout{10'000};               // the whole discovery fetch
};

// The administration REST API under /admin/v1: request in, response out, JSON both ways.
// Calls block on the store (and "test connection" on the network): run it off the I/O threads.
// handle() may run on several threads at once; the API keeps no state of its own.
//
// Every request needs `Authorization: Bearer <admin token>` (compared in constant time); without
// it: 401 {"error":"unauthorized","message":…} with `WWW-Authenticate: Bearer realm="mcpgate-admin"`.
// Errors are {"error":"<code>","message":"<what is wrong and how to fix it>"}: 400 invalid,
// 403 plan_refused, 404 not_found, 405 method_not_allowed (with Allow), 409 conflict,
// 415 unsupported_media_type, 503 store_failure (the store failed: a full disk, a read-only folder; no path or query is
// said). Every answer carries Cache-Control: no-store; an API key's secret appears only in the answer that creates it,
// and nothing is logged.
//
//   GET  POST       /admin/v1/teamspaces                 POST {"name","plan","trial_ends"?}
//   GET             /admin/v1/teamspaces/{ts}
//   PUT             /admin/v1/teamspaces/{ts}/plan       {"plan","trial_ends"?}
//   GET  PUT DELETE /admin/v1/teamspaces/{ts}/entra      PUT {"tenant_id","audience","required_scope"}
//   POST            /admin/v1/teamspaces/{ts}/entra/test
//   GET  POST       /admin/v1/teamspaces/{ts}/users      POST {"email","oid"}
//   DELETE          /admin/v1/teamspaces/{ts}/users/{email_or_oid}
//   POST            /admin/v1/teamspaces/{ts}/users/import[?all_or_nothing=true]   body: text/csv
//   GET  POST       /admin/v1/teamspaces/{ts}/members    POST {"email","role"}
//   GET  POST       /admin/v1/teamspaces/{ts}/api-keys   POST {"name"} → 201 with "secret"
//   DELETE          /admin/v1/api-keys/{id}
//   GET             /admin/v1/teamspaces/{ts}/usage[?limit=N]
//
// {ts} is a teamspace name (percent-encoded as needed) or id; trial_ends is "YYYY-MM-DD" (00:00
// UTC) or "YYYY-MM-DDTHH:MM:SSZ". Creation answers 201, deletion 204, the rest 200. Times in
// answers are "YYYY-MM-DDTHH:MM:SSZ". "test connection" answers 200 with {"ok","step","message",
// "issuer"} whether or not the tenant passed. Unknown members in a JSON body are refused, so a
// misspelt field is reported rather than ignored.
class AdminApi {
 public:
  // `store` and `clock` must outlive the API; `clock` decides trial ends (give the store's own).
  AdminApi(store::Store& store, AdminApiOptions options, const Clock& clock = SystemClock::instance());

  http::Response handle(const http::Request& request);

 private:
  std::string admin_token_;
  AdminService service_;
};

}  // namespace mcpgate::admin
