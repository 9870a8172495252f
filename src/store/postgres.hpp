#pragma once
// Thin, blocking RAII over libpq: a connection that runs the store's ?1-style statements as
// prepared statements, and a bounded pool of them. Every failure throws sql::Error, classified
// by SQLSTATE so the caller knows what is safe to retry.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/database.hpp"

struct pg_conn;
struct pg_result;

namespace mcpgate::store::pg {

struct Settings {
  // postgres://user@host:port/database?sslmode=verify-full&sslrootcert=… (libpq's URI form).
  std::string url;
  // Kept out of the URL (and so out of the configuration file): from ${env:…} or ${file:…}.
  std::optional<std::string> password;
  int pool_size = 8;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds acquire_timeout{10000};  // waiting for a free pooled connection
};

// Checks a URL before anything connects: a postgres:// or postgresql:// URI libpq can parse, with
// no password in it. Returns what is wrong, in a sentence; nullopt when it is fine.
std::optional<std::string> url_problem(std::string_view url);
// The URL as logs may show it: host, port and database, never a password.
std::string redacted(std::string_view url);

// ?1, ?2, … outside quotes and comments become $1, $2, …: the store's statements are written
// once for SQLite and PostgreSQL.
std::string numbered_parameters(std::string_view statement);

// What a failure with this SQLSTATE means for the caller (empty: no SQLSTATE, as when the
// connection broke), and the sentence a client may see.
sql::Error::Kind kind_of(std::string_view sqlstate, bool connection_lost);
std::string public_cause_of(std::string_view sqlstate, bool connection_lost);

class Connection {
 public:
  // Connects, or throws sql::Error (retryable: the server may be starting or failing over).
  explicit Connection(const Settings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement with ?N parameters, prepared on first use on this connection.
  sql::Rows query(std::string_view statement, std::span<const sql::Value> parameters);
  int64_t execute(std::string_view statement, std::span<const sql::Value> parameters);
  // One or more statements without parameters (the simple query protocol): migrations, BEGIN.
  void run_script(std::string_view script);

  // LISTEN on `channel` (a plain identifier); then wait_for_notification() returns true when a
  // NOTIFY on it has arrived (any number since the last call count as one), false after
  // `timeout` without one. Throws sql::Error when the connection breaks while waiting.
  void listen(std::string_view channel);
  bool wait_for_notification(std::chrono::milliseconds timeout);

  bool broken() const;  // the connection is gone: discard it
  bool idle() const;    // connected, and no transaction is open
  // A failure said this server cannot serve us any longer (shutting down, or a read-only
  // standby after a failover): reconnecting may reach the new primary.
  bool must_reconnect() const { return must_reconnect_; }
  int backend_pid() const;     // the server process serving it (pg_terminate_backend in tests)
  int server_version() const;  // 150004 for 15.4

 private:
  [[noreturn]] void fail(const pg_result* result, std::string_view context);
  pg_conn* conn_ = nullptr;
  int64_t last_changes_ = 0;
  bool must_reconnect_ = false;
  sql::ByStatementText<std::string> prepared_;  // statement text → its name here
};

// At most pool_size connections, made when first needed and reused; one that broke is dropped
// and its place freed.
class Pool {
 public:
  explicit Pool(Settings settings);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // A connection for this thread's exclusive use until the lease ends. Throws sql::Error when
  // none frees up within acquire_timeout or a new one cannot connect.
  Lease acquire();
  const Settings& settings() const { return settings_; }
  int open_connections() const;

 private:
  void give_back(std::unique_ptr<Connection> connection);

  Settings settings_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle and leased
};

}  // namespace mcpgate::store::pg
