#include "store/sqlite_schema.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::store::sqlite {
namespace {

const SysTime kFirstOpen(std::chrono::seconds(1'800'000'000));

int64_t count(Connection& db, std::string_view sql) {
  Statement s(db, sql);
  s.step();
  return s.integer(0);
}

TEST(SqliteSchema, MigratesANewFileToTheLatestVersionOnce) {
  testing::TempDir dir;
  Connection db(dir / "store.db");
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_EQ(migrate(db, kFirstOpen), int(migrations().size()));
  EXPECT_EQ(schema_version(db), int(migrations().size()));
  EXPECT_EQ(migrate(db, kFirstOpen + std::chrono::hours(1)), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM schema_version"), int64_t(migrations().size()));
  EXPECT_EQ(count(db, "SELECT MIN(applied_ms) FROM schema_version"), to_millis(kFirstOpen));
  for (const char* table :
       {"teamspaces", "users", "memberships", "entra_configs", "entra_users", "api_keys", "usage_log"})
    EXPECT_EQ(
        count(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + std::string(table) + "'"), 1)
        << table;
}

TEST(SqliteSchema, RefusesADatabaseFromANewerProgram) {
  testing::TempDir dir;
  Connection db(dir / "store.db");
  migrate(db, kFirstOpen);
  Statement(db, "INSERT INTO schema_version (version, applied_ms) VALUES (?1, 0)", int(migrations().size()) + 1).run();
  try {
    migrate(db, kFirstOpen);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this program"), std::string::npos) << e.what();
  }
}

TEST(SqliteSchema, TrialPlansNeedAnEndAndOthersNone) {
  testing::TempDir dir;
  Connection db(dir / "store.db");
  migrate(db, kFirstOpen);
  EXPECT_THROW(
      Statement(db, "INSERT INTO teamspaces (name, plan, created_ms) VALUES ('a', 'enterprise-trial', 0)").run(),
      Error);
  EXPECT_THROW(
      Statement(db, "INSERT INTO teamspaces (name, plan, trial_ends_ms, created_ms) VALUES ('a', 'pro', 1, 0)").run(),
      Error);
  EXPECT_THROW(Statement(db, "INSERT INTO teamspaces (name, plan, created_ms) VALUES ('a', 'gold', 0)").run(), Error);
}

}  // namespace
}  // namespace mcpgate::store::sqlite
