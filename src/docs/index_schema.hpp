#pragma once
// The documentation index's schema (docs.db) as versioned migrations, and the layout of its
// full-text tables.
#include <cstdint>
#include <functional>
#include <string>

#include "store/sqlite.hpp"

namespace mcpgate::docs::index_schema {

// One FTS5 table per version: BM25's statistics (how rare a word is, how long a section usually
// is) are that library's alone, so its answers do not change when others are indexed beside it.
// Columns: title, headings (the section's own, without parameter lists), aliases (the plain
// words an API name stands for, from the lexicon), context (the page title, signature parameters,
// the first sentence), body, code.
std::string fts_table(int64_t version_row);
std::string fts_schema(int64_t version_row);
// bm25() weights in column order: a term in the title or headings says far more than one in the
// prose; context says less than either (every section of the Stream page is under "Stream", and
// every other function takes `options`).
inline constexpr const char* kFtsWeights = "10.0, 4.0, 3.0, 0.5, 1.0, 1.5";

// Drops every full-text table, of any layout (a migration then rebuilds them).
void drop_full_text_tables(store::sqlite::Connection& db);

// What migrations need beyond SQL: the full-text layout is code, so rebuilding the tables from
// the stored snippets is the index's to do.
struct Hooks {
  std::function<void()> rebuild_full_text;
};

// The number of migrations this program knows.
int latest();

// Brings the file to the latest schema, each migration in its own transaction with its version
// recorded in `meta`, so a crash leaves the file at some version, never between two. Files from
// before versioning (no recorded version) run every migration; each is written to be harmless
// on a file that already has what it adds. Returns how many were applied; throws
// std::runtime_error for a file written by a newer program.
int migrate(store::sqlite::Connection& db, const Hooks& hooks);

}  // namespace mcpgate::docs::index_schema
