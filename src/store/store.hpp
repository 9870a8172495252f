#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "common/clock.hpp"

namespace mcpgate::store {

enum class Plan { free, pro, enterprise, enterprise_trial };
std::string_view to_string(Plan plan);                  // "free", "pro", "enterprise", "enterprise-trial"
std::optional<Plan> parse_plan(std::string_view text);  // those names, any case

enum class Role { owner, admin, developer };
std::string_view to_string(Role role);                  // "owner", "admin", "developer"
std::optional<Role> parse_role(std::string_view text);  // those names, any case

struct Teamspace {
  int64_t id = 0;
  std::string name;
  Plan plan = Plan::free;
  std::optional<SysTime> trial_ends;  // set exactly when plan is enterprise_trial
  SysTime created;
};

struct User {
  int64_t id = 0;
  std::string email;  // lower case, unique
  SysTime created;
};

struct Membership {
  int64_t teamspace_id = 0;
  User user;
  Role role = Role::developer;
  SysTime created;
};

// What an owner or admin enters on the Microsoft Entra ID card.
struct EntraSettings {
  std::string tenant_id;       // the directory (tenant) ID, a GUID
  std::string audience;        // the MCP API app's client ID: the aud of the tokens we accept
  std::string required_scope;  // e.g. "mcp.access", looked for in scp
};

// One per teamspace.
struct EntraConfig {
  int64_t teamspace_id = 0;
  std::string tenant_id;
  std::string audience;
  std::string required_scope;
  SysTime updated;
};

// A pre-provisioned developer: tokens from `tenant_id` whose oid is `oid` belong to this user in
// this teamspace. (tenant_id, oid, teamspace_id) is unique, and so is (teamspace_id, user_id).
struct EntraUser {
  int64_t teamspace_id = 0;
  int64_t user_id = 0;
  std::string email;
  std::string tenant_id;
  std::string oid;
  SysTime created;
};

// An API key as listed; the secret itself is never stored, only its SHA-256.
struct ApiKey {
  int64_t id = 0;
  int64_t teamspace_id = 0;
  std::string name;
  std::string prefix;  // the first characters of the secret, for people to tell keys apart
  SysTime created;
  std::optional<SysTime> revoked;
  std::optional<std::string> owner_email;  // the member it was made for; none: the teamspace's own
  std::optional<SysTime> last_used;        // to the minute: recorded at most once a minute
};

// Returned once, at creation: the only time the secret exists outside the caller's hands.
struct NewApiKey {
  ApiKey key;
  std::string secret;  // "ctx7sk-<base64url of 32 random bytes>"
};
inline constexpr std::string_view kApiKeyScheme = "ctx7sk-";

struct UsageRecord {
  SysTime time;
  int64_t teamspace_id = 0;
  std::optional<int64_t> user_id;  // absent for API-key calls
  std::string user_label;          // an email or an API key's name, kept when the user is gone
  std::string tool;
  std::string arguments_summary;  // cut to kMaxArgumentsSummaryBytes (validation.hpp)
  int64_t result_bytes = 0;
  int64_t latency_ms = 0;
  std::string outcome = "ok";
};

// Tool calls of one UTC day by one user (or key) and tool.
struct UsageCount {
  std::string day;  // "2027-01-31"
  std::string user_label;
  std::string tool;
  int64_t calls = 0;
};

// One change to what the store holds, as the audit log keeps it: who, what, when. Append-only:
// the store refuses to change or delete a written entry.
struct AuditEntry {
  int64_t id = 0;
  SysTime time;
  std::optional<int64_t> teamspace_id;  // none: an installation-wide change
  std::string teamspace;                // its name then, kept if it is renamed or gone
  std::string actor_oid;                // the Entra object ID of who did it; empty for the admin token or CLI
  std::string actor_email;              // or a description: "admin token", "cli (root@host)"
  std::string channel;                  // "dashboard", "api", "cli"
  std::string action;                   // "user.add", "entra.set", "api_key.revoke", …
  std::string detail;                   // what changed, never a secret
};

// A teamspace and the role one user holds in it.
struct MemberOf {
  Teamspace teamspace;
  Role role = Role::developer;
};

// How a CSV import treats rows: write the valid ones, write all or none, or only report.
enum class ImportMode { write_valid, all_or_nothing, check_only };

// The fate of one CSV line in a bulk import.
struct CsvRowReport {
  size_t line = 0;  // 1-based line in the CSV text
  std::string email;
  std::string oid;
  bool ok = false;      // the row is valid and consistent with the others and the store
  std::string message;  // "added", "already present", what is wrong, or why nothing was written
};

enum class StoreErrorCode { not_found, conflict, invalid, io };
std::string_view to_string(StoreErrorCode code);

struct StoreError {
  StoreErrorCode code = StoreErrorCode::io;
  std::string message;  // one sentence a person can act on

  // User-declared so StoreError is no aggregate: were it one, C++20 would let a bare string
  // construct it and StoreResult<std::string> could not tell a value from an error.
  StoreError() = default;
  static StoreError make(StoreErrorCode code, std::string message);
  static StoreError not_found(std::string message) { return make(StoreErrorCode::not_found, std::move(message)); }
  static StoreError conflict(std::string message) { return make(StoreErrorCode::conflict, std::move(message)); }
  static StoreError invalid(std::string message) { return make(StoreErrorCode::invalid, std::move(message)); }
  static StoreError io(std::string message) { return make(StoreErrorCode::io, std::move(message)); }
};

// Lets StoreResult<T>::value() throw (std::runtime_error carrying the message).
[[noreturn]] void throw_exception_from_error(const StoreError& error, const boost::source_location& where);

template <class T>
using StoreResult = boost::system::result<T, StoreError>;

// The value of operations that return nothing but can fail.
struct Done {};

// Everything the MCP server keeps. Back-ends (SQLite now, PostgreSQL later) share the input
// validation in store/validation.hpp, so a value refused by one is refused by all.
//
// Every call blocks on the database: call it from a worker thread, never from an I/O thread.
// Implementations are thread-safe. A change is committed when the call returns success; a change
// that fails leaves nothing behind. Failures, the database's own included (io), come back as
// StoreError; nothing throws short of a broken system (memory or randomness exhausted).
//
// `teamspace` parameters name a teamspace by its name (any case) or by its decimal id; names
// cannot be all digits, so the two never collide. An unknown teamspace is not_found.
class Store {
 public:
  virtual ~Store() = default;

  // --- Teamspaces -------------------------------------------------------------------------
  // trial_ends must be given, and in the future, exactly when plan is enterprise_trial.
  // A name already taken (in any case) is a conflict.
  virtual StoreResult<Teamspace> create_teamspace(std::string_view name, Plan plan,
                                                  std::optional<SysTime> trial_ends) = 0;
  virtual StoreResult<std::vector<Teamspace>> list_teamspaces() = 0;  // by name
  virtual StoreResult<Teamspace> find_teamspace(std::string_view teamspace) = 0;
  virtual StoreResult<Teamspace> set_plan(std::string_view teamspace, Plan plan, std::optional<SysTime> trial_ends) = 0;

  // --- Members ----------------------------------------------------------------------------
  // Creates the user if the email is new; sets the role if the user is already a member.
  virtual StoreResult<Membership> add_member(std::string_view teamspace, std::string_view email, Role role) = 0;
  virtual StoreResult<std::vector<Membership>> list_members(std::string_view teamspace) = 0;  // by email
  // Every teamspace where this email is a member, by name; empty for an unknown email.
  virtual StoreResult<std::vector<MemberOf>> teamspaces_of(std::string_view email) = 0;

  // --- Microsoft Entra ID tenant ----------------------------------------------------------
  // Only enterprise teamspaces and active enterprise trials may configure a tenant (invalid
  // otherwise). Tenant ID and audience must be GUIDs; they are stored in lower case.
  virtual StoreResult<EntraConfig> set_entra_config(std::string_view teamspace, const EntraSettings& settings) = 0;
  virtual StoreResult<EntraConfig> entra_config(std::string_view teamspace) = 0;  // not_found if none
  // Leaves the Entra users in place: setting the same tenant again brings them back.
  virtual StoreResult<Done> remove_entra_config(std::string_view teamspace) = 0;
  // For token routing: the configurations whose audience is `audience` (any case), of
  // teamspaces entitled to Entra ID now (enterprise, or a trial that has not ended), by id.
  virtual StoreResult<std::vector<EntraConfig>> teamspaces_for_audience(std::string_view audience) = 0;

  // --- Pre-provisioned Entra users --------------------------------------------------------
  // Needs the teamspace's tenant configured (invalid otherwise). Creates the user if the email
  // is new, adds a developer membership unless the user is already a member (an owner stays an
  // owner) and maps (tenant, oid, teamspace) to the user. Adding the same email and oid again
  // changes nothing and returns the existing mapping. Conflicts: the oid is mapped to another
  // email in the tenant, or the email to another oid in the tenant or in this teamspace.
  virtual StoreResult<EntraUser> add_entra_user(std::string_view teamspace, std::string_view email,
                                                std::string_view oid) = 0;
  virtual StoreResult<std::vector<EntraUser>> list_entra_users(std::string_view teamspace) = 0;  // by email
  // `email_or_oid` is an email (it has an '@') or an object ID. Removes the mapping and, when the
  // user is a developer, the membership that came with it; owners and admins keep their role.
  virtual StoreResult<Done> remove_entra_user(std::string_view teamspace, std::string_view email_or_oid) = 0;
  // The request path's lookup after a token has been verified. nullopt: not provisioned.
  virtual StoreResult<std::optional<EntraUser>> find_entra_user(std::string_view teamspace, std::string_view tenant_id,
                                                                std::string_view oid) = 0;
  // `email,oid` per line; a first line "email,oid" is a header; blank lines are skipped. Each
  // non-blank line gets a report, in order. Without all_or_nothing the good rows are written and
  // the bad ones reported; with it, one bad row means nothing is written. Whole-import problems
  // (unknown teamspace, no tenant configured, more than kMaxCsvRows rows, validation.hpp) are errors.
  // check_only reports what all_or_nothing would do and writes nothing.
  virtual StoreResult<std::vector<CsvRowReport>> import_entra_users(std::string_view teamspace,
                                                                    std::string_view csv_text, ImportMode mode) = 0;
  StoreResult<std::vector<CsvRowReport>> import_entra_users_csv(std::string_view teamspace, std::string_view csv_text,
                                                                bool all_or_nothing) {
    return import_entra_users(teamspace, csv_text,
                              all_or_nothing ? ImportMode::all_or_nothing : ImportMode::write_valid);
  }

  // --- API keys ---------------------------------------------------------------------------
  // `owner_email`: the member the key is made for (who sees it as theirs); none for the teamspace's.
  virtual StoreResult<NewApiKey> create_api_key(std::string_view teamspace, std::string_view name,
                                                const std::optional<std::string>& owner_email) = 0;
  StoreResult<NewApiKey> create_api_key(std::string_view teamspace, std::string_view name) {
    return create_api_key(teamspace, name, std::nullopt);
  }
  // The key whose secret this is, if it exists and is not revoked. Marks it used.
  virtual StoreResult<std::optional<ApiKey>> find_api_key(std::string_view secret) = 0;
  // Revoking a revoked key changes nothing (it keeps its first revocation time). The key as it is now.
  virtual StoreResult<ApiKey> revoke_api_key(int64_t id) = 0;
  virtual StoreResult<std::vector<ApiKey>> list_api_keys(std::string_view teamspace) = 0;  // oldest first, revoked too

  // --- Usage log --------------------------------------------------------------------------
  virtual StoreResult<Done> record_usage(const UsageRecord& record) = 0;
  // Newest first, at most `limit` records.
  virtual StoreResult<std::vector<UsageRecord>> usage(std::string_view teamspace, size_t limit) = 0;
  // Records in [from, to), newest first, at most `limit`.
  virtual StoreResult<std::vector<UsageRecord>> usage_between(std::string_view teamspace, SysTime from, SysTime to,
                                                              size_t limit) = 0;
  // Calls in [from, to) counted per UTC day, user and tool; by day, then user, then tool.
  virtual StoreResult<std::vector<UsageCount>> usage_counts(std::string_view teamspace, SysTime from, SysTime to) = 0;

  // --- Audit log --------------------------------------------------------------------------
  // The id and time are the store's; the teamspace name is taken from teamspace_id when set.
  virtual StoreResult<AuditEntry> append_audit(const AuditEntry& entry) = 0;
  // Makes a change and records it together: `change` calls this store and returns the entry that
  // describes what it did (none: nothing worth recording); the change and the entry are committed
  // as one, or neither is (the change's error, or the audit log's, comes back).
  virtual StoreResult<std::optional<AuditEntry>> audited(
      const std::function<StoreResult<std::optional<AuditEntry>>()>& change) = 0;
  // Newest first, at most `limit`: of one teamspace (name or id), or of everything when empty.
  virtual StoreResult<std::vector<AuditEntry>> audit_log(std::string_view teamspace, size_t limit) = 0;
};

}  // namespace mcpgate::store
