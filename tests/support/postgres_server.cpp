#include "support/postgres_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <libpq-fe.h>

#include "support/temp_dir.hpp"

namespace mcpgate::testing {
namespace {

constexpr const char* kSuperuser = "mcpgate";

std::filesystem::path postgres_bin() {
  for (const char* candidate :
       {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"})
    if (std::filesystem::exists(std::filesystem::path(candidate) / "postgres")) return candidate;
  throw std::runtime_error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/15/bin/postgres); run scripts/bootstrap.sh");
}

std::string random_password() {
  std::random_device random;
  std::string text;
  for (int i = 0; i < 4; ++i) text += std::to_string(random());
  return "pw-" + text;
}

// The pids of processes whose parent is `pid`, from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == pid) children.push_back(pid_t(std::stol(entry.path().filename().string())));
  }
  return children;
}

int run_and_wait(const std::vector<std::string>& command, const std::filesystem::path& log) {
  ChildProcess process(command.front(), {command.begin() + 1, command.end()}, log);
  auto status = process.wait_exit(std::chrono::seconds(60));
  if (!status) throw std::runtime_error(command.front() + " did not finish: " + process.output());
  return *status;
}

}  // namespace

// Through setpriv: as root, to run as the postgres user; always, so that a test process that dies
// without its destructors (an abort, a crash) still stops its server (a fast shutdown). The signal
// follows the death of the thread that started the server: tests start it on their main thread.
std::vector<std::string> PostgresServer::as_postgres(const std::string& program, std::vector<std::string> args) const {
  std::vector<std::string> command{"/usr/bin/setpriv", "--pdeathsig=INT"};
  if (::geteuid() == 0)
    for (const char* option : {"--reuid=postgres", "--regid=postgres", "--clear-groups"}) command.emplace_back(option);
  command.emplace_back("--");
  command.push_back((bin_ / program).string());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

PostgresServer::PostgresServer(const std::filesystem::path& dir)
    : logs_(dir), dir_(dir / "postgres"), bin_(postgres_bin()), port_(free_port()), password_(random_password()) {
  std::filesystem::create_directories(dir_);
  if (::geteuid() == 0) {
    auto* user = ::getpwnam("postgres");
    if (!user) throw std::runtime_error("no `postgres` user to run PostgreSQL as; run scripts/bootstrap.sh");
    // The test's folder is private to root; the server's own folder inside it goes to postgres.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                          std::filesystem::perms::others_exec);
    if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0)
      throw std::runtime_error("cannot give " + dir_.string() + " to the postgres user");
  }
  auto password_file = dir_ / "password";
  std::ofstream(password_file) << password_ << "\n";
  if (::geteuid() == 0) {
    auto* user = ::getpwnam("postgres");
    if (::chown(password_file.c_str(), user->pw_uid, user->pw_gid) != 0)
      throw std::runtime_error("cannot give the password file to the postgres user");
  }
  auto initdb =
      as_postgres("initdb", {"-D", (dir_ / "data").string(), "-U", kSuperuser, "--auth=scram-sha-256",
                             "--pwfile=" + password_file.string(), "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"});
  if (run_and_wait(initdb, logs_ / "initdb.log") != 0) {
    std::ifstream log(logs_ / "initdb.log");
    throw std::runtime_error("initdb failed: " + std::string(std::istreambuf_iterator<char>(log), {}));
  }
  std::filesystem::remove(password_file);
  start();
}

PostgresServer::~PostgresServer() {
  if (!process_) return;
  // SIGINT is the fast shutdown: SIGTERM would wait for every client to leave.
  if (process_->running()) {
    ::kill(process_->pid(), SIGINT);
    process_->wait_exit(std::chrono::seconds(10));
  }
}

void PostgresServer::start() {
  auto command =
      as_postgres("postgres", {"-D", (dir_ / "data").string(), "-p", std::to_string(port_), "-k", dir_.string(), "-c",
                               "listen_addresses=127.0.0.1", "-c", "shared_buffers=16MB", "-c", "max_connections=60",
                               "-c", "log_min_messages=warning", "-c", "fsync=on"});
  auto log = logs_ / ("postgres-" + std::to_string(port_) + ".log");
  for (int attempt = 0;; ++attempt) {
    process_ = std::make_unique<ChildProcess>(command.front(),
                                              std::vector<std::string>(command.begin() + 1, command.end()), log);
    if (eventually([&] { return ready() || !process_->running(); }, std::chrono::seconds(30)) && ready()) return;
    // Right after a kill, the old server's shared memory may still be held for a moment.
    if (attempt == 20)
      throw std::runtime_error("PostgreSQL did not start on port " + std::to_string(port_) + ": " + process_->output());
    process_->wait_exit(std::chrono::seconds(1));
  }
}

bool PostgresServer::ready() const {
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres connect_timeout=2";
  return PQping(conninfo.c_str()) == PQPING_OK;
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

store::pg::Settings PostgresServer::settings(const std::string& database) const {
  store::pg::Settings settings;
  settings.url = url(database);
  settings.password = password_;
  return settings;
}

store::sql::Rows PostgresServer::admin_query(const std::string& database, const std::string& statement) const {
  store::pg::Connection connection(settings(database));
  return connection.query(statement, {});
}

std::string PostgresServer::create_database() {
  std::string name = "test_" + std::to_string(++databases_);
  store::pg::Connection connection(settings("postgres"));
  connection.run_script("CREATE DATABASE " + name);
  return name;
}

void PostgresServer::terminate_sessions(const std::string& database) const {
  admin_query("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database +
                              "' AND pid <> pg_backend_pid()");
}

void PostgresServer::kill() {
  pid_t postmaster = process_->pid();
  auto children = children_of(postmaster);
  ::kill(postmaster, SIGKILL);
  for (pid_t child : children) ::kill(child, SIGKILL);
  process_->wait_exit(std::chrono::seconds(10));
  // The children are no longer ours to wait for: wait until /proc says they are gone.
  eventually([&] {
    for (pid_t child : children)
      if (::kill(child, 0) == 0) return false;
    return true;
  });
}

void PostgresServer::restart() { start(); }

PostgresServer& shared_postgres() {
  static TempDir dir;
  static PostgresServer server(dir.path());
  return server;
}

}  // namespace mcpgate::testing
