#include "docs/index_schema.hpp"

#include <array>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace mcpgate::docs::index_schema {
namespace {

using store::sqlite::Connection;
using store::sqlite::Statement;
using store::sqlite::Transaction;

constexpr const char* kBaseSchema = R"sql(
CREATE TABLE IF NOT EXISTS libraries(
  id INTEGER PRIMARY KEY,
  library_id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  trust_score REAL NOT NULL DEFAULT -1,
  source_url TEXT NOT NULL DEFAULT '',
  aliases TEXT NOT NULL DEFAULT '[]',
  rules TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS versions(
  id INTEGER PRIMARY KEY,
  library INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('initial','processing','finalized','error')),
  snippets INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  benchmark_score REAL NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  source_folder TEXT NOT NULL DEFAULT '',
  source_url TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS versions_library ON versions(library);
CREATE TABLE IF NOT EXISTS snippets(
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  breadcrumb TEXT NOT NULL,
  description TEXT NOT NULL,
  content TEXT NOT NULL,
  code TEXT NOT NULL,
  source_path TEXT NOT NULL,
  anchor TEXT NOT NULL,
  tokens INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS snippets_version ON snippets(version);
CREATE TABLE IF NOT EXISTS terms(
  version INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
  term TEXT NOT NULL,
  df INTEGER NOT NULL,
  PRIMARY KEY (version, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS library_access(
  teamspace_id INTEGER NOT NULL,
  library_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  PRIMARY KEY (teamspace_id, library_id, group_id));
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', 0);
)sql";

bool has_column(Connection& db, std::string_view table, std::string_view column) {
  Statement has(db, "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2", table, column);
  has.step();
  return has.integer(0) > 0;
}

struct Migration {
  const char* what;
  std::function<void(Connection&, const Hooks&)> apply;
};

// Append only; a released migration is never edited.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list{
      {"the base tables", [](Connection& db, const Hooks&) { db.execute(kBaseSchema); }},
      // Versions link to their own files (empty: the library's link, as before).
      {"versions.source_url",
       [](Connection& db, const Hooks&) {
         if (!has_column(db, "versions", "source_url"))
           db.execute("ALTER TABLE versions ADD COLUMN source_url TEXT NOT NULL DEFAULT ''");
       }},
      // The splitter revision that cut a version; those indexed before the column were revision 1.
      {"versions.snippet_format",
       [](Connection& db, const Hooks&) {
         if (!has_column(db, "versions", "snippet_format"))
           db.execute("ALTER TABLE versions ADD COLUMN snippet_format INTEGER NOT NULL DEFAULT 1");
       }},
      // Full-text layout 4: a table per version with aliases and context columns (earlier: one
      // shared table with a scope column).
      {"full-text layout 4", [](Connection&, const Hooks& hooks) { hooks.rebuild_full_text(); }},
  };
  return list;
}

int recorded_version(Connection& db) {
  Statement s(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  return s.step() ? int(s.integer(0)) : 0;
}

}  // namespace

std::string fts_table(int64_t version_row) { return "snippets_fts_" + std::to_string(version_row); }

std::string fts_schema(int64_t version_row) {
  return "CREATE VIRTUAL TABLE IF NOT EXISTS " + fts_table(version_row) +
         " USING fts5(title, headings, aliases, context, body, code, tokenize = 'porter unicode61 remove_diacritics "
         "2')";
}

void drop_full_text_tables(Connection& db) {
  std::vector<std::string> tables;
  {
    Statement old(db,
                  "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = 'snippets_fts' OR name GLOB "
                  "'snippets_fts_[0-9]*')");
    while (old.step()) tables.push_back(old.text(0));
  }
  for (auto& name : tables) db.execute("DROP TABLE IF EXISTS \"" + name + "\"");
}

int latest() { return int(migrations().size()); }

int migrate(Connection& db, const Hooks& hooks) {
  // `meta` is where the version is kept, so it exists before anything is read from it.
  db.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  int applied = 0;
  for (;;) {
    Transaction transaction(db);
    int current = recorded_version(db);
    if (current > latest())
      throw std::runtime_error(db.file().string() + ": the documentation index is at schema version " +
                               std::to_string(current) + ", newer than this program knows (" +
                               std::to_string(latest()) + "); run a newer mcpgate or index again into a new folder");
    if (current == latest()) break;
    migrations()[size_t(current)].apply(db, hooks);
    Statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?1)", int64_t(current + 1)).run();
    transaction.commit();
    ++applied;
  }
  return applied;
}

}  // namespace mcpgate::docs::index_schema
