#include "server/store_location.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::server {
namespace {

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(StoreLocation, WithoutAStoreSettingTheServerUsesSQLiteInItsDataDirectory) {
  testing::TempDir dir;
  testing::ManualClock clock;
  auto config = default_server_config(dir / "data");
  auto store = open_server_store(config, clock);
  ASSERT_TRUE(store->create_teamspace("acme", store::Plan::free, std::nullopt));
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "mcpgate.db"));
  EXPECT_FALSE(std::filesystem::exists(store_location_file(dir / "data")));
  store.reset();
  EXPECT_TRUE(open_data_dir_store(dir / "data", clock, true)->find_teamspace("acme"));
}

// `mcpgate admin --data-dir` on a server that keeps its store in PostgreSQL must not write into
// an empty SQLite file the server never reads.
TEST(StoreLocation, ADataDirectoryOfAServerOnPostgresSendsToolsToItsConfiguration) {
  testing::TempDir dir;
  testing::ManualClock clock;
  auto config = default_server_config(dir / "data");
  config.postgres = testing::shared_postgres().settings(testing::shared_postgres().create_database());
  open_server_store(config, clock)->create_teamspace("acme", store::Plan::free, std::nullopt).value();
  try {
    open_data_dir_store(dir / "data", clock);
    FAIL() << "opened a SQLite store beside a PostgreSQL one";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(mentions(e.what(), "--config")) << e.what();
    EXPECT_TRUE(mentions(e.what(), "postgres://mcpgate@127.0.0.1")) << e.what();
    EXPECT_FALSE(mentions(e.what(), testing::shared_postgres().password())) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "data" / "mcpgate.db"));

  // Moved back to SQLite, the note goes.
  config.postgres.reset();
  open_server_store(config, clock);
  EXPECT_FALSE(std::filesystem::exists(store_location_file(dir / "data")));
}

TEST(StoreLocation, AStoreThatMustExistIsNotCreated) {
  testing::TempDir dir;
  testing::ManualClock clock;
  EXPECT_THROW(open_data_dir_store(dir / "nothing", clock, true), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir / "nothing" / "mcpgate.db"));
}

}  // namespace
}  // namespace mcpgate::server
