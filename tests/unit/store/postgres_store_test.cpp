#include "store/postgres_store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit/store/store_fixture.hpp"

namespace mcpgate::store {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database = shared_postgres().create_database(); }
  pg::Settings settings() const { return shared_postgres().settings(database); }
  std::unique_ptr<Store> open() { return open_postgres_store(settings(), clock); }

  void enterprise(Store& store, const std::string& name) {
    store.create_teamspace(name, Plan::enterprise, std::nullopt).value();
    store.set_entra_config(name, {std::string(kTenant), std::string(kAudience), "mcp.access"}).value();
  }

  std::string database;
  testing::ManualClock clock;
};

TEST_F(PostgresStoreTest, RefusesAUrlWithAPasswordWithoutRepeatingIt) {
  auto with_password = settings();
  with_password.url = "postgres://mcpgate:" + shared_postgres().password() +
                      "@127.0.0.1:" + std::to_string(shared_postgres().port()) + "/" + database;
  try {
    open_postgres_store(with_password, clock);
    FAIL() << "a password in the URL was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find(shared_postgres().password()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresStoreTest, SaysWhereItCouldNotConnect) {
  pg::Settings nowhere;
  nowhere.url = "postgres://mcpgate@127.0.0.1:" + std::to_string(testing::free_port()) + "/mcpgate";
  nowhere.connect_timeout = std::chrono::milliseconds(1000);
  try {
    open_postgres_store(nowhere, clock);
    FAIL() << "opened a store where nothing listens";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(nowhere.url), std::string::npos) << e.what();
  }
}

// The server ends every session (an administrator, a restart, a failover): the next calls
// reconnect and succeed, and nothing is written twice.
TEST_F(PostgresStoreTest, CallsSurviveTheServerEndingItsSessions) {
  auto store = open();
  enterprise(*store, "acme");
  store->add_entra_user("acme", email(1), oid(1)).value();
  shared_postgres().terminate_sessions(database);
  EXPECT_TRUE(store->add_entra_user("acme", email(2), oid(2)));
  shared_postgres().terminate_sessions(database);
  EXPECT_EQ(store->list_entra_users("acme").value().size(), 2u);
  EXPECT_EQ(store->list_members("acme").value().size(), 2u);
}

// PostgreSQL goes away: calls fail with an error that says so (after the retries), and once it is
// back the same store serves again, on new connections.
TEST_F(PostgresStoreTest, ADatabaseThatIsAwayIsReportedAndItsReturnIsNoticed) {
  auto store = open();
  enterprise(*store, "acme");
  shared_postgres().kill();
  auto refused = store->add_entra_user("acme", email(1), oid(1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, StoreErrorCode::io);
  EXPECT_NE(refused.error().message.find("database"), std::string::npos) << refused.error().message;
  auto unread = store->list_entra_users("acme");
  ASSERT_FALSE(unread);
  EXPECT_EQ(unread.error().code, StoreErrorCode::io);
  shared_postgres().restart();
  EXPECT_TRUE(store->add_entra_user("acme", email(1), oid(1)));
  EXPECT_EQ(store->list_entra_users("acme").value().size(), 1u);
}

// Two servers on one database, writing at once: SERIALIZABLE transactions conflict, are retried,
// and every write lands once; of two claims on one object ID only one can win.
TEST_F(PostgresStoreTest, TwoServersWritingAtOnceNeitherLoseNorDuplicate) {
  auto first = open();
  auto second = open();
  enterprise(*first, "acme");
  int64_t acme = first->find_teamspace("acme").value().id;
  constexpr int kEach = 40;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      Store& store = w % 2 ? *second : *first;
      for (int i = 0; i < kEach; ++i) {
        int n = w * kEach + i;
        auto added = store.add_entra_user("acme", email(n), oid(n));
        EXPECT_TRUE(added) << added.error().message;
        EXPECT_TRUE(store.record_usage({.time = clock.now(), .teamspace_id = acme, .tool = "query-docs"}));
      }
    });
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(first->list_entra_users("acme").value().size(), size_t(4 * kEach));
  EXPECT_EQ(second->usage("acme", 1000).value().size(), size_t(4 * kEach));

  std::atomic<int> won{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> claims;
  for (int c = 0; c < 4; ++c)
    claims.emplace_back([&, c] {
      Store& store = c % 2 ? *second : *first;
      auto added = store.add_entra_user("acme", "claimant" + std::to_string(c) + "@contoso.com", oid(9999));
      if (added)
        ++won;
      else if (added.error().code == StoreErrorCode::conflict)
        ++conflicts;
    });
  for (auto& claim : claims) claim.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
}

// A process killed while it commits, then PostgreSQL itself, every process of it at once, and
// started again: every change the process saw committed is there, whole.
TEST_F(PostgresStoreTest, AKilledProcessAndAKilledDatabaseLoseNoCommittedChange) {
  expect_no_committed_change_lost([&] { return open(); },
                                  [] {
                                    shared_postgres().kill();
                                    shared_postgres().restart();
                                  });
}

}  // namespace
}  // namespace mcpgate::store
