#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "admin/tenant_check.hpp"
#include "common/clock.hpp"
#include "store/store.hpp"

// The administration operations shared by the command line and the REST API: each takes the
// values as a person typed them (plan and role names, dates, numbers), checks them, applies the
// plan rules the dashboard applies, and calls the store. The two front ends only parse their own
// syntax and render the answers.
namespace mcpgate::admin {

enum class ErrorCode {
  invalid,        // a value is malformed or breaks a rule
  not_found,      // no such teamspace, configuration, user or key
  conflict,       // clashes with what is stored
  plan_refused,   // Microsoft Entra ID on a plan that does not include it
  store_failure,  // the database failed
  unauthorized,   // a server refused the credentials (the command line's --server)
};
std::string_view to_string(ErrorCode code);  // "invalid", "not_found", "conflict", "plan_refused", "store_failure", …

struct Error {
  ErrorCode code = ErrorCode::invalid;
  std::string message;  // says what is wrong and how to fix it

  // Not an aggregate, for the reason given at store::StoreError.
  Error() = default;
  Error(ErrorCode code, std::string message);
  static Error from(const store::StoreError& error);
};

// Lets Result<T>::value() throw (std::runtime_error carrying the message).
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& where);

template <class T>
using Result = boost::system::result<T, Error>;

inline constexpr size_t kDefaultUsageLimit = 50;
inline constexpr size_t kMaxUsageLimit = 1000;

// "2027-01-31" (00:00 UTC that day) or "2027-01-31T12:00:00Z". nullopt for anything else.
std::optional<SysTime> parse_time(std::string_view text);
// "2027-01-31T12:00:00Z", to the second.
std::string format_time(SysTime time);
// "plan enterprise-trial, trial ends 2027-01-31T00:00:00Z": for messages and the audit log.
std::string describe_plan(const store::Teamspace& teamspace);

// How "test connection" reaches the tenant's identity provider.
struct TenantCheckOptions {
  std::string authority = "https://login.microsoftonline.com";  // or the development IdP's URL
  std::optional<std::string> ca_file;                           // extra CA (PEM) for the authority
  std::chrono::milliseconds timeout{10'000};
};

// A bulk import's outcome: a report per non-blank line, in order.
struct ImportResult {
  std::vector<store::CsvRowReport> rows;
  size_t imported = 0;  // mappings written that were not there before
  size_t failed = 0;    // rows not ok; with all-or-nothing, any failure means nothing was written
};

// Who makes a change, as the audit log records it.
struct Actor {
  std::string oid;                            // the Entra object ID of a signed-in person; empty otherwise
  std::string email = "local administrator";  // their email, or what acted ("admin token")
  std::string channel = "cli";                // "dashboard", "api" or "cli"
};

// What the usage page shows for a date range.
struct UsageReport {
  std::vector<store::UsageCount> counts;   // per day, user and tool
  std::vector<store::UsageRecord> recent;  // newest first, at most kMaxUsageLimit
};

inline constexpr size_t kDefaultAuditLimit = 200;
inline constexpr size_t kMaxAuditLimit = 5000;

// The operations the command line offers, whether it works on the store (AdminService) or on a
// running server through its REST API (AdminClient).
class AdminOperations {
 public:
  virtual ~AdminOperations() = default;
  virtual Result<store::Teamspace> create_teamspace(std::string_view name, std::string_view plan,
                                                    std::optional<std::string_view> trial_ends) = 0;
  virtual Result<std::vector<store::Teamspace>> list_teamspaces() = 0;
  virtual Result<store::Teamspace> set_plan(std::string_view teamspace, std::string_view plan,
                                            std::optional<std::string_view> trial_ends) = 0;
  virtual Result<store::EntraConfig> set_entra(std::string_view teamspace, const store::EntraSettings& settings) = 0;
  virtual Result<store::EntraConfig> entra(std::string_view teamspace) = 0;
  virtual Result<store::Done> remove_entra(std::string_view teamspace) = 0;
  virtual Result<TenantCheck> test_entra(std::string_view teamspace) = 0;
  virtual Result<store::EntraUser> add_user(std::string_view teamspace, std::string_view email,
                                            std::string_view oid) = 0;
  virtual Result<std::vector<store::EntraUser>> users(std::string_view teamspace) = 0;
  virtual Result<store::Done> remove_user(std::string_view teamspace, std::string_view email_or_oid) = 0;
  virtual Result<ImportResult> import_users(std::string_view teamspace, std::string_view csv_text,
                                            bool all_or_nothing) = 0;
  virtual Result<store::Membership> add_member(std::string_view teamspace, std::string_view email,
                                               std::string_view role) = 0;
  virtual Result<std::vector<store::Membership>> members(std::string_view teamspace) = 0;
  virtual Result<store::NewApiKey> create_api_key(std::string_view teamspace, std::string_view name) = 0;
  virtual Result<std::vector<store::ApiKey>> api_keys(std::string_view teamspace) = 0;
  virtual Result<store::ApiKey> revoke_api_key(std::string_view id) = 0;  // the decimal id
  virtual Result<std::vector<store::UsageRecord>> usage(std::string_view teamspace,
                                                        std::optional<std::string_view> limit) = 0;
};

// Every call blocks on the store: run it off the I/O threads. `teamspace` is a name or an id,
// as in store::Store. Microsoft Entra ID operations that configure or grant access (tenant set,
// show, remove and test; adding and importing users) are refused with plan_refused unless the
// teamspace is enterprise or on a trial that has not ended; listing and removing users is always
// allowed, so access can still be reviewed and withdrawn after a downgrade.
class AdminService final : public AdminOperations {
 public:
  // `store` and `clock` (the time plan checks use; give the store's own) must outlive this.
  AdminService(store::Store& store, TenantCheckOptions tenant_check, const Clock& clock);

  // The same service, recording its changes in the audit log as made by `actor`.
  AdminService acting_as(Actor actor) const;
  const Actor& actor() const { return actor_; }
  // Records a change made outside this service (a library restriction, say) as this actor's.
  void record_change(std::optional<int64_t> teamspace_id, std::string_view action, std::string detail);
  // Newest first; `limit` as for usage, up to kMaxAuditLimit; all teamspaces when `teamspace` is empty.
  Result<std::vector<store::AuditEntry>> audit_log(std::string_view teamspace, std::optional<std::string_view> limit);
  Result<std::vector<store::MemberOf>> teamspaces_of(std::string_view email);

  Result<store::Teamspace> create_teamspace(std::string_view name, std::string_view plan,
                                            std::optional<std::string_view> trial_ends) override;
  Result<std::vector<store::Teamspace>> list_teamspaces() override;
  Result<store::Teamspace> teamspace(std::string_view teamspace);
  Result<store::Teamspace> set_plan(std::string_view teamspace, std::string_view plan,
                                    std::optional<std::string_view> trial_ends) override;

  Result<store::EntraConfig> set_entra(std::string_view teamspace, const store::EntraSettings& settings) override;
  Result<store::EntraConfig> entra(std::string_view teamspace) override;
  Result<store::Done> remove_entra(std::string_view teamspace) override;
  // The configured tenant's discovery document checked against its issuer. A failed check is a
  // value (ok false); errors are for the teamspace, its plan or a missing configuration.
  Result<TenantCheck> test_entra(std::string_view teamspace) override;

  Result<store::EntraUser> add_user(std::string_view teamspace, std::string_view email, std::string_view oid) override;
  Result<std::vector<store::EntraUser>> users(std::string_view teamspace) override;
  Result<store::Done> remove_user(std::string_view teamspace, std::string_view email_or_oid) override;
  // Told after a user was removed from a teamspace, with their tenant and object ID, so what is
  // cached for them elsewhere (the gateways' On-Behalf-Of tokens) can be dropped.
  using UserRemoved = std::function<void(const std::string& tenant_id, const std::string& oid)>;
  void on_user_removed(UserRemoved observer) { user_removed_ = std::move(observer); }
  Result<ImportResult> import_users(std::string_view teamspace, std::string_view csv_text,
                                    bool all_or_nothing) override;
  Result<ImportResult> import_users(std::string_view teamspace, std::string_view csv_text, store::ImportMode mode);

  Result<store::Membership> add_member(std::string_view teamspace, std::string_view email,
                                       std::string_view role) override;
  Result<std::vector<store::Membership>> members(std::string_view teamspace) override;

  Result<store::NewApiKey> create_api_key(std::string_view teamspace, std::string_view name) override;
  Result<store::NewApiKey> create_api_key(std::string_view teamspace, std::string_view name,
                                          const std::optional<std::string>& owner_email);
  Result<std::vector<store::ApiKey>> api_keys(std::string_view teamspace) override;
  Result<store::ApiKey> revoke_api_key(std::string_view id) override;  // the decimal id

  // Newest first; `limit` is a decimal from 1 to kMaxUsageLimit, kDefaultUsageLimit when absent.
  Result<std::vector<store::UsageRecord>> usage(std::string_view teamspace,
                                                std::optional<std::string_view> limit) override;
  // Counts and records from `from` (a date, inclusive) to `to` (a date, inclusive); the last 30
  // days when absent.
  Result<UsageReport> usage_report(std::string_view teamspace, std::optional<std::string_view> from,
                                   std::optional<std::string_view> to);

 private:
  // The teamspace, refused with plan_refused when it may not use Microsoft Entra ID now.
  Result<store::Teamspace> entra_teamspace(std::string_view teamspace);

  // What a change wrote to the audit log: where, what, in words.
  struct Change {
    std::optional<int64_t> teamspace_id;
    std::string action;
    std::string detail;
  };
  store::AuditEntry entry_for(Change change) const;
  // A store change and its audit entry in one transaction, both or neither. `describe` turns the
  // change's value into its entry (nullopt: nothing to record).
  template <class T, class Make, class Describe>
  store::StoreResult<T> recorded(Make make, Describe describe);

  store::Store& store_;
  TenantCheckOptions tenant_check_;
  const Clock& clock_;
  UserRemoved user_removed_;
  Actor actor_;
};

}  // namespace mcpgate::admin
