#include "store/sqlite_store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_schema.hpp"
#include "store/validation.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "unit/store/store_fixture.hpp"

namespace mcpgate::store {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store = open_sqlite_store(file, clock); }

  void reopen() {
    store.reset();
    store = open_sqlite_store(file, clock);
  }

  // An enterprise teamspace with its tenant configured, as an admin would leave it after Step 1.
  Teamspace enterprise(const std::string& name, std::string_view tenant = kTenant) {
    auto ts = store->create_teamspace(name, Plan::enterprise, std::nullopt).value();
    store->set_entra_config(name, {std::string(tenant), std::string(kAudience), "mcp.access"}).value();
    return ts;
  }

  // Straight from the file through a second connection, as an auditor would see it.
  int64_t rows(std::string_view table) {
    sqlite::Connection raw(file);
    sqlite::Statement count(raw, "SELECT COUNT(*) FROM " + std::string(table));
    count.step();
    return count.integer(0);
  }

  testing::TempDir dir;
  std::filesystem::path file = dir / "data" / "store.db";
  testing::ManualClock clock;
  std::unique_ptr<Store> store;
};

// --- Opening -------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, RunsInWalModeWithFullSyncForeignKeysAndABusyTimeout) {
  EXPECT_EQ(sqlite_pragma(*store, "journal_mode"), "wal");
  EXPECT_EQ(sqlite_pragma(*store, "foreign_keys"), "1");
  EXPECT_EQ(sqlite_pragma(*store, "synchronous"), "2");  // FULL
  EXPECT_EQ(sqlite_pragma(*store, "busy_timeout"), "5000");
  EXPECT_EQ(sqlite_pragma(*store, "integrity_check"), "ok");
  EXPECT_THROW(sqlite_pragma(*store, "journal_mode; DROP TABLE users"), std::invalid_argument);
}

TEST_F(SqliteStoreTest, CreatesAPrivateDirectoryAndFile) {
  using std::filesystem::perms;
  EXPECT_EQ(std::filesystem::status(file.parent_path()).permissions() & (perms::group_all | perms::others_all),
            perms::none);
  EXPECT_EQ(std::filesystem::status(file).permissions() & (perms::group_all | perms::others_all), perms::none);
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndDoesNotRerunMigrations) {
  auto acme = enterprise("acme");
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  auto key = store->create_api_key("acme", "ci").value();
  clock.advance(hours(24));
  reopen();

  EXPECT_EQ(store->find_teamspace("acme").value().id, acme.id);
  EXPECT_EQ(store->entra_config("acme").value().tenant_id, kTenant);
  EXPECT_TRUE(store->find_entra_user("acme", kTenant, oid(1)).value());
  EXPECT_TRUE(store->find_api_key(key.secret).value());

  sqlite::Connection raw(file);
  sqlite::Statement versions(raw, "SELECT COUNT(*), MAX(applied_ms) FROM schema_version");
  ASSERT_TRUE(versions.step());
  EXPECT_EQ(versions.integer(0), int64_t(sqlite::migrations().size()));  // each migration, once
  EXPECT_EQ(versions.integer(1), sqlite::to_millis(acme.created));       // applied at the first open, not now
}

TEST(SqliteStoreOpen, ThrowsNamingAFileThatIsNoDatabase) {
  testing::TempDir dir;
  auto file = dir / "notes.txt";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("these are not the pages you are looking for, but there are enough of them to fill a header\n", f);
    std::fclose(f);
  }
  testing::ManualClock clock;
  try {
    open_sqlite_store(file, clock);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
}

TEST(SqliteStoreOpen, ThrowsWhenTheDirectoryCannotBeCreated) {
  testing::TempDir dir;
  auto blocker = dir / "file";
  std::FILE* f = std::fopen(blocker.c_str(), "w");
  std::fclose(f);
  testing::ManualClock clock;
  EXPECT_THROW(open_sqlite_store(blocker / "store.db", clock), std::runtime_error);
}

// Bytes this process has passed to write(2) and its kin so far (Linux), or nullopt.
std::optional<int64_t> bytes_written_by_this_process() {
  std::ifstream io("/proc/self/io");
  std::string name;
  int64_t value = 0;
  while (io >> name >> value)
    if (name == "wchar:") return value;
  return std::nullopt;
}

TEST_F(SqliteStoreTest, CsvImportOfThousandsOfRowsWritesAboutItsDataNotAJournalPerRow) {
  enterprise("acme");
  std::string csv = "email,oid\n";
  constexpr int kRows = 5000;
  for (int i = 0; i < kRows; ++i) csv += "user" + std::to_string(i) + "@contoso.dev," + oid(100 + i) + "\n";
  auto before = bytes_written_by_this_process();
  if (!before) GTEST_SKIP() << "/proc/self/io is not readable here";
  auto reports = store->import_entra_users_csv("acme", csv, true).value();
  auto written = *bytes_written_by_this_process() - *before;
  EXPECT_EQ(rows("entra_users"), kRows);
  for (const auto& r : reports) ASSERT_TRUE(r.ok) << r.line << ": " << r.message;
  // About 3.4 MB of WAL for 1.7 MB of data; a savepoint per row wrote 189 MB to a temporary file.
  EXPECT_LT(written, 20'000'000) << written << " bytes written for " << kRows << " rows";
}

// Every change a killed process saw committed is in the file, whole, and the file is sound.
TEST(SqliteStoreCrash, AKilledProcessLosesNoCommittedChange) {
  testing::TempDir dir;
  auto file = dir / "store.db";
  testing::ManualClock clock;
  expect_no_committed_change_lost([&] { return open_sqlite_store(file, clock); });
  auto store = open_sqlite_store(file, clock);
  EXPECT_EQ(sqlite_pragma(*store, "integrity_check"), "ok");
  EXPECT_EQ(sqlite_pragma(*store, "foreign_key_check"), "");  // no row: no dangling reference
}

}  // namespace
}  // namespace mcpgate::store
