#include "admin/admin_service.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>

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
  auto created = store_.create_teamspace(name, *p, *ends);
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
  return lift(store_.set_plan(id_of(*ts), *p, *ends));
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
  return lift(store_.set_entra_config(id_of(*ts), settings));
}

Result<store::EntraConfig> AdminService::entra(std::string_view teamspace) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  return lift_not_found(store_.entra_config(id_of(*ts)), "set the tenant ID, audience and required scope first");
}

Result<store::Done> AdminService::remove_entra(std::string_view teamspace) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  return lift_not_found(store_.remove_entra_config(id_of(*ts)), "there is nothing to remove");
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
  return lift(store_.add_entra_user(id_of(*ts), email, oid));
}

Result<std::vector<store::EntraUser>> AdminService::users(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_entra_users(id_of(*ts)));
}

Result<store::Done> AdminService::remove_user(std::string_view teamspace, std::string_view email_or_oid) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift_not_found(store_.remove_entra_user(id_of(*ts), email_or_oid),
                        "list the teamspace's Entra users to see who is provisioned");
}

Result<ImportResult> AdminService::import_users(std::string_view teamspace, std::string_view csv_text,
                                                bool all_or_nothing) {
  auto ts = entra_teamspace(teamspace);
  if (!ts) return ts.error();
  auto rows = store_.import_entra_users_csv(id_of(*ts), csv_text, all_or_nothing);
  if (!rows) return Error::from(rows.error());
  ImportResult result{.rows = std::move(*rows)};
  // "added" is the store's word for a mapping the import wrote (store.hpp, CsvRowReport).
  for (const auto& row : result.rows) {
    result.failed += row.ok ? 0 : 1;
    result.imported += row.ok && row.message == "added" ? 1 : 0;
  }
  if (all_or_nothing && result.failed > 0) result.imported = 0;
  return result;
}

// --- Members ---------------------------------------------------------------------------------

Result<store::Membership> AdminService::add_member(std::string_view teamspace, std::string_view email,
                                                   std::string_view role) {
  auto r = store::parse_role(role);
  if (!r) return Error(ErrorCode::invalid, "unknown role " + in_quotes(role) + "; use owner, admin or developer");
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.add_member(id_of(*ts), email, *r));
}

Result<std::vector<store::Membership>> AdminService::members(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_members(id_of(*ts)));
}

// --- API keys --------------------------------------------------------------------------------

Result<store::NewApiKey> AdminService::create_api_key(std::string_view teamspace, std::string_view name) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.create_api_key(id_of(*ts), name));
}

Result<std::vector<store::ApiKey>> AdminService::api_keys(std::string_view teamspace) {
  auto ts = this->teamspace(teamspace);
  if (!ts) return ts.error();
  return lift(store_.list_api_keys(id_of(*ts)));
}

Result<store::Done> AdminService::revoke_api_key(std::string_view id) {
  auto number = positive_number(id);
  if (!number)
    return Error(ErrorCode::invalid, "API key id " + in_quotes(id) +
                                         " is not a positive whole number; list the "
                                         "teamspace's API keys to see their ids");
  return lift_not_found(store_.revoke_api_key(*number), "list the teamspace's API keys to see their ids");
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

}  // namespace mcpgate::admin
