#include "store/sqlite.hpp"

#include <sqlite3.h>

namespace mcpgate::store::sqlite {

namespace {

std::string public_cause_of(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
      return "the disk holding the server's data is full; nothing was written; free space and retry";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return "the server cannot write its data folder (read-only or not permitted); see the server log";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is busy with another writer; retry shortly";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the database file is damaged; see the server log and run `mcpgate doctor`";
    case SQLITE_IOERR:
      return "the disk failed a read or write; nothing was written; see the server log";
    case SQLITE_CONSTRAINT:
      return "it conflicts with data written at the same time; retry";
    default:
      return "the database failed; see the server log";
  }
}

}  // namespace

Error::Error(int code, const std::string& message)
    : sql::Error((code & 0xff) == SQLITE_CONSTRAINT ? Kind::constraint : Kind::other, message, public_cause_of(code)),
      code_(code) {}

bool Error::is_constraint() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

Connection::Connection(const std::filesystem::path& file) : file_(file) {
  int rc =
      sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw Error(rc, "cannot open " + file.string() + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Every Statement is finalized by its own destructor first, so this close succeeds; it also
  // checkpoints the WAL when this is the last connection.
  sqlite3_close(db_);
}

void Connection::execute(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, sql);
}

int64_t Connection::changes() const { return sqlite3_changes(db_); }
int64_t Connection::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

void Connection::fail(int code, std::string_view context) const {
  std::string message = file_.string() + ": " + sqlite3_errmsg(db_);
  if (!context.empty()) {
    constexpr size_t kContextChars = 80;
    message += " (in: " + std::string(context.substr(0, kContextChars));
    message += context.size() > kContextChars ? "…)" : ")";
  }
  throw Error(code, message);
}

Statement::Statement(Connection& db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), int(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) db_.fail(rc, sql);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::check_bind(int code) const {
  if (code != SQLITE_OK) db_.fail(code, sqlite3_sql(stmt_));
}

void Statement::bind_integer(int index, int64_t value) { check_bind(sqlite3_bind_int64(stmt_, index, value)); }
void Statement::bind(int index, double value) { check_bind(sqlite3_bind_double(stmt_, index, value)); }
void Statement::bind(int index, std::nullopt_t) { check_bind(sqlite3_bind_null(stmt_, index)); }
void Statement::bind(int index, std::string_view value) {
  check_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error, which step() has already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc, sqlite3_sql(stmt_));
}

void Statement::run() {
  while (step()) {
  }
}

int Statement::columns() const { return sqlite3_column_count(stmt_); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
bool Statement::is_integer(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_INTEGER; }
int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::optional<int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}
std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}
std::string Statement::text(int column) const {
  auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return data ? std::string(data, size_t(sqlite3_column_bytes(stmt_, column))) : std::string();
}

// Inside a transaction already (a change made within Store::audited), a savepoint instead: the
// outer transaction decides, and the inner one can still undo its own part.
Transaction::Transaction(Connection& db) : db_(db) {
  if (sqlite3_get_autocommit(db_.handle())) {
    db_.execute("BEGIN IMMEDIATE");
  } else {
    savepoint_ = "nested";
    db_.execute("SAVEPOINT \"nested\"");
  }
}

Transaction::Transaction(Connection& db, std::string savepoint) : db_(db), savepoint_(std::move(savepoint)) {
  db_.execute("SAVEPOINT \"" + savepoint_ + "\"");
}

Transaction::~Transaction() {
  if (!open_) return;
  // A destructor must not throw; should the rollback itself fail, SQLite has already rolled the
  // transaction back (that is when ROLLBACK fails) or will when the connection closes.
  try {
    rollback();
  } catch (const Error&) {
  }
}

void Transaction::commit() {
  db_.execute(savepoint_.empty() ? std::string("COMMIT") : "RELEASE \"" + savepoint_ + "\"");
  open_ = false;  // only now: a COMMIT that failed (SQLITE_BUSY, I/O) is rolled back on destruction
}

void Transaction::rollback() {
  open_ = false;
  if (savepoint_.empty()) {
    if (!sqlite3_get_autocommit(db_.handle())) db_.execute("ROLLBACK");
  } else {
    // ROLLBACK TO undoes the savepoint's changes but keeps it open; RELEASE then removes it.
    db_.execute("ROLLBACK TO \"" + savepoint_ + "\"; RELEASE \"" + savepoint_ + "\"");
  }
}

}  // namespace mcpgate::store::sqlite
