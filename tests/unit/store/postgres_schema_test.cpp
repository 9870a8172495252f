#include "store/postgres_schema.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit/store/store_fixture.hpp"

namespace mcpgate::store::pg {
namespace {

class PostgresSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override { database = shared_postgres().create_database(); }
  Settings settings() const { return shared_postgres().settings(database); }
  std::string database;
  testing::ManualClock clock;
};

TEST_F(PostgresSchemaTest, MigratesOnceAndRecordsEachVersion) {
  Connection db(settings());
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_EQ(migrate(db, clock.now()), int(migrations().size()));
  EXPECT_EQ(schema_version(db), int(migrations().size()));
  EXPECT_EQ(migrate(db, clock.now()), 0);
  auto versions = db.query("SELECT COUNT(*), MAX(applied_ms) FROM schema_version", {});
  EXPECT_EQ(versions.at(0).integer(0), int64_t(migrations().size()));
  EXPECT_EQ(versions.at(0).integer(1), sql::to_millis(clock.now()));
}

// Servers of one deployment start together (a rolling restart, a scaled-out deployment): one
// applies the migrations, the others wait for it and find nothing left to do.
TEST_F(PostgresSchemaTest, ManyServersStartingAtOnceApplyEachMigrationExactlyOnce) {
  constexpr int kServers = 6;
  std::atomic<int> applied{0};
  std::atomic<int> failed{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> servers;
  for (int i = 0; i < kServers; ++i)
    servers.emplace_back([&] {
      try {
        Connection db(settings());
        ++ready;
        while (ready.load() < kServers) std::this_thread::yield();  // start together
        applied += migrate(db, clock.now());
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failed;
      }
    });
  for (auto& server : servers) server.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(applied.load(), int(migrations().size()));
  Connection db(settings());
  EXPECT_EQ(db.query("SELECT COUNT(*) FROM schema_version", {}).at(0).integer(0), int64_t(migrations().size()));
}

TEST_F(PostgresSchemaTest, RefusesADatabaseNewerThanThisProgramAndChangesNothing) {
  Connection db(settings());
  migrate(db, clock.now());
  db.run_script("INSERT INTO schema_version (version, applied_ms) VALUES (99, 0)");
  try {
    migrate(db, clock.now());
    FAIL() << "a newer schema was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(db.idle());
  EXPECT_EQ(db.query("SELECT MAX(version) FROM schema_version", {}).at(0).integer(0), 99);
}

TEST_F(PostgresSchemaTest, TheAuditLogCannotBeTruncatedEither) {
  Connection db(settings());
  migrate(db, clock.now());
  db.run_script(
      "INSERT INTO audit_log (time_ms, teamspace_name, actor_oid, actor_email, channel, action, detail) "
      "VALUES (1, '', '', 'cli', 'cli', 'x.y', '')");
  try {
    db.run_script("TRUNCATE audit_log");
    FAIL() << "the audit log was truncated";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), sql::Error::Kind::constraint);
  }
  EXPECT_EQ(db.query("SELECT COUNT(*) FROM audit_log", {}).at(0).integer(0), 1);
}

}  // namespace
}  // namespace mcpgate::store::pg
