#pragma once
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "store/database.hpp"

struct sqlite3;
struct sqlite3_stmt;

// Thin RAII over the SQLite C API: a connection, a prepared statement, a transaction. Every
// failure throws sqlite::Error; the store turns those into StoreError{io} at its boundary.
// None of these are thread-safe on their own; the store serialises access to its connection.
namespace mcpgate::store::sqlite {

using sql::from_millis;
using sql::to_millis;

// what() names the file and the statement, for the log; public_cause() has neither.
class Error : public sql::Error {
 public:
  Error(int code, const std::string& message);
  int code() const { return code_; }  // the extended result code
  bool is_constraint() const;         // UNIQUE, FOREIGN KEY, CHECK, NOT NULL …

 private:
  int code_;
};

class Connection {
 public:
  // Opens the file read-write, creating it if missing; extended result codes on.
  explicit Connection(const std::filesystem::path& file);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }
  // Runs one or more statements without parameters, discarding any rows.
  void execute(std::string_view sql);
  int64_t changes() const;         // rows changed by the last INSERT, UPDATE or DELETE
  int64_t last_insert_id() const;  // rowid of the last INSERT
  // Throws Error for `code` with SQLite's message and `context` (the SQL, or what was done).
  [[noreturn]] void fail(int code, std::string_view context) const;

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Connection& db, std::string_view sql);
  // Prepares and binds the arguments to ?1, ?2, … in order.
  template <class... Args>
  Statement(Connection& db, std::string_view sql, const Args&... args) : Statement(db, sql) {
    int index = 0;
    (bind(++index, args), ...);
  }
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  template <std::integral I>
  void bind(int index, I value) {
    bind_integer(index, static_cast<int64_t>(value));
  }
  void bind(int index, double value);
  void bind(int index, std::string_view value);
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, std::nullopt_t);
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value)
      bind(index, *value);
    else
      bind(index, std::nullopt);
  }

  // Binds the arguments to ?1, ?2, … in order, after reset().
  template <class... Args>
  void rebind(const Args&... args) {
    reset();
    int index = 0;
    (bind(++index, args), ...);
  }
  // Ready to run again: stepping restarts, bindings are cleared, a read snapshot is released.
  void reset();

  bool step();  // true: a row is ready to read; false: the statement is done
  void run();   // steps to the end (statements without rows)

  int columns() const;  // of the current row
  bool is_null(int column) const;
  bool is_integer(int column) const;
  int64_t integer(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<int64_t> optional_integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;

 private:
  void bind_integer(int index, int64_t value);
  void check_bind(int code) const;

  Connection& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT (takes the write lock up front, so it never fails half-way with
// SQLITE_BUSY on upgrade), or, when given a name or when a transaction is open already, a
// SAVEPOINT nested in it.
// Destroyed without commit() — an early return or an exception — it rolls back.
class Transaction {
 public:
  explicit Transaction(Connection& db);
  Transaction(Connection& db, std::string savepoint);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  void rollback();

 private:
  Connection& db_;
  std::string savepoint_;
  bool open_ = true;
};

}  // namespace mcpgate::store::sqlite
