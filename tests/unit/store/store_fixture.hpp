#pragma once
// What the store tests share: made-up IDs, and a store on either back-end with a way to look at
// its tables from outside, as an auditor with a second connection would.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "store/postgres_store.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::store {

// Made-up directory and app IDs; the upper-case one checks that GUIDs are lower-cased.
inline constexpr std::string_view kTenant = "10000000-0000-4000-8000-000000000001";
inline constexpr std::string_view kOtherTenant = "10000000-0000-4000-8000-000000000002";
inline constexpr std::string_view kAudience = "20000000-0000-4000-8000-00000000000A";
inline constexpr std::string_view kAudienceLower = "20000000-0000-4000-8000-00000000000a";

// Object ID number n: 30000000-0000-4000-8000-00000000000n (n in hexadecimal).
inline std::string oid(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "30000000-0000-4000-8000-%012x", n);
  return text;
}
inline std::string email(int n) { return "dev" + std::to_string(n) + "@contoso.com"; }

template <class T>
StoreErrorCode error_of(const StoreResult<T>& result) {
  EXPECT_FALSE(result) << "expected an error";
  return result ? StoreErrorCode::io : result.error().code;
}

using testing::shared_postgres;

// The crash test both back-ends pass. A teamspace "crash" with its tenant is made first; then a
// child process commits one Entra user after another, writing a line to a pipe each time a commit
// has returned, and is killed with SIGKILL once the parent has read `kill_after` lines. After
// `then` (which may kill the database too), every change the child saw committed must be there,
// whole: a mapping, a user and a membership each. `open` must give a new store each call.
inline void expect_no_committed_change_lost(const std::function<std::unique_ptr<Store>()>& open,
                                            const std::function<void()>& then = {}, int kill_after = 100) {
  constexpr int kChanges = 1'000'000;  // never reached: the child is killed long before
  {
    auto store = open();
    store->create_teamspace("crash", Plan::enterprise, std::nullopt).value();
    store->set_entra_config("crash", {std::string(kTenant), std::string(kAudience), "mcp.access"}).value();
  }  // closed before fork: a connection must not cross into a child

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    try {
      auto store = open();
      for (int i = 0; i < kChanges; ++i) {
        if (!store->add_entra_user("crash", email(i), oid(i))) ::_exit(2);
        std::string marker = std::to_string(i) + "\n";
        if (::write(pipe_fds[1], marker.data(), marker.size()) != ssize_t(marker.size())) ::_exit(3);
      }
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::FILE* markers = ::fdopen(pipe_fds[0], "r");
  int committed = 0;
  char line[32];
  while (committed < kill_after && std::fgets(line, sizeof line, markers)) ++committed;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::fclose(markers);
  ASSERT_EQ(committed, kill_after) << "the child stopped early, status " << status;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  if (then) then();

  auto store = open();
  for (int i = 0; i < committed; ++i)
    EXPECT_TRUE(store->find_entra_user("crash", kTenant, oid(i)).value()) << "change " << i << " was lost";
  auto users = store->list_entra_users("crash").value();
  EXPECT_GE(users.size(), size_t(committed));
  EXPECT_EQ(store->list_members("crash").value().size(), users.size());
  for (size_t i = 0; i < users.size(); ++i) EXPECT_TRUE(store->find_entra_user("crash", kTenant, oid(int(i))).value());
}

enum class Backend { sqlite, postgres };
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres) database = shared_postgres().create_database();
    store = open();
  }

  std::unique_ptr<Store> open() {
    if (GetParam() == Backend::sqlite) return open_sqlite_store(file, clock);
    return open_postgres_store(shared_postgres().settings(database), clock);
  }

  void reopen() {
    store.reset();
    store = open();
  }

  // An enterprise teamspace with its tenant configured, as an admin would leave it after Step 1.
  Teamspace enterprise(const std::string& name, std::string_view tenant = kTenant) {
    auto ts = store->create_teamspace(name, Plan::enterprise, std::nullopt).value();
    store->set_entra_config(name, {std::string(tenant), std::string(kAudience), "mcp.access"}).value();
    return ts;
  }

  // One statement on a connection of its own, bypassing the store. Throws sql::Error.
  sql::Rows raw(const std::string& statement) {
    if (GetParam() == Backend::postgres) return shared_postgres().admin_query(database, statement);
    sqlite::Connection connection(file);
    sqlite::Statement select(connection, statement);
    sql::Rows rows;
    while (select.step()) {
      std::vector<sql::Value> columns;
      for (int c = 0; c < select.columns(); ++c)
        columns.push_back(select.is_null(c)      ? sql::Value()
                          : select.is_integer(c) ? sql::Value(select.integer(c))
                                                 : sql::Value(select.text(c)));
      rows.emplace_back(std::move(columns));
    }
    return rows;
  }

  int64_t rows(std::string_view table) { return raw("SELECT COUNT(*) FROM " + std::string(table)).at(0).integer(0); }

  testing::TempDir dir;
  std::filesystem::path file = dir / "data" / "store.db";
  std::string database;
  testing::ManualClock clock;
  std::unique_ptr<Store> store;
};

}  // namespace mcpgate::store
