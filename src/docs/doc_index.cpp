#include "docs/doc_index.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <unordered_map>

#include <boost/json.hpp>

#include "docs/index_schema.hpp"
#include "docs/index_text.hpp"
#include "docs/lexicon.hpp"
#include "docs/version_order.hpp"
#include "store/sqlite.hpp"

namespace mcpgate::docs {
namespace json = boost::json;
using store::sqlite::Connection;
using store::sqlite::Statement;
using store::sqlite::Transaction;

namespace {

std::string to_json_list(const std::vector<std::string>& items) {
  json::array a;
  for (auto& s : items) a.emplace_back(s);
  return json::serialize(a);
}

std::vector<std::string> from_json_list(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (auto& item : v.as_array())
    if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::string code_to_json(const std::vector<CodeBlock>& blocks) {
  json::array a;
  for (auto& b : blocks) a.push_back(json::object{{"language", b.language}, {"code", b.code}});
  return json::serialize(a);
}

std::vector<CodeBlock> code_from_json(const std::string& text) {
  std::vector<CodeBlock> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    auto& o = item.as_object();
    CodeBlock b;
    if (auto* l = o.if_contains("language"); l && l->is_string()) b.language = std::string(l->as_string());
    if (auto* c = o.if_contains("code"); c && c->is_string()) b.code = std::string(c->as_string());
    out.push_back(std::move(b));
  }
  return out;
}

std::string fts_code_text(const std::vector<CodeBlock>& blocks) {
  std::string text;
  for (auto& b : blocks) text += b.code + "\n";
  return text;
}

}  // namespace

const VersionInfo* LibraryRecord::default_version() const {
  const VersionInfo* highest = nullptr;
  for (auto& v : versions) {
    if (v.state != "finalized") continue;
    if (v.tag.empty()) return &v;
    if (!highest || version_less(highest->tag, v.tag)) highest = &v;
  }
  return highest;
}

const VersionInfo* LibraryRecord::version(std::string_view tag) const {
  if (tag.empty() || tag == "latest") return default_version();
  for (auto& v : versions)
    if (v.state == "finalized" && v.tag == tag) return &v;
  return nullptr;
}

std::vector<std::string> LibraryRecord::tags() const {
  std::vector<std::string> out;
  for (auto& v : versions)
    if (v.state == "finalized" && !v.tag.empty()) out.push_back(v.tag);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return version_less(b, a); });
  return out;
}

int64_t LibraryRecord::snippet_count() const {
  auto* v = default_version();
  return v ? v->snippets : 0;
}

struct DocIndex::Impl {
  const Clock& clock;
  mutable std::mutex mutex;  // the writer connection
  mutable Connection db;
  // Readers: WAL lets them run beside the writer and beside each other, so queries arriving on
  // several worker threads at once do not queue behind one connection.
  mutable std::mutex readers_mutex;
  mutable std::vector<std::unique_ptr<Connection>> idle_readers;

  Impl(const std::filesystem::path& file, const Clock& c) : clock(c), db(file) {
    db.execute(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;");
    index_schema::migrate(db, index_schema::Hooks{[this] { rebuild_full_text(); }});
  }

  // The full-text tables rebuilt from the snippets the index already holds (inside the caller's
  // transaction): a new layout needs nothing indexed again from the sources.
  void rebuild_full_text() {
    index_schema::drop_full_text_tables(db);
    std::vector<std::pair<int64_t, std::pair<int64_t, Snippet>>> rows;
    {
      Statement all(db, "SELECT id, version, kind, title, breadcrumb, description, content, code FROM snippets");
      while (all.step()) {
        Snippet sn;
        sn.kind = all.text(2) == "code" ? Snippet::Kind::code : Snippet::Kind::info;
        sn.title = all.text(3);
        sn.breadcrumb = from_json_list(all.text(4));
        sn.description = all.text(5);
        sn.content = all.text(6);
        sn.code = code_from_json(all.text(7));
        rows.push_back({all.integer(0), {all.integer(1), std::move(sn)}});
      }
    }
    for (auto& [row, entry] : rows) insert_fts(row, entry.first, entry.second);
  }

  void insert_fts(int64_t row, int64_t version_row, const Snippet& s) {
    db.execute(index_schema::fts_schema(version_row));
    // The section's own headings without their parameter lists; the page title (when there is
    // more than one heading) and the parameters as context.
    std::string headings, context, aliases;
    const auto& lexicon = Lexicon::builtin();
    for (size_t i = 0; i < s.breadcrumb.size(); ++i) {
      auto signature = split_signature(s.breadcrumb[i]);
      bool page_title = i == 0 && s.breadcrumb.size() > 1;
      std::string& into = page_title ? context : headings;
      into += (into.empty() ? "" : " > ") + signature.name;
      if (!signature.parameters.empty()) context += (context.empty() ? "" : " ") + signature.parameters;
      if (!page_title)
        for_each_word(signature.name, [&](std::string_view word) {
          auto plain = lexicon.plain_words(word);
          if (!plain.empty()) aliases += (aliases.empty() ? "" : " ") + plain;
        });
    }
    // The section's first sentence says what it is about, much as a question would ask for it;
    // it is context, weighing little, since it also holds words merely mentioned.
    std::string summary = first_sentence(s.is_code() ? s.description : s.content);
    if (!summary.empty()) context += (context.empty() ? "" : "\n") + summary;
    Statement(db,
              "INSERT INTO " + index_schema::fts_table(version_row) +
                  "(rowid, title, headings, aliases, context, body, code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
              row, searchable_text(split_signature(s.title).name), searchable_text(headings), aliases,
              searchable_text(context), searchable_text(s.description + "\n" + s.content),
              searchable_text(fts_code_text(s.code)))
        .run();
  }

  void drop_fts(int64_t version_row) { db.execute("DROP TABLE IF EXISTS " + index_schema::fts_table(version_row)); }

  class Reader {
   public:
    Reader(const Impl& impl, std::unique_ptr<Connection> c) : impl_(impl), connection_(std::move(c)) {}
    ~Reader() {
      std::lock_guard lock(impl_.readers_mutex);
      impl_.idle_readers.push_back(std::move(connection_));
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    Connection& operator*() const { return *connection_; }

   private:
    const Impl& impl_;
    std::unique_ptr<Connection> connection_;
  };

  Reader reader() const {
    {
      std::lock_guard lock(readers_mutex);
      if (!idle_readers.empty()) {
        auto c = std::move(idle_readers.back());
        idle_readers.pop_back();
        return Reader(*this, std::move(c));
      }
    }
    auto c = std::make_unique<Connection>(db.file());
    // Mapped reads spare a copy of every page a query touches.
    c->execute("PRAGMA query_only=ON; PRAGMA busy_timeout=10000; PRAGMA mmap_size=1073741824;");
    return Reader(*this, std::move(c));
  }

  void bump_generation() { db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'"); }

  void delete_version_rows(int64_t version_row) {
    drop_fts(version_row);
    Statement(db, "DELETE FROM versions WHERE id = ?1", version_row).run();
  }
};

bool VersionInfo::outdated() const { return snippet_format < kSnippetFormat; }

DocIndex::DocIndex(const std::filesystem::path& file, const Clock& clock)
    : impl_(std::make_unique<Impl>(file, clock)) {}
DocIndex::~DocIndex() = default;
const std::filesystem::path& DocIndex::file() const { return impl_->db.file(); }

int64_t DocIndex::begin_version(const LibraryInfo& info, const std::string& tag, const std::string& source_folder,
                                const std::string& source_url) {
  std::lock_guard lock(impl_->mutex);
  auto& db = impl_->db;
  Transaction t(db);
  Statement(db,
            "INSERT INTO libraries(library_id, title, description, trust_score, source_url, aliases, rules) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(library_id) DO UPDATE SET title = excluded.title, "
            "description = excluded.description, trust_score = excluded.trust_score, source_url = excluded.source_url, "
            "aliases = excluded.aliases, rules = excluded.rules",
            info.id, info.title, info.description, info.trust_score, info.source_url, to_json_list(info.aliases),
            to_json_list(info.rules))
      .run();
  Statement find(db, "SELECT id FROM libraries WHERE library_id = ?1", info.id);
  find.step();
  int64_t library = find.integer(0);
  // A run that died earlier left a processing row behind; it is garbage now.
  Statement stale(
      db, "SELECT id FROM versions WHERE library = ?1 AND tag = ?2 AND state IN ('processing','initial','error')",
      library, tag);
  std::vector<int64_t> stale_rows;
  while (stale.step()) stale_rows.push_back(stale.integer(0));
  find.reset();  // a statement left mid-read would keep the tables below from being dropped
  for (auto row : stale_rows) impl_->delete_version_rows(row);
  Statement(db,
            "INSERT INTO versions(library, tag, state, updated, source_folder, source_url, snippet_format) "
            "VALUES (?1, ?2, 'processing', ?3, ?4, ?5, ?6)",
            library, tag, store::sqlite::to_millis(impl_->clock.now()), source_folder, source_url, kSnippetFormat)
      .run();
  int64_t row = db.last_insert_id();
  t.commit();
  return row;
}

void DocIndex::add_snippets(int64_t version_row, const std::vector<Snippet>& snippets) {
  std::lock_guard lock(impl_->mutex);
  auto& db = impl_->db;
  Transaction t(db);
  Statement count(db, "SELECT COUNT(*) FROM snippets WHERE version = ?1", version_row);
  count.step();
  int64_t ordinal = count.integer(0);
  std::unordered_map<std::string, int64_t> words;
  int64_t tokens = 0;
  for (auto& s : snippets) {
    Statement(
        db,
        "INSERT INTO snippets(version, ordinal, kind, title, breadcrumb, description, content, code, source_path, "
        "anchor, tokens) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        version_row, ordinal++, s.is_code() ? "code" : "info", s.title, to_json_list(s.breadcrumb), s.description,
        s.content, code_to_json(s.code), s.source_path, s.anchor, s.tokens())
        .run();
    int64_t row = db.last_insert_id();
    std::string code = fts_code_text(s.code);
    std::string body = s.description + "\n" + s.content;
    impl_->insert_fts(row, version_row, s);
    std::vector<std::string> seen;
    std::string text = s.title;
    text.append(" ").append(s.breadcrumb_text()).append(" ").append(body).append(" ").append(code);
    for (auto& w : index_words(text)) seen.push_back(std::move(w));
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (auto& w : seen) ++words[w];
    tokens += s.tokens();
  }
  for (auto& [term, df] : words)
    Statement(db,
              "INSERT INTO terms(version, term, df) VALUES (?1, ?2, ?3) ON CONFLICT(version, term) DO UPDATE SET df = "
              "df + excluded.df",
              version_row, term, df)
        .run();
  Statement(db, "UPDATE versions SET snippets = snippets + ?2, tokens = tokens + ?3 WHERE id = ?1", version_row,
            int64_t(snippets.size()), tokens)
      .run();
  t.commit();
}

void DocIndex::finalize_version(int64_t version_row, double benchmark_score) {
  std::lock_guard lock(impl_->mutex);
  auto& db = impl_->db;
  Transaction t(db);
  Statement find(db, "SELECT library, tag FROM versions WHERE id = ?1 AND state = 'processing'", version_row);
  if (!find.step()) throw std::runtime_error("no version being indexed with row " + std::to_string(version_row));
  int64_t library = find.integer(0);
  std::string tag = find.text(1);
  Statement older(db, "SELECT id FROM versions WHERE library = ?1 AND tag = ?2 AND id != ?3", library, tag,
                  version_row);
  std::vector<int64_t> rows;
  while (older.step()) rows.push_back(older.integer(0));
  find.reset();  // a statement left mid-read would keep the tables below from being dropped
  for (auto row : rows) impl_->delete_version_rows(row);
  Statement(db, "UPDATE versions SET state = 'finalized', benchmark_score = ?2, updated = ?3 WHERE id = ?1",
            version_row, benchmark_score, store::sqlite::to_millis(impl_->clock.now()))
      .run();
  impl_->bump_generation();
  t.commit();
}

void DocIndex::set_benchmark_score(int64_t version_row, double score) {
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->db, "UPDATE versions SET benchmark_score = ?2 WHERE id = ?1", version_row, score).run();
}

void DocIndex::fail_version(int64_t version_row, const std::string& error) {
  std::lock_guard lock(impl_->mutex);
  auto& db = impl_->db;
  Transaction t(db);
  Statement find(db, "SELECT library, tag FROM versions WHERE id = ?1", version_row);
  if (!find.step()) return;
  int64_t library = find.integer(0);
  std::string tag = find.text(1);
  Statement finalized(db, "SELECT COUNT(*) FROM versions WHERE library = ?1 AND tag = ?2 AND state = 'finalized'",
                      library, tag);
  finalized.step();
  bool has_old = finalized.integer(0) > 0;
  find.reset();  // statements left mid-read would keep the table from being dropped
  finalized.reset();
  impl_->drop_fts(version_row);
  Statement(db, "DELETE FROM snippets WHERE version = ?1", version_row).run();
  Statement(db, "DELETE FROM terms WHERE version = ?1", version_row).run();
  if (has_old) {
    // The old documentation keeps serving; the failure is told to whoever ran the indexer.
    Statement(db, "DELETE FROM versions WHERE id = ?1", version_row).run();
  } else {
    Statement(db,
              "UPDATE versions SET state = 'error', error = ?2, snippets = 0, tokens = 0, updated = ?3 WHERE id = ?1",
              version_row, error, store::sqlite::to_millis(impl_->clock.now()))
        .run();
  }
  t.commit();
}

namespace {

std::vector<LibraryRecord> read_libraries(Connection& db, const std::optional<std::string>& only) {
  std::vector<LibraryRecord> out;
  std::map<int64_t, size_t> by_row;
  Statement libs(
      db, only ? "SELECT id, library_id, title, description, trust_score, source_url, aliases, rules FROM libraries "
                 "WHERE library_id = ?1"
               : "SELECT id, library_id, title, description, trust_score, source_url, aliases, rules FROM libraries "
                 "ORDER BY library_id");
  if (only) libs.bind(1, *only);
  while (libs.step()) {
    LibraryRecord r;
    r.info.id = libs.text(1);
    r.info.title = libs.text(2);
    r.info.description = libs.text(3);
    r.info.trust_score = libs.real(4);
    r.info.source_url = libs.text(5);
    r.info.aliases = from_json_list(libs.text(6));
    r.info.rules = from_json_list(libs.text(7));
    by_row[libs.integer(0)] = out.size();
    out.push_back(std::move(r));
  }
  Statement versions(
      db,
      "SELECT library, id, tag, state, snippets, tokens, benchmark_score, updated, error, source_folder, source_url, "
      "snippet_format "
      "FROM versions ORDER BY id DESC");
  while (versions.step()) {
    auto it = by_row.find(versions.integer(0));
    if (it == by_row.end()) continue;
    VersionInfo v;
    v.row = versions.integer(1);
    v.tag = versions.text(2);
    v.state = versions.text(3);
    v.snippets = versions.integer(4);
    v.tokens = versions.integer(5);
    v.benchmark_score = versions.real(6);
    v.updated = store::sqlite::from_millis(versions.integer(7));
    v.error = versions.text(8);
    v.source_folder = versions.text(9);
    v.source_url = versions.text(10);
    v.snippet_format = versions.integer(11);
    out[it->second].versions.push_back(std::move(v));
  }
  return out;
}

StoredSnippet read_snippet(Statement& s) {
  StoredSnippet out;
  out.row = s.integer(0);
  auto& sn = out.snippet;
  sn.kind = s.text(1) == "code" ? Snippet::Kind::code : Snippet::Kind::info;
  sn.title = s.text(2);
  sn.breadcrumb = from_json_list(s.text(3));
  sn.description = s.text(4);
  sn.content = s.text(5);
  sn.code = code_from_json(s.text(6));
  sn.source_path = s.text(7);
  sn.anchor = s.text(8);
  return out;
}

constexpr const char* kSnippetColumns =
    "SELECT id, kind, title, breadcrumb, description, content, code, source_path, anchor FROM snippets ";

}  // namespace

std::vector<LibraryRecord> DocIndex::libraries() const {
  auto reader = impl_->reader();
  return read_libraries(*reader, std::nullopt);
}

std::optional<LibraryRecord> DocIndex::library(const std::string& id) const {
  auto reader = impl_->reader();
  auto found = read_libraries(*reader, id);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

bool DocIndex::remove(const std::string& id, const std::optional<std::string>& tag) {
  std::lock_guard lock(impl_->mutex);
  auto& db = impl_->db;
  Transaction t(db);
  Statement find(db, "SELECT id FROM libraries WHERE library_id = ?1", id);
  if (!find.step()) return false;
  int64_t library = find.integer(0);
  Statement rows(db, tag ? "SELECT id FROM versions WHERE library = ?1 AND tag = ?2"
                         : "SELECT id FROM versions WHERE library = ?1");
  rows.bind(1, library);
  if (tag) rows.bind(2, *tag);
  std::vector<int64_t> version_rows;
  while (rows.step()) version_rows.push_back(rows.integer(0));
  if (tag && version_rows.empty()) return false;
  find.reset();  // a statement left mid-read would keep the tables below from being dropped
  for (auto row : version_rows) impl_->delete_version_rows(row);
  if (!tag) Statement(db, "DELETE FROM libraries WHERE id = ?1", library).run();
  impl_->bump_generation();
  t.commit();
  return true;
}

std::vector<std::pair<int64_t, double>> DocIndex::match(int64_t version_row, const std::string& expression,
                                                        int limit) const {
  auto reader = impl_->reader();
  std::vector<std::pair<int64_t, double>> out;
  auto table = index_schema::fts_table(version_row);
  {
    // A version without snippets has no table of its own.
    Statement exists(*reader, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", table);
    if (!exists.step()) return out;
  }
  Statement s(*reader,
              "SELECT rowid, bm25(" + table + ", " + index_schema::kFtsWeights + ") AS score FROM " + table +
                  " WHERE " + table + " MATCH ?1 ORDER BY score LIMIT ?2",
              expression, limit);
  while (s.step()) out.emplace_back(s.integer(0), s.real(1));
  return out;
}

std::vector<StoredSnippet> DocIndex::snippets(const std::vector<int64_t>& rows) const {
  auto reader = impl_->reader();
  json::array ids;
  for (auto row : rows) ids.emplace_back(row);
  std::unordered_map<int64_t, StoredSnippet> found;
  Statement s(*reader, std::string(kSnippetColumns) + "WHERE id IN (SELECT value FROM json_each(?1))",
              json::serialize(ids));
  while (s.step()) {
    auto snippet = read_snippet(s);
    found.emplace(snippet.row, std::move(snippet));
  }
  std::vector<StoredSnippet> out;
  out.reserve(rows.size());
  for (auto row : rows)
    if (auto it = found.find(row); it != found.end()) out.push_back(std::move(it->second));
  return out;
}

std::vector<StoredSnippet> DocIndex::all_snippets(int64_t version_row) const {
  auto reader = impl_->reader();
  std::vector<StoredSnippet> out;
  Statement s(*reader, std::string(kSnippetColumns) + "WHERE version = ?1 ORDER BY ordinal", version_row);
  while (s.step()) out.push_back(read_snippet(s));
  return out;
}

std::vector<std::pair<std::string, int64_t>> DocIndex::vocabulary(int64_t version_row) const {
  auto reader = impl_->reader();
  std::vector<std::pair<std::string, int64_t>> out;
  if (version_row) {
    Statement s(*reader, "SELECT term, df FROM terms WHERE version = ?1", version_row);
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
  }
  Statement s(*reader,
              "SELECT t.term, SUM(t.df) FROM terms t JOIN versions v ON v.id = t.version WHERE v.state = 'finalized' "
              "GROUP BY t.term");
  while (s.step()) out.emplace_back(s.text(0), s.integer(1));
  return out;
}

int64_t DocIndex::generation() const {
  auto reader = impl_->reader();
  Statement s(*reader, "SELECT value FROM meta WHERE key = 'generation'");
  s.step();
  return s.integer(0);
}

void DocIndex::restrict_library(int64_t teamspace_id, const std::string& library_id, const std::string& group) {
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->db, "INSERT OR IGNORE INTO library_access(teamspace_id, library_id, group_id) VALUES (?1, ?2, ?3)",
            teamspace_id, library_id, group)
      .run();
}

bool DocIndex::unrestrict_library(int64_t teamspace_id, const std::string& library_id, const std::string& group) {
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->db, "DELETE FROM library_access WHERE teamspace_id = ?1 AND library_id = ?2 AND group_id = ?3",
            teamspace_id, library_id, group)
      .run();
  return impl_->db.changes() > 0;
}

bool DocIndex::restricted_to(int64_t teamspace_id, const std::string& library_id, const std::string& group) const {
  for (const auto& [library, groups] : restrictions(teamspace_id))
    if (library == library_id) return std::find(groups.begin(), groups.end(), group) != groups.end();
  return false;
}

std::vector<std::pair<std::string, std::vector<std::string>>> DocIndex::restrictions(int64_t teamspace_id) const {
  auto reader = impl_->reader();
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  Statement s(*reader,
              "SELECT library_id, group_id FROM library_access WHERE teamspace_id = ?1 ORDER BY library_id, group_id",
              teamspace_id);
  while (s.step()) {
    std::string library = s.text(0);
    if (out.empty() || out.back().first != library) out.push_back({library, {}});
    out.back().second.push_back(s.text(1));
  }
  return out;
}

}  // namespace mcpgate::docs
