#include "store/postgres.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "unit/store/store_fixture.hpp"

namespace mcpgate::store::pg {
namespace {

using Kind = sql::Error::Kind;

TEST(NumberedParameters, RewritesPlaceholdersOutsideQuotesAndComments) {
  EXPECT_EQ(numbered_parameters("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12");
  EXPECT_EQ(numbered_parameters("SELECT '?1', \"?2\" -- ?3\nFROM t WHERE x = ?4"),
            "SELECT '?1', \"?2\" -- ?3\nFROM t WHERE x = $4");
  EXPECT_EQ(numbered_parameters("SELECT 'it''s ?1' WHERE y = ?2"), "SELECT 'it''s ?1' WHERE y = $2");
  EXPECT_EQ(numbered_parameters("SELECT ? , ?x"), "SELECT ? , ?x");  // not ours: left alone
}

TEST(UrlProblem, AcceptsLibpqUrisWithoutAPassword) {
  EXPECT_FALSE(url_problem("postgres://mcpgate@db.internal:5432/mcpgate?sslmode=verify-full"));
  EXPECT_FALSE(url_problem("postgresql://db/mcpgate"));
  auto with_password = url_problem("postgres://mcpgate:hunter2@db/mcpgate");
  ASSERT_TRUE(with_password);
  EXPECT_NE(with_password->find("${env:"), std::string::npos) << *with_password;
  EXPECT_EQ(with_password->find("hunter2"), std::string::npos) << *with_password;
  EXPECT_TRUE(url_problem("host=db dbname=mcpgate"));
  EXPECT_TRUE(url_problem("mysql://db/mcpgate"));
}

// libpq quotes what it cannot read: a malformed password must be refused before libpq sees it.
TEST(UrlProblem, AMalformedPasswordIsNotQuotedBack) {
  for (const char* url :
       {"postgres://mcpgate:se%zzcret@db/mcpgate", "postgres://mcpgate@db/mcpgate?password=se%zzcret"}) {
    auto problem = url_problem(url);
    ASSERT_TRUE(problem) << url;
    EXPECT_EQ(problem->find("se%zzcret"), std::string::npos) << *problem;
    EXPECT_NE(problem->find("${env:"), std::string::npos) << *problem;
  }
}

TEST(Redacted, ShowsWhereNeverTheSecret) {
  EXPECT_EQ(redacted("postgres://mcpgate:hunter2@db.internal:6432/prod?sslmode=require"),
            "postgres://mcpgate@db.internal:6432/prod");
  EXPECT_EQ(redacted("postgres:///x"), "postgres://localhost/x");
}

TEST(ErrorKinds, SayWhatIsSafeToRetry) {
  EXPECT_EQ(kind_of("40001", false), Kind::retryable);  // serialization failure
  EXPECT_EQ(kind_of("40P01", false), Kind::retryable);  // deadlock
  EXPECT_EQ(kind_of("57P01", false), Kind::retryable);  // terminated by an administrator
  EXPECT_EQ(kind_of("08006", false), Kind::retryable);  // connection failure
  EXPECT_EQ(kind_of("25006", false), Kind::retryable);  // read-only: a standby after failover
  EXPECT_EQ(kind_of("", true), Kind::retryable);
  EXPECT_EQ(kind_of("23505", false), Kind::constraint);
  EXPECT_EQ(kind_of("23503", false), Kind::constraint);
  EXPECT_EQ(kind_of("42P01", false), Kind::other);
  EXPECT_EQ(kind_of("22001", false), Kind::other);
  for (const char* state : {"40001", "57P01", "25006", "23505", "42P01", "53100", "XX000"})
    EXPECT_FALSE(public_cause_of(state, false).empty()) << state;
  EXPECT_NE(public_cause_of("53100", false).find("disk"), std::string::npos);
}

class PostgresConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { database = shared_postgres().create_database(); }
  Settings settings() const { return shared_postgres().settings(database); }
  std::string database;
};

TEST_F(PostgresConnectionTest, RunsStatementsWithTypedParametersAndReadsColumns) {
  Connection db(settings());
  db.run_script("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, flag BOOLEAN, small INTEGER)");
  std::array<sql::Value, 4> row{int64_t(1) << 40, std::string("a'b?1"), sql::Value(), int64_t(-7)};
  EXPECT_EQ(db.execute("INSERT INTO t (id, name, flag, small) VALUES (?1, ?2, ?3::text IS NOT NULL, ?4)", row), 1);
  std::array<sql::Value, 1> key{int64_t(1) << 40};
  auto rows = db.query("SELECT id, name, flag, small, NULL::text FROM t WHERE id = ?1", key);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].integer(0), int64_t(1) << 40);
  EXPECT_EQ(rows[0].text(1), "a'b?1");
  EXPECT_EQ(rows[0].integer(2), 0);
  EXPECT_EQ(rows[0].integer(3), -7);
  EXPECT_TRUE(rows[0].is_null(4));
  // Prepared once, run again with other values.
  std::array<sql::Value, 1> other{int64_t(2)};
  EXPECT_TRUE(db.query("SELECT id, name, flag, small, NULL::text FROM t WHERE id = ?1", other).empty());
  EXPECT_EQ(db.execute("UPDATE t SET small = small + 1", {}), 1);
}

TEST_F(PostgresConnectionTest, FailuresCarryTheirKindAndKeepTheStatementOutOfThePublicCause) {
  Connection db(settings());
  db.run_script("CREATE TABLE t (id BIGINT PRIMARY KEY)");
  std::array<sql::Value, 1> one{int64_t(1)};
  db.execute("INSERT INTO t VALUES (?1)", one);
  try {
    db.execute("INSERT INTO t VALUES (?1)", one);
    FAIL() << "a duplicate key was accepted";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), Kind::constraint);
    EXPECT_NE(std::string(e.what()).find("23505"), std::string::npos) << e.what();
    EXPECT_EQ(e.public_cause().find("INSERT"), std::string::npos);
  }
  EXPECT_TRUE(db.idle());
  EXPECT_THROW(db.query("SELECT * FROM no_such_table", {}), sql::Error);
  EXPECT_FALSE(db.broken());
}

TEST_F(PostgresConnectionTest, AWrongPasswordIsNotRetriedAndNeverEchoed) {
  auto wrong = settings();
  wrong.password = "not-the-password";
  try {
    Connection db(wrong);
    FAIL() << "connected with a wrong password";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), Kind::other);
    EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresConnectionTest, NothingListeningIsRetryable) {
  Settings nowhere;
  nowhere.url = "postgres://mcpgate@127.0.0.1:" + std::to_string(testing::free_port()) + "/x";
  try {
    Connection db(nowhere);
    FAIL() << "connected to nothing";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), Kind::retryable);
  }
}

TEST_F(PostgresConnectionTest, APoolReusesConnectionsAndWaitsWhenAllAreLeased) {
  auto small = settings();
  small.pool_size = 2;
  small.acquire_timeout = std::chrono::milliseconds(200);
  Pool pool(small);
  int first_pid = 0;
  {
    auto a = pool.acquire();
    first_pid = a->backend_pid();
  }
  {
    auto again = pool.acquire();
    EXPECT_EQ(again->backend_pid(), first_pid);  // the same connection, not a new one
    auto b = pool.acquire();
    EXPECT_EQ(pool.open_connections(), 2);
    EXPECT_THROW(pool.acquire(), sql::Error);  // both leased: times out
  }
  auto freed = pool.acquire();
  EXPECT_EQ(pool.open_connections(), 2);
}

TEST_F(PostgresConnectionTest, ALeaseEndedMidTransactionIsRolledBackBeforeReuse) {
  Pool pool(settings());
  {
    auto lease = pool.acquire();
    lease->run_script("CREATE TABLE t (id BIGINT)");
    lease->run_script("BEGIN; INSERT INTO t VALUES (1)");
  }
  auto lease = pool.acquire();
  EXPECT_TRUE(lease->idle());
  EXPECT_EQ(lease->query("SELECT COUNT(*) FROM t", {}).at(0).integer(0), 0);
}

TEST_F(PostgresConnectionTest, ABrokenConnectionIsDroppedFromThePool) {
  Pool pool(settings());
  int pid = 0;
  {
    auto lease = pool.acquire();
    pid = lease->backend_pid();
  }
  shared_postgres().terminate_sessions(database);
  {
    auto lease = pool.acquire();  // the idle one: it learns of its end on first use
    EXPECT_THROW(lease->query("SELECT 1", {}), sql::Error);
    EXPECT_TRUE(lease->broken());
  }
  EXPECT_EQ(pool.open_connections(), 0);
  auto fresh = pool.acquire();
  EXPECT_NE(fresh->backend_pid(), pid);
  EXPECT_EQ(fresh->query("SELECT 1", {}).at(0).integer(0), 1);
}

}  // namespace
}  // namespace mcpgate::store::pg
