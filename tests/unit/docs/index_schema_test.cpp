#include "docs/index_schema.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::docs::index_schema {
namespace {

TEST(IndexSchema, ANewFileGetsEveryMigrationOnceAndAFullTextRebuild) {
  testing::TempDir dir;
  store::sqlite::Connection db(dir / "docs.db");
  int rebuilds = 0;
  Hooks hooks{[&] { ++rebuilds; }};
  EXPECT_EQ(migrate(db, hooks), latest());
  EXPECT_EQ(rebuilds, 1);
  EXPECT_EQ(migrate(db, hooks), 0) << "nothing left to do";
  EXPECT_EQ(rebuilds, 1);
}

TEST(IndexSchema, AFileFromANewerProgramIsRefusedNamingWhatToDo) {
  testing::TempDir dir;
  store::sqlite::Connection db(dir / "docs.db");
  migrate(db, Hooks{[] {}});
  db.execute("UPDATE meta SET value = value + 1 WHERE key = 'schema_version'");
  try {
    migrate(db, Hooks{[] {}});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(IndexSchema, EveryFullTextTableIsDroppedWhateverItsLayout) {
  testing::TempDir dir;
  store::sqlite::Connection db(dir / "docs.db");
  db.execute("CREATE VIRTUAL TABLE snippets_fts USING fts5(a); " + fts_schema(7) + "; " + fts_schema(12));
  drop_full_text_tables(db);
  store::sqlite::Statement left(db, "SELECT COUNT(*) FROM sqlite_master WHERE name GLOB 'snippets_fts*'");
  left.step();
  EXPECT_EQ(left.integer(0), 0);
}

}  // namespace
}  // namespace mcpgate::docs::index_schema
