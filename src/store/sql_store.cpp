#include "store/sql_store.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "store/validation.hpp"

namespace mcpgate::store {
namespace {

using sql::from_millis;
using sql::to_millis;
using sql::Transaction;

constexpr size_t kApiKeyRandomBytes = 32;
constexpr size_t kApiKeySecretChars = kApiKeyScheme.size() + (kApiKeyRandomBytes * 4 + 2) / 3;  // base64url, no padding
constexpr size_t kApiKeyPrefixChars = kApiKeyScheme.size() + 8;

// --- Teamspaces ---------------------------------------------------------------------------
constexpr std::string_view kSelectTeamspaceById =
    "SELECT id, name, plan, trial_ends_ms, created_ms FROM teamspaces WHERE id = ?1";
// lower(): ASCII only on both back-ends, as SQLite's NOCASE and PostgreSQL's "C" collation are.
constexpr std::string_view kSelectTeamspaceByName =
    "SELECT id, name, plan, trial_ends_ms, created_ms FROM teamspaces WHERE lower(name) = lower(?1)";
constexpr std::string_view kSelectTeamspaces =
    "SELECT id, name, plan, trial_ends_ms, created_ms FROM teamspaces ORDER BY lower(name), name";
constexpr std::string_view kInsertTeamspace =
    "INSERT INTO teamspaces (name, plan, trial_ends_ms, created_ms) VALUES (?1, ?2, ?3, ?4) RETURNING id";
constexpr std::string_view kUpdatePlan = "UPDATE teamspaces SET plan = ?2, trial_ends_ms = ?3 WHERE id = ?1";

// --- Users and memberships ----------------------------------------------------------------
constexpr std::string_view kSelectUserId = "SELECT id FROM users WHERE email = ?1";
constexpr std::string_view kInsertUser = "INSERT INTO users (email, created_ms) VALUES (?1, ?2) RETURNING id";
constexpr std::string_view kUpsertMembership =
    "INSERT INTO memberships (teamspace_id, user_id, role, created_ms) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (teamspace_id, user_id) DO UPDATE SET role = excluded.role";
constexpr std::string_view kInsertMembershipIfAbsent =
    "INSERT INTO memberships (teamspace_id, user_id, role, created_ms) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (teamspace_id, user_id) DO NOTHING";
constexpr std::string_view kSelectMembership =
    "SELECT m.teamspace_id, u.id, u.email, u.created_ms, m.role, m.created_ms "
    "FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.teamspace_id = ?1 AND m.user_id = ?2";
constexpr std::string_view kSelectMemberships =
    "SELECT m.teamspace_id, u.id, u.email, u.created_ms, m.role, m.created_ms "
    "FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.teamspace_id = ?1 ORDER BY u.email";
constexpr std::string_view kDeleteDeveloperMembership =
    "DELETE FROM memberships WHERE teamspace_id = ?1 AND user_id = ?2 AND role = 'developer'";

// --- Entra configuration ------------------------------------------------------------------
constexpr std::string_view kUpsertEntraConfig =
    "INSERT INTO entra_configs (teamspace_id, tenant_id, audience, required_scope, updated_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (teamspace_id) DO UPDATE SET tenant_id = excluded.tenant_id, "
    "audience = excluded.audience, required_scope = excluded.required_scope, updated_ms = excluded.updated_ms";
constexpr std::string_view kSelectEntraConfig =
    "SELECT teamspace_id, tenant_id, audience, required_scope, updated_ms FROM entra_configs WHERE teamspace_id = ?1";
constexpr std::string_view kDeleteEntraConfig = "DELETE FROM entra_configs WHERE teamspace_id = ?1";
// The configuration in columns 0-4, its teamspace in 5-9.
constexpr std::string_view kSelectEntraConfigsByAudience =
    "SELECT c.teamspace_id, c.tenant_id, c.audience, c.required_scope, c.updated_ms, "
    "t.id, t.name, t.plan, t.trial_ends_ms, t.created_ms "
    "FROM entra_configs c JOIN teamspaces t ON t.id = c.teamspace_id WHERE c.audience = ?1 ORDER BY c.teamspace_id";

// --- Entra users --------------------------------------------------------------------------
constexpr std::string_view kSelectEntraUser =
    "SELECT e.teamspace_id, e.user_id, u.email, e.tenant_id, e.oid, e.created_ms FROM entra_users e "
    "JOIN users u ON u.id = e.user_id WHERE e.tenant_id = ?1 AND e.oid = ?2 AND e.teamspace_id = ?3";
constexpr std::string_view kSelectEntraUsers =
    "SELECT e.teamspace_id, e.user_id, u.email, e.tenant_id, e.oid, e.created_ms FROM entra_users e "
    "JOIN users u ON u.id = e.user_id WHERE e.teamspace_id = ?1 ORDER BY u.email";
constexpr std::string_view kSelectEntraUserByEmail =
    "SELECT e.teamspace_id, e.user_id, u.email, e.tenant_id, e.oid, e.created_ms FROM entra_users e "
    "JOIN users u ON u.id = e.user_id WHERE e.teamspace_id = ?1 AND u.email = ?2";
constexpr std::string_view kSelectEntraUserByOid =
    "SELECT e.teamspace_id, e.user_id, u.email, e.tenant_id, e.oid, e.created_ms FROM entra_users e "
    "JOIN users u ON u.id = e.user_id WHERE e.teamspace_id = ?1 AND e.oid = ?2 LIMIT 1";
// Who else holds this oid in the tenant (any teamspace).
constexpr std::string_view kSelectOidHolder =
    "SELECT u.email, e.teamspace_id FROM entra_users e JOIN users u ON u.id = e.user_id "
    "WHERE e.tenant_id = ?1 AND e.oid = ?2 AND u.email <> ?3 LIMIT 1";
// Another oid for this user in the tenant, or another mapping for this user in the teamspace.
constexpr std::string_view kSelectOtherMappingOfUser =
    "SELECT e.tenant_id, e.oid, e.teamspace_id FROM entra_users e WHERE e.user_id = ?1 "
    "AND ((e.tenant_id = ?2 AND e.oid <> ?3) OR (e.teamspace_id = ?4 AND (e.tenant_id <> ?2 OR e.oid <> ?3))) LIMIT 1";
constexpr std::string_view kInsertEntraUser =
    "INSERT INTO entra_users (teamspace_id, user_id, tenant_id, oid, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kDeleteEntraUser = "DELETE FROM entra_users WHERE teamspace_id = ?1 AND user_id = ?2";

// --- API keys -----------------------------------------------------------------------------
constexpr std::string_view kInsertApiKey =
    "INSERT INTO api_keys (teamspace_id, name, prefix, secret_sha256, created_ms, owner_user_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
#define MCPGATE_API_KEY_COLUMNS \
  "k.id, k.teamspace_id, k.name, k.prefix, k.created_ms, k.revoked_ms, u.email, k.last_used_ms "
constexpr std::string_view kSelectApiKey =
    "SELECT " MCPGATE_API_KEY_COLUMNS "FROM api_keys k LEFT JOIN users u ON u.id = k.owner_user_id WHERE k.id = ?1";
constexpr std::string_view kSelectApiKeys =
    "SELECT " MCPGATE_API_KEY_COLUMNS
    "FROM api_keys k LEFT JOIN users u ON u.id = k.owner_user_id WHERE k.teamspace_id = ?1 ORDER BY k.id";
constexpr std::string_view kSelectLiveApiKeysByPrefix =
    "SELECT " MCPGATE_API_KEY_COLUMNS
    ", k.secret_sha256 FROM api_keys k LEFT JOIN users u ON u.id = k.owner_user_id "
    "WHERE k.prefix = ?1 AND k.revoked_ms IS NULL";
#undef MCPGATE_API_KEY_COLUMNS
constexpr std::string_view kRevokeApiKey = "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL";
// A write per minute at most, not per request: ?3 is a minute before ?2.
constexpr std::string_view kMarkApiKeyUsed =
    "UPDATE api_keys SET last_used_ms = ?2 WHERE id = ?1 AND (last_used_ms IS NULL OR last_used_ms <= ?3)";

// --- Usage log ----------------------------------------------------------------------------
constexpr std::string_view kSelectUserExists = "SELECT 1 FROM users WHERE id = ?1";
constexpr std::string_view kInsertUsage =
    "INSERT INTO usage_log (time_ms, teamspace_id, user_id, user_label, tool, arguments_summary, result_bytes, "
    "latency_ms, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kSelectUsage =
    "SELECT time_ms, teamspace_id, user_id, user_label, tool, arguments_summary, result_bytes, latency_ms, outcome "
    "FROM usage_log WHERE teamspace_id = ?1 ORDER BY time_ms DESC, id DESC LIMIT ?2";
constexpr std::string_view kSelectUsageBetween =
    "SELECT time_ms, teamspace_id, user_id, user_label, tool, arguments_summary, result_bytes, latency_ms, outcome "
    "FROM usage_log WHERE teamspace_id = ?1 AND time_ms >= ?2 AND time_ms < ?3 ORDER BY time_ms DESC, id DESC "
    "LIMIT ?4";
// Days as numbers since 1970 (every record is after it), named in C++: one statement for both dialects.
constexpr std::string_view kSelectUsageCounts =
    "SELECT time_ms / 86400000, user_label, tool, COUNT(*) FROM usage_log "
    "WHERE teamspace_id = ?1 AND time_ms >= ?2 AND time_ms < ?3 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

// --- Audit log ----------------------------------------------------------------------------
constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_log (time_ms, teamspace_id, teamspace_name, actor_oid, actor_email, channel, action, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id";
#define MCPGATE_AUDIT_COLUMNS \
  "SELECT id, time_ms, teamspace_id, teamspace_name, actor_oid, actor_email, channel, action, detail FROM audit_log "
constexpr std::string_view kSelectAuditEntry = MCPGATE_AUDIT_COLUMNS "WHERE id = ?1";
constexpr std::string_view kSelectAudit = MCPGATE_AUDIT_COLUMNS "ORDER BY id DESC LIMIT ?1";
constexpr std::string_view kSelectAuditOfTeamspace =
    MCPGATE_AUDIT_COLUMNS "WHERE teamspace_id = ?1 ORDER BY id DESC LIMIT ?2";
#undef MCPGATE_AUDIT_COLUMNS

// --- Memberships of one user ----------------------------------------------------------------
constexpr std::string_view kSelectTeamspacesOfUser =
    "SELECT t.id, t.name, t.plan, t.trial_ends_ms, t.created_ms, m.role FROM memberships m "
    "JOIN users u ON u.id = m.user_id JOIN teamspaces t ON t.id = m.teamspace_id WHERE u.email = ?1 "
    "ORDER BY lower(t.name), t.name";

// --- Rows ---------------------------------------------------------------------------------
std::optional<int64_t> to_millis(std::optional<SysTime> t) {
  if (!t) return std::nullopt;
  return to_millis(*t);
}
std::optional<SysTime> optional_time(const sql::Row& s, size_t column) {
  if (auto ms = s.optional_integer(column)) return from_millis(*ms);
  return std::nullopt;
}

Teamspace teamspace_at(const sql::Row& s, size_t c) {
  return {.id = s.integer(c),
          .name = s.text(c + 1),
          .plan = parse_plan(s.text(c + 2)).value_or(Plan::free),
          .trial_ends = optional_time(s, c + 3),
          .created = from_millis(s.integer(c + 4))};
}
Teamspace teamspace_row(const sql::Row& s) { return teamspace_at(s, 0); }

Membership membership_row(const sql::Row& s) {
  return {.teamspace_id = s.integer(0),
          .user = {.id = s.integer(1), .email = s.text(2), .created = from_millis(s.integer(3))},
          .role = parse_role(s.text(4)).value_or(Role::developer),
          .created = from_millis(s.integer(5))};
}

EntraConfig entra_config_row(const sql::Row& s) {
  return {.teamspace_id = s.integer(0),
          .tenant_id = s.text(1),
          .audience = s.text(2),
          .required_scope = s.text(3),
          .updated = from_millis(s.integer(4))};
}

EntraUser entra_user_row(const sql::Row& s) {
  return {.teamspace_id = s.integer(0),
          .user_id = s.integer(1),
          .email = s.text(2),
          .tenant_id = s.text(3),
          .oid = s.text(4),
          .created = from_millis(s.integer(5))};
}

ApiKey api_key_row(const sql::Row& s) {
  return {.id = s.integer(0),
          .teamspace_id = s.integer(1),
          .name = s.text(2),
          .prefix = s.text(3),
          .created = from_millis(s.integer(4)),
          .revoked = optional_time(s, 5),
          .owner_email = s.optional_text(6),
          .last_used = optional_time(s, 7)};
}

AuditEntry audit_row(const sql::Row& s) {
  return {.id = s.integer(0),
          .time = from_millis(s.integer(1)),
          .teamspace_id = s.optional_integer(2),
          .teamspace = s.text(3),
          .actor_oid = s.text(4),
          .actor_email = s.text(5),
          .channel = s.text(6),
          .action = s.text(7),
          .detail = s.text(8)};
}

// "2027-01-31" for a day number counted from 1970-01-01.
std::string day_name(int64_t day) {
  auto date = std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(day)));
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", int(date.year()), unsigned(date.month()), unsigned(date.day()));
  return text;
}

UsageCount usage_count_row(const sql::Row& s) {
  return {.day = day_name(s.integer(0)), .user_label = s.text(1), .tool = s.text(2), .calls = s.integer(3)};
}

UsageRecord usage_row(const sql::Row& s) {
  return {.time = from_millis(s.integer(0)),
          .teamspace_id = s.integer(1),
          .user_id = s.optional_integer(2),
          .user_label = s.text(3),
          .tool = s.text(4),
          .arguments_summary = s.text(5),
          .result_bytes = s.integer(6),
          .latency_ms = s.integer(7),
          .outcome = s.text(8)};
}

template <class Read>
auto first_row(sql::Rows&& rows, Read read) -> std::optional<decltype(read(rows.front()))> {
  if (rows.empty()) return std::nullopt;
  return read(rows.front());
}

template <class Read>
auto all_rows(sql::Rows&& rows, Read read) -> std::vector<decltype(read(rows.front()))> {
  std::vector<decltype(read(rows.front()))> result;
  result.reserve(rows.size());
  for (const auto& row : rows) result.push_back(read(row));
  return result;
}

int64_t returned_id(sql::Rows&& rows) {
  if (rows.size() != 1)
    throw std::logic_error("an INSERT … RETURNING id returned " + std::to_string(rows.size()) + " rows");
  return rows.front().integer(0);
}

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<sql::Database> database, const Clock& clock)
      : database_(std::move(database)), clock_(clock) {}

  sql::Database& database() { return *database_; }

  // --- Teamspaces -------------------------------------------------------------------------

  StoreResult<Teamspace> create_teamspace(std::string_view name, Plan plan,
                                          std::optional<SysTime> trial_ends) override {
    return guarded("create the teamspace", [&]() -> StoreResult<Teamspace> {
      auto valid = normalize_teamspace_name(name);
      if (!valid) return valid.error();
      if (auto ok = check_plan(plan, trial_ends, clock_.now()); !ok) return ok.error();
      if (first_row(query(kSelectTeamspaceByName, *valid), teamspace_row))
        return StoreError::conflict("a teamspace named " + in_quotes(*valid) + " exists already");
      auto id =
          returned_id(query(kInsertTeamspace, *valid, to_string(plan), to_millis(trial_ends), to_millis(clock_.now())));
      return *teamspace_by_id(id);
    });
  }

  StoreResult<std::vector<Teamspace>> list_teamspaces() override {
    return guarded_read("list the teamspaces", [&]() -> StoreResult<std::vector<Teamspace>> {
      return all_rows(query(kSelectTeamspaces), teamspace_row);
    });
  }

  StoreResult<Teamspace> find_teamspace(std::string_view teamspace) override {
    return guarded_read("find the teamspace", [&] { return resolve(teamspace); });
  }

  StoreResult<Teamspace> set_plan(std::string_view teamspace, Plan plan, std::optional<SysTime> trial_ends) override {
    return guarded("set the plan", [&]() -> StoreResult<Teamspace> {
      auto ts = resolve(teamspace);
      if (!ts) return ts;
      if (auto ok = check_plan(plan, trial_ends, clock_.now()); !ok) return ok.error();
      execute(kUpdatePlan, ts->id, to_string(plan), to_millis(trial_ends));
      return *teamspace_by_id(ts->id);
    });
  }

  // --- Members ----------------------------------------------------------------------------

  StoreResult<Membership> add_member(std::string_view teamspace, std::string_view email, Role role) override {
    return guarded("add the member", [&]() -> StoreResult<Membership> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto valid = normalize_email(email);
      if (!valid) return valid.error();
      Transaction transaction(session());
      int64_t user_id = user_id_of(*valid).value_or(0);
      if (!user_id) user_id = insert_user(*valid);
      execute(kUpsertMembership, ts->id, user_id, to_string(role), to_millis(clock_.now()));
      auto membership = first_row(query(kSelectMembership, ts->id, user_id), membership_row);
      transaction.commit();
      return *membership;
    });
  }

  StoreResult<std::vector<Membership>> list_members(std::string_view teamspace) override {
    return guarded_read("list the members", [&]() -> StoreResult<std::vector<Membership>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      return all_rows(query(kSelectMemberships, ts->id), membership_row);
    });
  }

  StoreResult<std::vector<MemberOf>> teamspaces_of(std::string_view email) override {
    return guarded_read("list the user's teamspaces", [&]() -> StoreResult<std::vector<MemberOf>> {
      auto valid = normalize_email(email);
      if (!valid) return std::vector<MemberOf>{};
      return all_rows(query(kSelectTeamspacesOfUser, *valid), [](const sql::Row& s) {
        return MemberOf{teamspace_at(s, 0), parse_role(s.text(5)).value_or(Role::developer)};
      });
    });
  }

  // --- Microsoft Entra ID tenant ----------------------------------------------------------

  StoreResult<EntraConfig> set_entra_config(std::string_view teamspace, const EntraSettings& settings) override {
    return guarded("save the Entra configuration", [&]() -> StoreResult<EntraConfig> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      if (!entra_enabled(*ts, clock_.now()))
        return StoreError::invalid("Microsoft Entra ID is for enterprise teamspaces and active enterprise trials; " +
                                   in_quotes(ts->name) + " is on plan " + std::string(to_string(ts->plan)) +
                                   (ts->plan == Plan::enterprise_trial ? " and its trial has ended" : ""));
      auto tenant = normalize_guid(settings.tenant_id, "tenant ID");
      if (!tenant) return tenant.error();
      auto audience = normalize_guid(settings.audience, "audience (the MCP API app's client ID)");
      if (!audience) return audience.error();
      auto scope = normalize_scope(settings.required_scope);
      if (!scope) return scope.error();
      execute(kUpsertEntraConfig, ts->id, *tenant, *audience, *scope, to_millis(clock_.now()));
      return *config_of(ts->id);
    });
  }

  StoreResult<EntraConfig> entra_config(std::string_view teamspace) override {
    return guarded_read("read the Entra configuration", [&]() -> StoreResult<EntraConfig> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto config = config_of(ts->id);
      if (!config) return StoreError::not_found(no_tenant_message(*ts));
      return *config;
    });
  }

  StoreResult<Done> remove_entra_config(std::string_view teamspace) override {
    return guarded("remove the Entra configuration", [&]() -> StoreResult<Done> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      if (execute(kDeleteEntraConfig, ts->id) == 0) return StoreError::not_found(no_tenant_message(*ts));
      return Done{};
    });
  }

  StoreResult<std::vector<EntraConfig>> teamspaces_for_audience(std::string_view audience) override {
    return guarded_read("find teamspaces by audience", [&]() -> StoreResult<std::vector<EntraConfig>> {
      std::vector<EntraConfig> configs;
      auto now = clock_.now();
      for (const auto& row : query(kSelectEntraConfigsByAudience, to_lower(audience)))
        if (entra_enabled(teamspace_at(row, 5), now)) configs.push_back(entra_config_row(row));
      return configs;
    });
  }

  // --- Pre-provisioned Entra users --------------------------------------------------------

  StoreResult<EntraUser> add_entra_user(std::string_view teamspace, std::string_view email,
                                        std::string_view oid) override {
    return guarded("add the Entra user", [&]() -> StoreResult<EntraUser> {
      auto target = entra_target(teamspace);
      if (!target) return target.error();
      Transaction transaction(session());
      auto added = add_entra_user_locked(target->teamspace, target->config, email, oid);
      if (!added) return added.error();
      transaction.commit();
      return added->user;
    });
  }

  StoreResult<std::vector<EntraUser>> list_entra_users(std::string_view teamspace) override {
    return guarded_read("list the Entra users", [&]() -> StoreResult<std::vector<EntraUser>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      return all_rows(query(kSelectEntraUsers, ts->id), entra_user_row);
    });
  }

  StoreResult<Done> remove_entra_user(std::string_view teamspace, std::string_view email_or_oid) override {
    return guarded("remove the Entra user", [&]() -> StoreResult<Done> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      bool by_email = email_or_oid.find('@') != std::string_view::npos;
      auto key = by_email ? normalize_email(email_or_oid) : normalize_guid(email_or_oid, "object ID");
      if (!key) return key.error();
      auto found =
          first_row(query(by_email ? kSelectEntraUserByEmail : kSelectEntraUserByOid, ts->id, *key), entra_user_row);
      if (!found)
        return StoreError::not_found(in_quotes(*key) + " is not an Entra user of teamspace " + in_quotes(ts->name));
      Transaction transaction(session());
      execute(kDeleteEntraUser, ts->id, found->user_id);
      execute(kDeleteDeveloperMembership, ts->id, found->user_id);
      transaction.commit();
      return Done{};
    });
  }

  StoreResult<std::optional<EntraUser>> find_entra_user(std::string_view teamspace, std::string_view tenant_id,
                                                        std::string_view oid) override {
    return guarded_read("look up the Entra user", [&]() -> StoreResult<std::optional<EntraUser>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto tenant = normalize_guid(tenant_id, "tenant ID");
      auto object = normalize_guid(oid, "object ID");
      if (!tenant || !object) return std::optional<EntraUser>();  // malformed claims match nobody
      return first_row(query(kSelectEntraUser, *tenant, *object, ts->id), entra_user_row);
    });
  }

  StoreResult<std::vector<CsvRowReport>> import_entra_users(std::string_view teamspace, std::string_view csv_text,
                                                            ImportMode mode) override {
    return guarded("import the Entra users", [&]() -> StoreResult<std::vector<CsvRowReport>> {
      auto target = entra_target(teamspace);
      if (!target) return target.error();
      auto rows = parse_entra_users_csv(csv_text);
      if (rows.size() > kMaxCsvRows)
        return StoreError::invalid("the CSV has " + std::to_string(rows.size()) +
                                   " rows; split it into files of at most " + std::to_string(kMaxCsvRows));
      // One transaction and statements prepared once: a savepoint per row would make SQLite keep
      // every row's pages in a temporary sub-journal until the commit (about 40 KB a row).
      // add_entra_user_locked checks everything before it writes, so a refused row writes
      // nothing; a failure of the database itself rolls the whole import back.
      Transaction transaction(session());
      std::vector<CsvRowReport> reports;
      reports.reserve(rows.size());
      size_t failed = 0;
      for (const auto& row : rows) {
        CsvRowReport report{.line = row.line, .email = row.email, .oid = row.oid};
        if (row.error) {
          report.message = *row.error;
        } else {
          auto added = add_entra_user_locked(target->teamspace, target->config, row.email, row.oid);
          if (added) {
            report = {.line = row.line,
                      .email = added->user.email,
                      .oid = added->user.oid,
                      .ok = true,
                      .message = added->created ? "added" : "already present"};
          } else {
            report.message = added.error().message;
          }
        }
        failed += report.ok ? 0 : 1;
        reports.push_back(std::move(report));
      }
      if (mode != ImportMode::write_valid && failed > 0) {
        for (auto& report : reports)
          if (report.ok)
            report.message =
                "valid, but not written: " + std::to_string(failed) + " row(s) failed and the import is all-or-nothing";
        return reports;  // the transaction rolls back
      }
      if (mode == ImportMode::check_only) {
        for (auto& report : reports) report.message = report.message == "added" ? "would be added" : report.message;
        return reports;  // the transaction rolls back
      }
      transaction.commit();
      return reports;
    });
  }

  // --- API keys ---------------------------------------------------------------------------

  using Store::create_api_key;
  StoreResult<NewApiKey> create_api_key(std::string_view teamspace, std::string_view name,
                                        const std::optional<std::string>& owner_email) override {
    return guarded("create the API key", [&]() -> StoreResult<NewApiKey> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto valid = normalize_label(name, "API key name");
      if (!valid) return valid.error();
      std::optional<int64_t> owner;
      if (owner_email) {
        auto email = normalize_email(*owner_email);
        if (!email) return email.error();
        owner = user_id_of(*email);
        if (!owner || !first_row(query(kSelectMembership, ts->id, *owner), membership_row))
          return StoreError::invalid(*email + " is not a member of teamspace " + in_quotes(ts->name) +
                                     "; an API key is made for a member");
      }
      std::string secret = std::string(kApiKeyScheme) + crypto::random_token(kApiKeyRandomBytes);
      auto id = returned_id(query(kInsertApiKey, ts->id, *valid, secret.substr(0, kApiKeyPrefixChars),
                                  secret_hash(secret), to_millis(clock_.now()), owner));
      auto key = first_row(query(kSelectApiKey, id), api_key_row);
      return NewApiKey{.key = *key, .secret = std::move(secret)};
    });
  }

  StoreResult<std::optional<ApiKey>> find_api_key(std::string_view secret) override {
    auto found = guarded_read("look up the API key", [&]() -> StoreResult<std::optional<ApiKey>> {
      if (secret.size() != kApiKeySecretChars || !secret.starts_with(kApiKeyScheme)) return std::optional<ApiKey>();
      // Found by the prefix, which is no secret; the hashes are compared in constant time.
      std::string hash = secret_hash(secret);
      for (const auto& row : query(kSelectLiveApiKeysByPrefix, secret.substr(0, kApiKeyPrefixChars)))
        if (crypto::constant_time_equals(row.text(8), hash)) return std::optional(api_key_row(row));
      return std::optional<ApiKey>();
    });
    if (!found || !*found) return found;
    // A write at most once a minute, apart from the lookup: a key that cannot be marked used (a
    // full disk) still opens the door, and most lookups cost one read.
    auto now = clock_.now();
    const auto& key = **found;
    if (!key.last_used || *key.last_used <= now - std::chrono::minutes(1)) {
      auto marked = guarded("mark the API key used", [&]() -> StoreResult<Done> {
        execute(kMarkApiKeyUsed, key.id, to_millis(now), to_millis(now - std::chrono::minutes(1)));
        return Done{};
      });
      if (!marked)
        spdlog::warn("store: API key {} was used but cannot be marked so: {}", key.id, marked.error().message);
    }
    return found;
  }

  StoreResult<ApiKey> revoke_api_key(int64_t id) override {
    return guarded("revoke the API key", [&]() -> StoreResult<ApiKey> {
      execute(kRevokeApiKey, id, to_millis(clock_.now()));
      auto key = first_row(query(kSelectApiKey, id), api_key_row);
      if (!key) return StoreError::not_found("no API key has id " + std::to_string(id));
      return *key;
    });
  }

  StoreResult<std::vector<ApiKey>> list_api_keys(std::string_view teamspace) override {
    return guarded_read("list the API keys", [&]() -> StoreResult<std::vector<ApiKey>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      return all_rows(query(kSelectApiKeys, ts->id), api_key_row);
    });
  }

  // --- Usage log --------------------------------------------------------------------------

  StoreResult<Done> record_usage(const UsageRecord& record) override {
    return guarded("record usage", [&]() -> StoreResult<Done> {
      auto tool = normalize_label(record.tool, "tool name");
      if (!tool) return tool.error();
      auto outcome = normalize_label(record.outcome, "outcome");
      if (!outcome) return outcome.error();
      if (record.result_bytes < 0 || record.latency_ms < 0)
        return StoreError::invalid("result size and latency cannot be negative");
      if (!teamspace_by_id(record.teamspace_id))
        return StoreError::not_found("no teamspace has id " + std::to_string(record.teamspace_id));
      if (record.user_id && query(kSelectUserExists, *record.user_id).empty())
        return StoreError::not_found("no user has id " + std::to_string(*record.user_id));
      execute(kInsertUsage, to_millis(record.time), record.teamspace_id, record.user_id,
              truncate_utf8(record.user_label, kMaxLabelChars), *tool,
              truncate_utf8(record.arguments_summary, kMaxArgumentsSummaryBytes), record.result_bytes,
              record.latency_ms, *outcome);
      return Done{};
    });
  }

  StoreResult<std::vector<UsageRecord>> usage(std::string_view teamspace, size_t limit) override {
    return guarded_read("read the usage log", [&]() -> StoreResult<std::vector<UsageRecord>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto capped = int64_t(std::min<size_t>(limit, size_t(std::numeric_limits<int64_t>::max())));
      return all_rows(query(kSelectUsage, ts->id, capped), usage_row);
    });
  }

  StoreResult<std::vector<UsageRecord>> usage_between(std::string_view teamspace, SysTime from, SysTime to,
                                                      size_t limit) override {
    return guarded_read("read the usage log", [&]() -> StoreResult<std::vector<UsageRecord>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      auto capped = int64_t(std::min<size_t>(limit, size_t(std::numeric_limits<int64_t>::max())));
      return all_rows(query(kSelectUsageBetween, ts->id, to_millis(from), to_millis(to), capped), usage_row);
    });
  }

  StoreResult<std::vector<UsageCount>> usage_counts(std::string_view teamspace, SysTime from, SysTime to) override {
    return guarded_read("count usage", [&]() -> StoreResult<std::vector<UsageCount>> {
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      return all_rows(query(kSelectUsageCounts, ts->id, to_millis(from), to_millis(to)), usage_count_row);
    });
  }

  // --- Audit log --------------------------------------------------------------------------

  StoreResult<AuditEntry> append_audit(const AuditEntry& entry) override {
    return guarded("write the audit log", [&]() -> StoreResult<AuditEntry> {
      std::string name = entry.teamspace;
      if (entry.teamspace_id) {
        auto ts = teamspace_by_id(*entry.teamspace_id);
        if (!ts) return StoreError::not_found("no teamspace has id " + std::to_string(*entry.teamspace_id));
        name = ts->name;
      }
      auto action = normalize_label(entry.action, "audit action");
      if (!action) return action.error();
      auto id = returned_id(query(kInsertAudit, to_millis(clock_.now()), entry.teamspace_id, name, entry.actor_oid,
                                  truncate_utf8(entry.actor_email, kMaxLabelChars), entry.channel, *action,
                                  truncate_utf8(entry.detail, kMaxArgumentsSummaryBytes)));
      return *first_row(query(kSelectAuditEntry, id), audit_row);
    });
  }

  StoreResult<std::optional<AuditEntry>> audited(
      const std::function<StoreResult<std::optional<AuditEntry>>()>& change) override {
    return guarded("record the change", [&]() -> StoreResult<std::optional<AuditEntry>> {
      Transaction transaction(session());
      auto entry = change();
      if (!entry) return entry.error();
      std::optional<AuditEntry> written;
      if (*entry) {
        auto appended = append_audit(**entry);
        if (!appended) return appended.error();
        written = std::move(*appended);
      }
      transaction.commit();
      return written;
    });
  }

  StoreResult<std::vector<AuditEntry>> audit_log(std::string_view teamspace, size_t limit) override {
    return guarded_read("read the audit log", [&]() -> StoreResult<std::vector<AuditEntry>> {
      auto capped = int64_t(std::min<size_t>(limit, size_t(std::numeric_limits<int64_t>::max())));
      if (teamspace.empty()) return all_rows(query(kSelectAudit, capped), audit_row);
      auto ts = resolve(teamspace);
      if (!ts) return ts.error();
      return all_rows(query(kSelectAuditOfTeamspace, ts->id, capped), audit_row);
    });
  }

 private:
  struct EntraTarget {
    Teamspace teamspace;
    EntraConfig config;
  };
  struct Added {
    EntraUser user;
    bool created = false;  // false: the mapping was there already
  };

  // Runs `body` as one unit of work on the database and turns its failures into StoreError: a
  // constraint the checks did not foresee (another writer got there first) is a conflict,
  // anything else io. A call made from inside another one on this thread (a change within
  // audited()) joins the unit already running: one transaction, and a failure is the outer
  // unit's to handle (on PostgreSQL, to retry whole).
  template <class Body>
  auto guarded_read(std::string_view action, Body&& body) -> decltype(body()) {
    return guarded(action, std::forward<Body>(body), sql::Access::read);
  }

  template <class Body>
  auto guarded(std::string_view action, Body&& body, sql::Access access = sql::Access::write) -> decltype(body()) {
    if (active_ && active_->store == this) return body();
    std::optional<decltype(body())> result;
    try {
      database_->run(
          [&](sql::Session& session) {
            ActiveUnit unit{this, &session, active_};
            active_ = &unit;
            struct Restore {
              ActiveUnit& unit;
              ~Restore() { active_ = unit.outer; }
            } restore{unit};
            result.emplace(body());
            return bool(*result);
          },
          access);
    } catch (const sql::Error& e) {
      // The statement and the database's own words are for the operator's log, not for the client.
      spdlog::error("store: cannot {}: {}", action, e.what());
      std::string message = "cannot " + std::string(action) + ": " + e.public_cause();
      if (e.kind() == sql::Error::Kind::constraint) return StoreError::conflict(std::move(message));
      return StoreError::io(std::move(message));
    }
    return std::move(*result);
  }

  sql::Session& session() {
    if (!active_ || active_->store != this) throw std::logic_error("a store statement outside guarded()");
    return *active_->session;
  }

  template <class... Args>
  sql::Rows query(std::string_view statement, const Args&... args) {
    std::array<sql::Value, sizeof...(Args)> parameters{sql::to_value(args)...};
    return session().query(statement, parameters);
  }

  template <class... Args>
  int64_t execute(std::string_view statement, const Args&... args) {
    std::array<sql::Value, sizeof...(Args)> parameters{sql::to_value(args)...};
    return session().execute(statement, parameters);
  }

  std::optional<Teamspace> teamspace_by_id(int64_t id) {
    return first_row(query(kSelectTeamspaceById, id), teamspace_row);
  }

  StoreResult<Teamspace> resolve(std::string_view reference) {
    if (auto id = teamspace_id_reference(reference)) {
      if (auto ts = teamspace_by_id(*id)) return *ts;
      return StoreError::not_found("no teamspace has id " + std::to_string(*id));
    }
    auto name = normalize_teamspace_name(reference);
    if (name)
      if (auto ts = first_row(query(kSelectTeamspaceByName, *name), teamspace_row)) return *ts;
    return StoreError::not_found("no teamspace is named " + in_quotes(reference));
  }

  std::optional<EntraConfig> config_of(int64_t teamspace_id) {
    return first_row(query(kSelectEntraConfig, teamspace_id), entra_config_row);
  }

  static std::string no_tenant_message(const Teamspace& ts) {
    return "teamspace " + in_quotes(ts.name) + " has no Microsoft Entra ID tenant configured";
  }

  // The teamspace and its configuration, which adding users needs.
  StoreResult<EntraTarget> entra_target(std::string_view teamspace) {
    auto ts = resolve(teamspace);
    if (!ts) return ts.error();
    auto config = config_of(ts->id);
    if (!config) return StoreError::invalid(no_tenant_message(*ts) + "; configure the tenant before adding users");
    return EntraTarget{*ts, *config};
  }

  std::optional<int64_t> user_id_of(const std::string& email) {
    return first_row(query(kSelectUserId, email), [](const sql::Row& s) { return s.integer(0); });
  }

  int64_t insert_user(const std::string& email) {
    return returned_id(query(kInsertUser, email, to_millis(clock_.now())));
  }

  // Inside the caller's transaction. Checks everything before the first write.
  StoreResult<Added> add_entra_user_locked(const Teamspace& ts, const EntraConfig& config, std::string_view email,
                                           std::string_view oid) {
    auto valid_email = normalize_email(email);
    if (!valid_email) return valid_email.error();
    auto valid_oid = normalize_guid(oid, "object ID");
    if (!valid_oid) return valid_oid.error();
    const auto& tenant = config.tenant_id;

    {
      auto holders = query(kSelectOidHolder, tenant, *valid_oid, *valid_email);
      if (!holders.empty()) {
        const auto& holder = holders.front();
        // Another teamspace's member is not named to this teamspace's admins.
        bool here = holder.integer(1) == ts.id;
        return StoreError::conflict("object ID " + *valid_oid + " is already mapped to " +
                                    (here ? holder.text(0) : "another email in another teamspace") + " in tenant " +
                                    tenant + "; one object ID is one person");
      }
    }
    if (auto existing = first_row(query(kSelectEntraUser, tenant, *valid_oid, ts.id), entra_user_row))
      return Added{*existing, false};

    auto user_id = user_id_of(*valid_email);
    if (user_id) {
      auto others = query(kSelectOtherMappingOfUser, *user_id, tenant, *valid_oid, ts.id);
      if (!others.empty()) {
        const auto& other = others.front();
        return StoreError::conflict(*valid_email + " is already mapped to object ID " + other.text(1) +
                                    (other.integer(2) == ts.id ? " in this teamspace" : " in tenant " + other.text(0)) +
                                    "; remove that mapping first");
      }
    } else {
      user_id = insert_user(*valid_email);
    }
    auto now = to_millis(clock_.now());
    execute(kInsertMembershipIfAbsent, ts.id, *user_id, to_string(Role::developer), now);
    execute(kInsertEntraUser, ts.id, *user_id, tenant, *valid_oid, now);
    return Added{first_row(query(kSelectEntraUser, tenant, *valid_oid, ts.id), entra_user_row).value(), true};
  }

  static std::string secret_hash(std::string_view secret) { return crypto::hex(crypto::sha256(secret)); }

  // The units running on this thread, innermost first: calls nested in audited() find theirs.
  struct ActiveUnit {
    const SqlStore* store;
    sql::Session* session;
    ActiveUnit* outer;
  };
  static thread_local ActiveUnit* active_;

  std::unique_ptr<sql::Database> database_;
  const Clock& clock_;
};

thread_local SqlStore::ActiveUnit* SqlStore::active_ = nullptr;

}  // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<sql::Database> database, const Clock& clock) {
  return std::make_unique<SqlStore>(std::move(database), clock);
}

sql::Database* database_of(Store& store) {
  auto* sql_store = dynamic_cast<SqlStore*>(&store);
  return sql_store ? &sql_store->database() : nullptr;
}

}  // namespace mcpgate::store
