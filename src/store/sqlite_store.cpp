#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "common/files.hpp"
#include "common/strings.hpp"
#include "store/sql_store.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_schema.hpp"
#include "store/validation.hpp"

namespace mcpgate::store {
namespace {

constexpr std::string_view kPragmaBusyTimeout = "PRAGMA busy_timeout = 5000";
constexpr std::string_view kPragmaJournalModeWal = "PRAGMA journal_mode = WAL";
// FULL: in WAL mode, NORMAL may lose the last commits on power loss; FULL syncs the WAL on commit.
constexpr std::string_view kPragmaDurability = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON";

// Creates the data directory (owner-only) and the file (owner read-write) before SQLite does,
// so the database, its WAL and shared-memory files (which copy the file's mode) stay private.
const std::filesystem::path& prepare_file(const std::filesystem::path& file) {
  if (file.has_parent_path() && !std::filesystem::exists(file.parent_path()))
    ensure_private_directory(file.parent_path());
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open the store " + file.string() + ": " + std::strerror(errno));
  ::close(fd);
  return file;
}

// The one connection. Statements are prepared once each and kept, by their text: the store's
// statements are few, and a CSV import runs the same ones for thousands of rows.
class SqliteSession final : public sql::Session {
 public:
  explicit SqliteSession(const std::filesystem::path& file) : db_(prepare_file(file)) {}

  sqlite::Connection& connection() { return db_; }

  sql::Rows query(std::string_view statement, std::span<const sql::Value> parameters) override {
    auto& prepared = bound(statement, parameters);
    sql::Rows rows;
    while (prepared.step()) rows.push_back(read_row(prepared));
    prepared.reset();
    return rows;
  }

  int64_t execute(std::string_view statement, std::span<const sql::Value> parameters) override {
    auto& prepared = bound(statement, parameters);
    prepared.run();
    prepared.reset();
    return db_.changes();
  }

  // BEGIN IMMEDIATE at the outside (sqlite::Transaction), savepoints inside it.
  void begin() override { open_.push_back(std::make_unique<sqlite::Transaction>(db_)); }
  void commit() override {
    open_.back()->commit();
    open_.pop_back();
  }
  void rollback() override {
    auto innermost = std::move(open_.back());
    open_.pop_back();
    innermost->rollback();
  }

 private:
  sqlite::Statement& bound(std::string_view statement, std::span<const sql::Value> parameters) {
    auto found = prepared_.find(statement);
    if (found == prepared_.end())
      found = prepared_.emplace(std::string(statement), std::make_unique<sqlite::Statement>(db_, statement)).first;
    auto& slot = found->second;
    // A statement whose last run failed half-way is reset here, before it runs again.
    slot->reset();
    int index = 0;
    for (const auto& parameter : parameters) {
      ++index;
      if (const auto* number = std::get_if<int64_t>(&parameter))
        slot->bind(index, *number);
      else if (const auto* text = std::get_if<std::string>(&parameter))
        slot->bind(index, *text);
      else
        slot->bind(index, std::nullopt);
    }
    return *slot;
  }

  static sql::Row read_row(const sqlite::Statement& statement) {
    std::vector<sql::Value> columns;
    int count = statement.columns();
    columns.reserve(size_t(count));
    for (int c = 0; c < count; ++c) {
      if (statement.is_null(c))
        columns.emplace_back();
      else if (statement.is_integer(c))
        columns.emplace_back(statement.integer(c));
      else
        columns.emplace_back(statement.text(c));
    }
    return sql::Row(std::move(columns));
  }

  sqlite::Connection db_;
  // Destroyed before the connection they belong to (members go in reverse order).
  sql::ByStatementText<std::unique_ptr<sqlite::Statement>> prepared_;
  std::vector<std::unique_ptr<sqlite::Transaction>> open_;
};

// One connection behind a mutex: SQLite has one writer at a time anyway, and the statements run
// in microseconds. Units are not transactions of their own (a call that writes more than once
// opens one), so nothing is ever retried.
class SqliteDatabase final : public sql::Database {
 public:
  explicit SqliteDatabase(const std::filesystem::path& file, const Clock& clock) : session_(file) {
    auto& db = session_.connection();
    db.execute(kPragmaBusyTimeout);
    std::string mode = pragma_value(kPragmaJournalModeWal);
    if (mode != "wal")
      throw std::runtime_error(file.string() + ": cannot switch to the WAL journal (got " + in_quotes(mode) +
                               "); is the file on a network file system?");
    db.execute(kPragmaDurability);
    sqlite::migrate(db, clock.now());
  }

  void run(const std::function<bool(sql::Session&)>& unit, sql::Access /*access*/) override {
    std::lock_guard lock(mutex_);
    unit(session_);
  }

  std::string pragma(std::string_view name) {
    bool plain = !name.empty() &&
                 std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!plain) throw std::invalid_argument("not a pragma name: " + in_quotes(name));
    std::lock_guard lock(mutex_);
    return pragma_value("PRAGMA " + std::string(name));
  }

 private:
  std::string pragma_value(std::string_view statement) {
    sqlite::Statement select(session_.connection(), statement);
    return select.step() ? select.text(0) : std::string();
  }

  std::mutex mutex_;
  SqliteSession session_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file, const Clock& clock) {
  return make_sql_store(std::make_unique<SqliteDatabase>(file, clock), clock);
}

std::string sqlite_pragma(Store& store, std::string_view name) {
  auto* database = dynamic_cast<SqliteDatabase*>(database_of(store));
  if (!database) throw std::invalid_argument("sqlite_pragma: not a SQLite store");
  return database->pragma(name);
}

}  // namespace mcpgate::store
