#include "store/sqlite.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.hpp"

namespace mcpgate::store::sqlite {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override { db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"); }

  int64_t count() {
    Statement s(db, "SELECT COUNT(*) FROM t");
    s.step();
    return s.integer(0);
  }

  testing::TempDir dir;
  Connection db{dir / "test.db"};
};

TEST_F(SqliteTest, BindsAndReadsEveryType) {
  Statement(db, "INSERT INTO t (name, n) VALUES (?1, ?2)", std::string("alpha"), 42).run();
  EXPECT_EQ(db.changes(), 1);
  int64_t id = db.last_insert_id();
  Statement(db, "INSERT INTO t (name, n) VALUES (?1, ?2)", "beta", std::optional<int64_t>()).run();

  Statement s(db, "SELECT id, name, n FROM t ORDER BY id");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), id);
  EXPECT_EQ(s.text(1), "alpha");
  EXPECT_EQ(s.optional_integer(2), 42);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(1), "beta");
  EXPECT_TRUE(s.is_null(2));
  EXPECT_EQ(s.optional_integer(2), std::nullopt);
  EXPECT_FALSE(s.step());
}

TEST_F(SqliteTest, TextKeepsEmbeddedBytes) {
  std::string value("a\0b\xC3\xBC", 5);
  Statement(db, "INSERT INTO t (name) VALUES (?1)", value).run();
  Statement s(db, "SELECT name FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), value);
}

TEST_F(SqliteTest, ConstraintViolationThrowsAConstraintError) {
  Statement(db, "INSERT INTO t (name) VALUES ('x')").run();
  try {
    Statement(db, "INSERT INTO t (name) VALUES ('x')").run();
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_constraint());
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_UNIQUE);
    EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("test.db"), std::string::npos);
  }
}

TEST(SqliteError, PublicCauseNamesTheProblemButNoPathOrStatement) {
  Error full(SQLITE_FULL, "/var/lib/mcpgate/mcpgate.db: database or disk is full (in: INSERT INTO usage_log …)");
  EXPECT_NE(full.public_cause().find("disk"), std::string::npos);
  EXPECT_NE(full.public_cause().find("full"), std::string::npos);
  for (int code : {SQLITE_FULL, SQLITE_READONLY, SQLITE_BUSY, SQLITE_CORRUPT, SQLITE_IOERR_WRITE,
                   SQLITE_CONSTRAINT_UNIQUE, SQLITE_ERROR}) {
    Error e(code, "/var/lib/mcpgate/mcpgate.db: x (in: INSERT INTO usage_log)");
    EXPECT_EQ(e.public_cause().find("/var/lib"), std::string::npos) << code;
    EXPECT_EQ(e.public_cause().find("INSERT"), std::string::npos) << code;
    EXPECT_FALSE(e.public_cause().empty());
  }
}

TEST_F(SqliteTest, BadSqlThrowsNamingTheStatement) {
  try {
    Statement(db, "SELEKT 1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_FALSE(e.is_constraint());
    EXPECT_NE(std::string(e.what()).find("SELEKT 1"), std::string::npos);
  }
}

TEST_F(SqliteTest, TransactionCommitsOrRollsBackWhenLeft) {
  {
    Transaction transaction(db);
    Statement(db, "INSERT INTO t (name) VALUES ('kept')").run();
    transaction.commit();
  }
  {
    Transaction transaction(db);
    Statement(db, "INSERT INTO t (name) VALUES ('dropped')").run();
  }
  try {
    Transaction transaction(db);
    Statement(db, "INSERT INTO t (name) VALUES ('dropped too')").run();
    Statement(db, "INSERT INTO t (name) VALUES ('kept')").run();  // throws: duplicate
    transaction.commit();
  } catch (const Error&) {
  }
  EXPECT_EQ(count(), 1);
  EXPECT_TRUE(sqlite3_get_autocommit(db.handle()));  // no transaction left open
}

TEST_F(SqliteTest, SavepointUndoesOnlyItsOwnChanges) {
  Transaction outer(db);
  Statement(db, "INSERT INTO t (name) VALUES ('outer')").run();
  {
    Transaction row(db, "row");
    Statement(db, "INSERT INTO t (name) VALUES ('undone')").run();
  }
  {
    Transaction row(db, "row");
    Statement(db, "INSERT INTO t (name) VALUES ('released')").run();
    row.commit();
  }
  outer.commit();
  EXPECT_EQ(count(), 2);
  Statement s(db, "SELECT COUNT(*) FROM t WHERE name = 'undone'");
  s.step();
  EXPECT_EQ(s.integer(0), 0);
}

TEST(SqliteConnection, UnopenableFileThrowsNamingIt) {
  try {
    Connection db("/nonexistent-mcpgate-dir/x.db");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-mcpgate-dir/x.db"), std::string::npos);
  }
}

TEST(SqliteTime, MillisecondsRoundTrip) {
  SysTime t(std::chrono::milliseconds(1'800'000'000'123));
  EXPECT_EQ(to_millis(t), 1'800'000'000'123);
  EXPECT_EQ(from_millis(to_millis(t)), t);
}

}  // namespace
}  // namespace mcpgate::store::sqlite
