#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

// Who calls the API, once authenticated, and what they may do. The admin token and the
// installation owners named in the dashboard's configuration may do everything; anyone else acts
// in the teamspaces where they hold a role: owners and admins manage, developers see the
// teamspace, create and revoke their own API keys and read their own usage.
struct Caller {
  Actor actor;
  bool installation_admin = false;
  std::map<int64_t, store::Role> roles;  // teamspace id → role
};

// What a route asks of its caller.
enum class Access {
  installation,  // the admin token or an installation owner: teamspaces and plans, every key
  manage,        // owner or admin of the route's teamspace ({ts}, the first parameter)
  member,        // any role in the route's teamspace; the action narrows what a developer sees
  anyone,        // any authenticated caller; the action shows only what is theirs
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
//   GET             /admin/v1/teamspaces/{ts}/usage/report[?from=YYYY-MM-DD&to=YYYY-MM-DD]  counts per day, user, tool
//   GET             /admin/v1/teamspaces/{ts}/usage.csv[?from&to]
//   GET             /admin/v1/teamspaces/{ts}/users.csv
//   DELETE          /admin/v1/teamspaces/{ts}/api-keys/{id}
//   GET             /admin/v1/teamspaces/{ts}/audit[?limit=N]  and /audit.csv;  /admin/v1/audit for everything
//   GET             /admin/v1/me                         who the caller is and their teamspaces
//
// Listing users takes ?q= (part of an email or object ID), ?offset= and ?limit= (at most 1000)
// and answers "total" beside the page. The import takes ?check=true to report without writing.
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

  // Authenticates with the admin token, then serves.
  http::Response handle(const http::Request& request);
  // Serves a caller authenticated elsewhere (a dashboard session), whatever the admin token.
  http::Response handle(const http::Request& request, const Caller& caller);

  using Action = std::function<http::Response(AdminService&, const http::Request&, const std::vector<std::string>&,
                                              const Caller&)>;
  // Adds a route below /admin/v1 served by another part of the server (the libraries). Routes
  // added later are tried after the API's own. Not thread-safe: add before serving.
  void add_route(std::string method, std::string pattern, Access access, Action action);

  AdminService& service() { return service_; }

 private:
  struct Route {
    std::string method;
    std::string pattern;  // below /admin/v1; "*" is one non-empty segment, passed as a parameter
    Access access;
    Action action;
  };

  std::string admin_token_;
  AdminService service_;
  std::vector<Route> routes_;
};

// The caller's role in a teamspace, or why they have none there (answer 404 then: whether a
// teamspace exists is not for outsiders to learn).
std::optional<store::Role> role_of(const Caller& caller, int64_t teamspace_id);

// The API's error answer: {"error","message"}, Cache-Control: no-store; and the one for an
// administration error, with its status (400 invalid, 403 plan_refused, 404 not_found, 409
// conflict, 401 unauthorized, 503 store_failure). For routes added by other parts of the server.
http::Response problem(int status, std::string_view code, std::string_view message);
http::Response failure(const Error& error);

// A CSV cell written so a spreadsheet shows it as text: quoted when needed, and a leading
// = + - @ (a formula to Excel) defused with an apostrophe.
std::string csv_cell(std::string_view value);

}  // namespace mcpgate::admin
