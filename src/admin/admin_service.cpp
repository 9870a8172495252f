#include "admin/admin_service.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "store/validation.hpp"

namespace mcpgate::admin {
namespace {

using store::in_quotes;

constexpr std::string_view kTeamspaceHint = "list the teamspaces to see their names and ids";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The value of fixed-width digits at text[pos, pos + len); -1 when they are not all digits.
int digits_at(std::string_view text, size_t pos, size_t len) {
  auto part = text.substr(pos, len);
  if (part.size() != len || !all_digits(part)) return -1;
  int value = 0;
  for (char c : part) value = value * 10 + (c - '0');
  return value;
}

// A positive decimal small enough for int64_t; nullopt otherwise.
std::optional<int64_t> positive_number(std::string_view text) {
  if (!all_digits(text) || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value == 0) return std::nullopt;
  return value;
}

Error hinted(Error error, std::string_view hint) {
  error.message += "; ";
  error.message += hint;
  return error;
}

template <class T>
Result<T> lift(store::StoreResult<T>&& result) {
  if (result) return std::move(*result);
  return Error::from(result.error());
}

// lift(), adding a hint to a not_found error.
template <class T>
Result<T> lift_not_found(store::StoreResult<T>&& result, std::string_view hint) {
  if (!result && result.error().code == store::StoreErrorCode::not_found)
    return hinted(Error::from(result.error()), hint);
  return lift(std::move(result));
}

std::string id_of(const store::Teamspace& ts) { return std::to_string(ts.id); }

Result<store::Plan> plan_named(std::string_view text) {
  if (auto plan = store::parse_plan(text)) return *plan;
  return Error(ErrorCode::invalid,
               "unknown plan " + in_quotes(text) + "; use free, pro, enterprise or enterprise-trial");
}

Result<std::optional<SysTime>> trial_end(std::optional<std::string_view> text) {
  if (!text) return std::optional<SysTime>();
  if (auto time = parse_time(*text)) return std::optional<SysTime>(*time);
  return Error(ErrorCode::invalid, "trial end " + in_quotes(*text) +
                                       " is not a date; write YYYY-MM-DD (the trial ends at 00:00 UTC that day) "
                                       "or YYYY-MM-DDTHH:MM:SSZ");
}

std::string entra_refusal(const store::Teamspace& ts) {
  if (ts.plan == store::Plan::enterprise_trial)
    return "the enterprise trial of teamspace " + in_quotes(ts.name) + " ended" +
           (ts.trial_ends ? " at " + format_time(*ts.trial_ends) : "") +
           "; Microsoft Entra ID needs plan enterprise or an enterprise trial that has not ended: change the plan "
           "or extend the trial";
  return "teamspace " + in_quotes(ts.name) + " is on plan " + std::string(to_string(ts.plan)) +
         "; Microsoft Entra ID is for enterprise teamspaces and active enterprise trials: change the plan to "
         "enterprise or enterprise-trial first";
}

}  // namespace

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid:
      return "invalid";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::plan_refused:
      return "plan_refused";
    case ErrorCode::store_failure:
      return "store_failure";
    case ErrorCode::unauthorized:
      return "unauthorized";
  }
  return "unknown";
}

Error::Error(ErrorCode code, std::string message) : code(code), message(std::move(message)) {}

Error Error::from(const store::StoreError& error) {
  switch (error.code) {
    case store::StoreErrorCode::not_found:
      return {ErrorCode::not_found, error.message};
    case store::StoreErrorCode::conflict:
      return {ErrorCode::conflict, error.message};
    case store::StoreErrorCode::invalid:
      return {ErrorCode::invalid, error.message};
    case store::StoreErrorCode::io:
      break;
  }
  return {ErrorCode::store_failure, error.message};
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(error.code)) + ": " + error.message);
}

std::optional<SysTime> parse_time(std::string_view text) {
  if ((text.size() != 10 && text.size() != 20) || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = digits_at(text, 0, 4), m = digits_at(text, 5, 2), d = digits_at(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(unsigned(m)),
                                   std::chrono::day(unsigned(d))};
  if (!date.ok()) return std::nullopt;
  SysTime time = std::chrono::sys_days(date);
  if (text.size() == 10) return time;
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return std::nullopt;
  int hh = digits_at(text, 11, 2), mm = digits_at(text, 14, 2), ss = digits_at(text, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return std::nullopt;
  return time + std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
}

std::string describe_plan(const store::Teamspace& ts) {
  std::string text = "plan " + std::string(store::to_string(ts.plan));
  if (ts.trial_ends) text += ", trial ends " + format_time(*ts.trial_ends);
  return text;
}

std::string format_time(SysTime time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(time));
}

AdminService::AdminService(store::Store& store, TenantCheckOptions tenant_check, const Clock& clock)
    : store_(store), tenant_check_(std::move(tenant_check)), clock_(clock) {}

// --- Teamspaces ------------------------------------------------------------------------------

Result<store::Teamspace> AdminService::create_teamspace(std::string_view name, std::string_view plan,
                                                        std::optional<std::string_view> trial_ends) {
  auto p = plan_named(plan);
  if (!p) return p.error();
  auto ends = trial_end(trial_ends);
  if (!ends) return ends.error();
  auto created = recorded<store::Teamspace>([&] { return store_.create_teamspace(name, *p, *ends); },
                                            [](const store::Teamspace& t) {
                                              return Change{t.id, "teamspace.create", describe_plan(t)};
                                            });
  if (!created && created.error().code == store::StoreErrorCode::conflict)
    return hinted(Error::from(created.error()), "choose another name");
  return lift(std::move(created));
}

Result<std::vector<store::Teamspace>> AdminService::list_teamspaces() { return lift(store_.list_teamspaces()); }

Result<store::Teamspace> AdminService::teamspace(std::string_view teamspace) {
  return lift_not_found(store_.find_teamspace(teamspace), kTeamspaceHint);
}

Result<store::Teamspace> AdminService::set_plan(std::string_view teamspace, std::string_view plan,
                                                std::optional<std::string_view> trial_ends) {
  auto p = plan_named(plan);
  if (!p) return p.error();
  auto ends = trial_end(trial_ends);
  if (!ends) return ends.error();
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  auto changed = recorded<store::Teamspace>([&] { return store_.set_plan(id_of(*ts), *p, *ends); },
                                            [](const store::Teamspace& t) {
                                              return Change{t.id, "teamspace.plan", describe_plan(t)};
                                            });
  return lift(std::move(changed));
}

Result<store::Teamspace> AdminService::entra_teamspace(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (ts && !store::entra_enabled(*ts, clock_.now())) return Error(ErrorCode::plan_refused, entra_refusal(*ts));
  return ts;
}

// --- Microsoft Entra ID tenant ---------------------------------------------------------------

Result<store::EntraConfig> AdminService::set_entra(std::string_view teamspace, const store::EntraSettings& settings) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  auto set = recorded<store::EntraConfig>(
      [&] { return store_.set_entra_config(id_of(*ts), settings); },
      [&](const store::EntraConfig& c) {
        return Change{ts->id, "entra.set",
                      "tenant " + c.tenant_id + ", audience " + c.audience + ", required scope " + c.required_scope};
      });
  return lift(std::move(set));
}

Result<store::EntraConfig> AdminService::entra(std::string_view teamspace) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  return lift_not_found(store_.entra_config(id_of(*ts)), "set the tenant ID, audience and required scope first");
}

Result<store::Done> AdminService::remove_entra(std::string_view teamspace) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  auto removed = recorded<store::Done>([&] { return store_.remove_entra_config(id_of(*ts)); },
                                       [&](const store::Done&) {
                                         return Change{ts->id, "entra.remove", "tenant configuration removed"};
                                       });
  return lift_not_found(std::move(removed), "there is nothing to remove");
}

Result<TenantCheck> AdminService::test_entra(std::string_view teamspace) {
  auto config = entra(teamspace);
  if (!config) return config.error();
  return test_tenant_connection(tenant_check_.authority, config->tenant_id, tenant_check_.ca_file,
                                tenant_check_.timeout);
}

// --- Pre-provisioned Entra users -------------------------------------------------------------

Result<store::EntraUser> AdminService::add_user(std::string_view teamspace, std::string_view email,
                                                std::string_view oid) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  auto added = recorded<store::EntraUser>([&] { return store_.add_entra_user(id_of(*ts), email, oid); },
                                          [&](const store::EntraUser& u) {
                                            return Change{ts->id, "user.add", u.email + " (object ID " + u.oid + ")"};
                                          });
  return lift(std::move(added));
}

Result<std::vector<store::EntraUser>> AdminService::users(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_entra_users(id_of(*ts)));
}

Result<store::Done> AdminService::remove_user(std::string_view teamspace, std::string_view email_or_oid) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  // Who it is, read before the row goes: the observer needs the tenant and object ID.
  std::optional<store::EntraUser> leaving;
  if (user_removed_)
    if (auto listed = store_.list_entra_users(id_of(*ts)))
      for (auto& u : *listed)
        if (u.oid == email_or_oid || iequals(u.email, email_or_oid)) leaving = u;
  auto removed = recorded<store::Done>([&] { return store_.remove_entra_user(id_of(*ts), email_or_oid); },
                                       [&](const store::Done&) {
                                         return Change{ts->id, "user.remove", std::string(email_or_oid)};
                                       });
  if (removed && leaving) user_removed_(leaving->tenant_id, leaving->oid);
  return lift_not_found(std::move(removed), "list the teamspace's Entra users to see who is provisioned");
}

Result<ImportResult> AdminService::import_users(std::string_view teamspace, std::string_view csv_text,
                                                bool all_or_nothing) {
  return import_users(teamspace, csv_text,
                      all_or_nothing ? store::ImportMode::all_or_nothing : store::ImportMode::write_valid);
}

Result<ImportResult> AdminService::import_users(std::string_view teamspace, std::string_view csv_text,
                                                store::ImportMode mode) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  ImportResult result;
  auto rows = recorded<std::vector<store::CsvRowReport>>(
      [&] { return store_.import_entra_users(id_of(*ts), csv_text, mode); },
      [&](const std::vector<store::CsvRowReport>& reports) -> std::optional<Change> {
        // "added" is the store's word for a mapping the import wrote (store.hpp, CsvRowReport).
        for (const auto& row : reports) {
          result.failed += row.ok ? 0 : 1;
          result.imported += row.ok && row.message == "added" ? 1 : 0;
        }
        if (mode != store::ImportMode::write_valid && result.failed > 0) result.imported = 0;
        if (result.imported == 0) return std::nullopt;
        return Change{
            ts->id, "user.import",
            std::to_string(result.imported) + " added from " + std::to_string(reports.size()) + " CSV row(s)"};
      });
  if (!rows) return Error::from(rows.error());
  result.rows = std::move(*rows);
  return result;
}

// --- Members ---------------------------------------------------------------------------------

Result<store::Membership> AdminService::add_member(std::string_view teamspace, std::string_view email,
                                                   std::string_view role) {
  auto r = store::parse_role(role);
  if (!r) return Error(ErrorCode::invalid, "unknown role " + in_quotes(role) + "; use owner, admin or developer");
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  auto added = recorded<store::Membership>(
      [&] { return store_.add_member(id_of(*ts), email, *r); },
      [&](const store::Membership& m) {
        return Change{ts->id, "member.set", m.user.email + " as " + std::string(store::to_string(m.role))};
      });
  return lift(std::move(added));
}

Result<std::vector<store::Membership>> AdminService::members(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_members(id_of(*ts)));
}

// --- API keys --------------------------------------------------------------------------------

Result<store::NewApiKey> AdminService::create_api_key(std::string_view teamspace, std::string_view name) {
  return create_api_key(teamspace, name, std::nullopt);
}

Result<store::NewApiKey> AdminService::create_api_key(std::string_view teamspace, std::string_view name,
                                                      const std::optional<std::string>& owner_email) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  auto created =
      recorded<store::NewApiKey>([&] { return store_.create_api_key(id_of(*ts), name, owner_email); },
                                 [&](const store::NewApiKey& k) {
                                   return Change{ts->id, "api_key.create",
                                                 k.key.name + " (" + k.key.prefix + "…)" +
                                                     (k.key.owner_email ? " for " + *k.key.owner_email : "")};
                                 });
  return lift(std::move(created));
}

Result<std::vector<store::ApiKey>> AdminService::api_keys(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_api_keys(id_of(*ts)));
}

Result<store::ApiKey> AdminService::revoke_api_key(std::string_view id) {
  auto number = positive_number(id);
  if (!number)
    return Error(ErrorCode::invalid, "API key id " + in_quotes(id) +
                                         " is not a positive whole number; list the "
                                         "teamspace's API keys to see their ids");
  auto revoked =
      recorded<store::ApiKey>([&] { return store_.revoke_api_key(*number); },
                              [](const store::ApiKey& k) {
                                return Change{k.teamspace_id, "api_key.revoke", k.name + " (" + k.prefix + "…)"};
                              });
  return lift_not_found(std::move(revoked), "list the teamspace's API keys to see their ids");
}

// --- Usage log -------------------------------------------------------------------------------

Result<std::vector<store::UsageRecord>> AdminService::usage(std::string_view teamspace,
                                                            std::optional<std::string_view> limit) {
  auto count = limit ? positive_number(*limit) : std::optional<int64_t>(kDefaultUsageLimit);
  if (!count || size_t(*count) > kMaxUsageLimit)
    return Error(ErrorCode::invalid, "limit " + in_quotes(limit.value_or("")) + " must be a whole number from 1 to " +
                                         std::to_string(kMaxUsageLimit));
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.usage(id_of(*ts), size_t(*count)));
}

Result<UsageReport> AdminService::usage_report(std::string_view teamspace, std::optional<std::string_view> from,
                                               std::optional<std::string_view> to) {
  auto parse_day = [](std::optional<std::string_view> text, SysTime fallback) -> std::optional<SysTime> {
    if (!text || text->empty()) return fallback;
    if (text->size() != 10) return std::nullopt;  // a date, not a time
    return parse_time(*text);
  };
  auto today = std::chrono::floor<std::chrono::days>(clock_.now());
  auto last = parse_day(to, today);
  if (!last) return Error(ErrorCode::invalid, "to " + in_quotes(to.value_or("")) + " is not a date (YYYY-MM-DD)");
  auto first = parse_day(from, *last - std::chrono::days(29));
  if (!first) return Error(ErrorCode::invalid, "from " + in_quotes(from.value_or("")) + " is not a date (YYYY-MM-DD)");
  if (*first > *last) return Error(ErrorCode::invalid, "from must not be after to");
  auto end = *last + std::chrono::days(1);
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  auto counts = store_.usage_counts(id_of(*ts), *first, end);
  if (!counts) return Error::from(counts.error());
  auto recent = store_.usage_between(id_of(*ts), *first, end, kMaxUsageLimit);
  if (!recent) return Error::from(recent.error());
  return UsageReport{std::move(*counts), std::move(*recent)};
}

// --- Audit log -------------------------------------------------------------------------------

AdminService AdminService::acting_as(Actor actor) const {
  AdminService copy(*this);
  copy.actor_ = std::move(actor);
  return copy;
}

store::AuditEntry AdminService::entry_for(Change change) const {
  store::AuditEntry entry;
  entry.teamspace_id = change.teamspace_id;
  entry.actor_oid = actor_.oid;
  entry.actor_email = actor_.email;
  entry.channel = actor_.channel;
  entry.action = std::move(change.action);
  entry.detail = std::move(change.detail);
  return entry;
}

template <class T, class Make, class Describe>
store::StoreResult<T> AdminService::recorded(Make make, Describe describe) {
  std::optional<store::StoreResult<T>> outcome;
  auto written = store_.audited([&]() -> store::StoreResult<std::optional<store::AuditEntry>> {
    outcome = make();
    if (!*outcome) return outcome->error();
    std::optional<Change> change = describe(**outcome);
    if (!change) return std::optional<store::AuditEntry>();
    return std::optional<store::AuditEntry>(entry_for(std::move(*change)));
  });
  if (outcome && !*outcome) return std::move(*outcome);  // the change's own error
  if (!written) return written.error();                  // nothing was changed: not even that
  return std::move(*outcome);
}

// A change made elsewhere (the documentation index is another database): it is made by then, so
// a failure to record it is the operator's to see, and does not turn the change into an error.
void AdminService::record_change(std::optional<int64_t> teamspace_id, std::string_view action, std::string detail) {
  auto entry = entry_for(Change{teamspace_id, std::string(action), std::move(detail)});
  auto written = store_.append_audit(entry);
  if (!written)
    spdlog::error("audit: could not record {} by {} ({}): {}", action, actor_.email, actor_.channel,
                  written.error().message);
}

Result<std::vector<store::AuditEntry>> AdminService::audit_log(std::string_view teamspace,
                                                               std::optional<std::string_view> limit) {
  auto count = limit ? positive_number(*limit) : std::optional<int64_t>(kDefaultAuditLimit);
  if (!count || size_t(*count) > kMaxAuditLimit)
    return Error(ErrorCode::invalid, "limit " + in_quotes(limit.value_or("")) + " must be a whole number from 1 to " +
                                         std::to_string(kMaxAuditLimit));
  if (teamspace.empty()) return lift(store_.audit_log("", size_t(*count)));
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.audit_log(id_of(*ts), size_t(*count)));
}

Result<std::vector<store::MemberOf>> AdminService::teamspaces_of(std::string_view email) {
  return lift(store_.teamspaces_of(email));
}

}  // namespace mcpgate::admin
