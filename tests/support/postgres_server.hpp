#pragma once
// A real PostgreSQL (Debian's postgresql-15) started by a test: initdb into a temporary folder,
// listening on a free loopback port with password sign-in, stopped when the test ends. As root,
// it runs as the `postgres` system user (PostgreSQL refuses to run as root).
#include <filesystem>
#include <memory>
#include <string>

#include "store/postgres.hpp"
#include "support/process.hpp"

namespace mcpgate::testing {

class PostgresServer {
 public:
  explicit PostgresServer(const std::filesystem::path& dir);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return password_; }
  // postgres://mcpgate@127.0.0.1:<port>/<database>: no password in it, as configuration has it.
  std::string url(const std::string& database) const;
  store::pg::Settings settings(const std::string& database) const;
  // A new, empty database with a name of its own.
  std::string create_database();
  // One statement as the superuser, on a connection of its own.
  store::sql::Rows admin_query(const std::string& database, const std::string& statement) const;
  // Ends every session connected to `database` from the server side, as a failover or an
  // administrator would.
  void terminate_sessions(const std::string& database) const;
  // SIGKILL to the postmaster and every process it started, at once: the server dies as a
  // machine does, with no shutdown checkpoint.
  void kill();
  // Starts it again on the same port, recovering from its write-ahead log, and waits until it answers.
  void restart();
  bool ready() const;

 private:
  void start();
  std::vector<std::string> as_postgres(const std::string& program, std::vector<std::string> args) const;
  std::filesystem::path logs_;
  std::filesystem::path dir_;
  std::filesystem::path bin_;
  int port_ = 0;
  std::string password_;
  int databases_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// One PostgreSQL per test process, started on first use and stopped at exit; each test takes a
// database of its own in it (create_database).
PostgresServer& shared_postgres();

}  // namespace mcpgate::testing
