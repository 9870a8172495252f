#pragma once
#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_service.hpp"
#include "common/clock.hpp"
#include "store/store.hpp"

namespace mcpgate::admin {

struct AdminCliOptions {
  std::string authority = "https://login.microsoftonline.com";  // for `entra test`
  std::optional<std::string> ca_file;                           // extra CA (PEM) for the authority
  std::chrono::milliseconds test_timeout{10'000};               // the whole discovery fetch
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // the store or the plan refused, a value is invalid, a check failed
inline constexpr int kExitUsage = 2;    // unknown command or option, wrong number of arguments

// `mcpgate admin …` against the store directly. `args` are the words after "admin":
//
//   teamspace create NAME --plan PLAN [--trial-ends YYYY-MM-DD]
//   teamspace list
//   teamspace plan NAME PLAN [--trial-ends YYYY-MM-DD]
//   entra set TS --tenant GUID --audience GUID --scope SCOPE
//   entra show TS | entra remove TS | entra test TS
//   user add TS EMAIL OID | user list TS | user remove TS EMAIL_OR_OID
//   user import TS FILE.csv [--all-or-nothing]
//   member add TS EMAIL ROLE | member list TS
//   apikey create TS NAME | apikey list TS | apikey revoke ID
//   usage TS [--limit N]
//   help
//
// Options take their value as the next word or after '=' (--plan=enterprise); "--" ends options.
// Results go to `out` as sentences and tables; errors go to `err` as "error: …" naming what is
// wrong and how to fix it (with the command's usage line for invalid values and usage errors).
// `apikey create` prints the secret, once, with a warning that it cannot be shown again.
// Returns kExitOk, kExitRefused or kExitUsage. Blocks on the store (and, for `entra test`, the
// network). `clock` decides whether a trial has ended: give the store's own.
int run_admin_command(const std::vector<std::string>& args, store::Store& store, const AdminCliOptions& options,
                      std::ostream& out, std::ostream& err, const Clock& clock = SystemClock::instance());
// The same commands on other operations: a running server's REST API (AdminClient).
int run_admin_command(const std::vector<std::string>& args, AdminOperations& operations, std::ostream& out,
                      std::ostream& err);

}  // namespace mcpgate::admin
