#include "store/sqlite_schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace mcpgate::store::sqlite {
namespace {

// Times are Unix milliseconds. Emails and GUIDs are stored in the lower case validation gives them.
constexpr std::string_view kV1Initial = R"sql(
CREATE TABLE teamspaces (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  plan          TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise', 'enterprise-trial')),
  trial_ends_ms INTEGER,
  created_ms    INTEGER NOT NULL,
  CHECK ((plan = 'enterprise-trial') = (trial_ends_ms IS NOT NULL))
);

CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  email      TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL
);

CREATE TABLE memberships (
  teamspace_id INTEGER NOT NULL REFERENCES teamspaces (id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'developer')),
  created_ms   INTEGER NOT NULL,
  PRIMARY KEY (teamspace_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE entra_configs (
  teamspace_id   INTEGER PRIMARY KEY REFERENCES teamspaces (id) ON DELETE CASCADE,
  tenant_id      TEXT NOT NULL,
  audience       TEXT NOT NULL,
  required_scope TEXT NOT NULL,
  updated_ms     INTEGER NOT NULL
);
CREATE INDEX entra_configs_by_audience ON entra_configs (audience);

-- A mapping exists only with its membership: removing the member removes the mapping.
CREATE TABLE entra_users (
  id           INTEGER PRIMARY KEY,
  teamspace_id INTEGER NOT NULL,
  user_id      INTEGER NOT NULL,
  tenant_id    TEXT NOT NULL,
  oid          TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  UNIQUE (tenant_id, oid, teamspace_id),
  UNIQUE (teamspace_id, user_id),
  FOREIGN KEY (teamspace_id, user_id) REFERENCES memberships (teamspace_id, user_id) ON DELETE CASCADE
);
CREATE INDEX entra_users_by_user ON entra_users (user_id);

CREATE TABLE api_keys (
  id            INTEGER PRIMARY KEY,
  teamspace_id  INTEGER NOT NULL REFERENCES teamspaces (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL UNIQUE,
  created_ms    INTEGER NOT NULL,
  revoked_ms    INTEGER
);
CREATE INDEX api_keys_by_prefix ON api_keys (prefix);
CREATE INDEX api_keys_by_teamspace ON api_keys (teamspace_id);

CREATE TABLE usage_log (
  id                INTEGER PRIMARY KEY,
  time_ms           INTEGER NOT NULL,
  teamspace_id      INTEGER NOT NULL REFERENCES teamspaces (id) ON DELETE CASCADE,
  user_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
  user_label        TEXT NOT NULL,
  tool              TEXT NOT NULL,
  arguments_summary TEXT NOT NULL,
  result_bytes      INTEGER NOT NULL,
  latency_ms        INTEGER NOT NULL,
  outcome           TEXT NOT NULL
);
CREATE INDEX usage_log_by_teamspace_time ON usage_log (teamspace_id, time_ms DESC, id DESC);
CREATE INDEX usage_log_by_user ON usage_log (user_id);
)sql";

// API keys made for one member, and when each was last used; the audit log, which nothing may
// change or delete once written (no foreign keys: it outlives what it speaks of).
constexpr std::string_view kV2AuditAndKeyOwners = R"sql(
ALTER TABLE api_keys ADD COLUMN owner_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE api_keys ADD COLUMN last_used_ms INTEGER;

CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY,
  time_ms        INTEGER NOT NULL,
  teamspace_id   INTEGER,
  teamspace_name TEXT NOT NULL,
  actor_oid      TEXT NOT NULL,
  actor_email    TEXT NOT NULL,
  channel        TEXT NOT NULL,
  action         TEXT NOT NULL,
  detail         TEXT NOT NULL
);
CREATE INDEX audit_log_by_teamspace ON audit_log (teamspace_id, id DESC);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

constexpr std::array<std::string_view, 2> kMigrations{kV1Initial, kV2AuditAndKeyOwners};

constexpr std::string_view kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)";
constexpr std::string_view kSelectSchemaVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr std::string_view kInsertSchemaVersion = "INSERT INTO schema_version (version, applied_ms) VALUES (?1, ?2)";

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

int schema_version(Connection& db) {
  db.execute(kCreateSchemaVersion);
  Statement select(db, kSelectSchemaVersion);
  select.step();
  return int(select.integer(0));
}

int migrate(Connection& db, SysTime now) {
  const int latest = int(kMigrations.size());
  int applied = 0;
  for (;;) {
    Transaction transaction(db);
    int current = schema_version(db);
    if (current > latest)
      throw std::runtime_error(db.file().string() + ": the database is at schema version " + std::to_string(current) +
                               ", newer than this program knows (" + std::to_string(latest) +
                               "); run a newer mcpgate or restore a backup");
    if (current == latest) break;  // the transaction only read: its rollback changes nothing
    db.execute(kMigrations[size_t(current)]);
    Statement(db, kInsertSchemaVersion, current + 1, to_millis(now)).run();
    transaction.commit();
    ++applied;
  }
  return applied;
}

}  // namespace mcpgate::store::sqlite
