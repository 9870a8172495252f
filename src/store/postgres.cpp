#include "store/postgres.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

namespace mcpgate::store::pg {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat, stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// libpq's messages end in a newline.
std::string without_trailing_space(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

struct ConninfoOptions {
  PQconninfoOption* options = nullptr;
  std::string error;
  explicit ConninfoOptions(std::string_view url) {
    char* message = nullptr;
    options = PQconninfoParse(std::string(url).c_str(), &message);
    if (message) {
      error = without_trailing_space(message);
      PQfreemem(message);
    }
  }
  ~ConninfoOptions() { PQconninfoFree(options); }
  ConninfoOptions(const ConninfoOptions&) = delete;
  ConninfoOptions& operator=(const ConninfoOptions&) = delete;
  std::optional<std::string> value(std::string_view keyword) const {
    for (auto* option = options; option && option->keyword; ++option)
      if (keyword == option->keyword && option->val && *option->val) return std::string(option->val);
    return std::nullopt;
  }
};

bool is_uri(std::string_view url) { return url.starts_with("postgres://") || url.starts_with("postgresql://"); }

// A password in the URL, found by its place rather than by libpq: libpq's complaint about a URL
// it cannot read quotes the part it choked on, which may be the password itself.
bool names_a_password(std::string_view url) {
  auto rest = url.substr(url.find("://") + 3);
  auto userinfo = rest.substr(0, rest.find_first_of("/?"));
  auto at = userinfo.rfind('@');
  if (at != std::string_view::npos && userinfo.substr(0, at).find(':') != std::string_view::npos) return true;
  return url.find("password=") != std::string_view::npos;
}

std::string context_of(std::string_view statement) {
  constexpr size_t kContextChars = 80;
  std::string context(statement.substr(0, kContextChars));
  std::replace(context.begin(), context.end(), '\n', ' ');
  return " (in: " + context + (statement.size() > kContextChars ? "…)" : ")");
}

// The connection must be dropped rather than reused: it is gone, or it now speaks to a server
// that cannot take writes (a standby after a failover), or that server is shutting down.
bool ends_the_connection(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate == "25006";
}

// NOTICEs ("relation already exists, skipping") are for a debugging operator, not stderr.
void log_notice(void* /*unused*/, const char* message) {
  spdlog::debug("PostgreSQL: {}", without_trailing_space(message));
}

}  // namespace

std::optional<std::string> url_problem(std::string_view url) {
  if (!is_uri(url))
    return "must be a postgres:// URL, e.g. postgres://mcpgate@db.internal:5432/mcpgate?sslmode=verify-full";
  constexpr std::string_view kPasswordInUrl =
      "has a password in it; remove it and set `password: ${env:NAME}` (or ${file:/path}) beside the URL";
  if (names_a_password(url)) return std::string(kPasswordInUrl);
  ConninfoOptions options(url);
  if (!options.options) return "is not a URL PostgreSQL can read: " + options.error;
  if (options.value("password")) return std::string(kPasswordInUrl);
  return std::nullopt;
}

std::string redacted(std::string_view url) {
  ConninfoOptions options(url);
  if (!options.options) return "postgres://(an unreadable URL)";
  std::string text = "postgres://";
  if (auto user = options.value("user")) text += *user + "@";
  text += options.value("host").value_or("localhost");
  if (auto port = options.value("port")) text += ":" + *port;
  text += "/" + options.value("dbname").value_or("");
  return text;
}

std::string numbered_parameters(std::string_view statement) {
  std::string out;
  out.reserve(statement.size());
  char quote = 0;
  for (size_t i = 0; i < statement.size(); ++i) {
    char c = statement[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote reopens on the next character: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '-' && i + 1 < statement.size() && statement[i + 1] == '-') {
      size_t end = statement.find('\n', i);
      end = end == std::string_view::npos ? statement.size() : end;
      out.append(statement.substr(i, end - i));
      i = end - 1;
      continue;
    } else if (c == '?' && i + 1 < statement.size() && statement[i + 1] >= '0' && statement[i + 1] <= '9') {
      c = '$';
    }
    out += c;
  }
  return out;
}

sql::Error::Kind kind_of(std::string_view sqlstate, bool connection_lost) {
  using Kind = sql::Error::Kind;
  if (connection_lost || ends_the_connection(sqlstate)) return Kind::retryable;
  if (sqlstate == "40001" || sqlstate == "40P01") return Kind::retryable;  // serialization failure, deadlock
  if (sqlstate == "53300") return Kind::retryable;                         // too many connections
  if (sqlstate.starts_with("23")) return Kind::constraint;
  return Kind::other;
}

std::string public_cause_of(std::string_view sqlstate, bool connection_lost) {
  if (connection_lost || sqlstate.starts_with("08") || sqlstate.starts_with("57P"))
    return "the connection to the database was lost and nothing was written; retry";
  if (sqlstate == "40001" || sqlstate == "40P01")
    return "the database was busy with conflicting changes and nothing was written; retry";
  if (sqlstate == "25006") return "the database is read-only (a standby, or failing over); nothing was written; retry";
  if (sqlstate == "53300") return "the database has no connection to spare; retry shortly";
  if (sqlstate == "53100") return "the database's disk is full; nothing was written; free space and retry";
  if (sqlstate.starts_with("23")) return "it conflicts with data written at the same time; retry";
  if (sqlstate.starts_with("42"))
    return "the database's schema is not what this version of mcpgate expects; see the server log";
  return "the database failed; see the server log";
}

Connection::Connection(const Settings& settings) {
  auto seconds = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(settings.connect_timeout + std::chrono::milliseconds(999))
             .count());
  std::string timeout = std::to_string(seconds);
  std::vector<const char*> keywords{"dbname", "connect_timeout", "application_name", "client_encoding"};
  std::vector<const char*> values{settings.url.c_str(), timeout.c_str(), "mcpgate", "UTF8"};
  if (settings.password) {
    keywords.push_back("password");
    values.push_back(settings.password->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname: the URL in dbname is read as a whole connection string; later keywords win.
  conn_ = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = without_trailing_space(conn_ ? PQerrorMessage(conn_) : "out of memory");
    PQfinish(conn_);
    conn_ = nullptr;
    bool refused_login = message.find("password authentication failed") != std::string::npos ||
                         message.find("no password supplied") != std::string::npos ||
                         message.find("does not exist") != std::string::npos;
    throw sql::Error(refused_login ? sql::Error::Kind::other : sql::Error::Kind::retryable,
                     "cannot connect to PostgreSQL at " + redacted(settings.url) + ": " + message,
                     refused_login ? "the database refused the server's sign-in; see the server log"
                                   : "cannot reach the database; nothing was written; see the server log");
  }
  PQsetNoticeProcessor(conn_, log_notice, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }
bool Connection::idle() const { return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }
int Connection::backend_pid() const { return PQbackendPID(conn_); }
int Connection::server_version() const { return PQserverVersion(conn_); }

void Connection::fail(const PGresult* result, std::string_view context) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  // The primary message only: the detail of a UNIQUE violation quotes the values.
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = without_trailing_space(primary ? primary : PQerrorMessage(conn_));
  bool lost = PQstatus(conn_) != CONNECTION_OK;
  must_reconnect_ = must_reconnect_ || ends_the_connection(sqlstate);
  std::string log = "PostgreSQL" + (sqlstate.empty() ? std::string() : " " + sqlstate) + ": " + message;
  throw sql::Error(kind_of(sqlstate, lost), log + context_of(context), public_cause_of(sqlstate, lost));
}

sql::Rows Connection::query(std::string_view statement, std::span<const sql::Value> parameters) {
  auto found = prepared_.find(statement);
  if (found == prepared_.end()) {
    std::vector<Oid> types;
    types.reserve(parameters.size());
    for (const auto& parameter : parameters)
      types.push_back(std::holds_alternative<int64_t>(parameter)       ? kInt8Oid
                      : std::holds_alternative<std::string>(parameter) ? kTextOid
                                                                       : Oid(0));  // NULL: the column's type
    std::string name = "mcpgate_" + std::to_string(prepared_.size() + 1);
    ResultPtr prepared(
        PQprepare(conn_, name.c_str(), numbered_parameters(statement).c_str(), int(types.size()), types.data()),
        &PQclear);
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) fail(prepared.get(), statement);
    found = prepared_.emplace(std::string(statement), std::move(name)).first;
  }

  std::vector<std::string> numbers;
  numbers.reserve(parameters.size());
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& parameter : parameters) {
    if (const auto* number = std::get_if<int64_t>(&parameter)) {
      numbers.push_back(std::to_string(*number));
      values.push_back(numbers.back().c_str());
    } else if (const auto* text = std::get_if<std::string>(&parameter)) {
      values.push_back(text->c_str());
    } else {
      values.push_back(nullptr);
    }
  }
  ResultPtr result(PQexecPrepared(conn_, found->second.c_str(), int(values.size()), values.data(), nullptr, nullptr, 0),
                   &PQclear);
  auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(result.get(), statement);

  sql::Rows rows;
  int row_count = PQntuples(result.get());
  int column_count = PQnfields(result.get());
  rows.reserve(size_t(row_count));
  for (int r = 0; r < row_count; ++r) {
    std::vector<sql::Value> columns;
    columns.reserve(size_t(column_count));
    for (int c = 0; c < column_count; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        columns.emplace_back();
        continue;
      }
      const char* text = PQgetvalue(result.get(), r, c);
      size_t length = size_t(PQgetlength(result.get(), r, c));
      Oid type = PQftype(result.get(), c);
      if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
        int64_t number = 0;
        std::from_chars(text, text + length, number);
        columns.emplace_back(number);
      } else if (type == kBoolOid) {
        columns.emplace_back(int64_t(text[0] == 't'));
      } else {
        columns.emplace_back(std::string(text, length));
      }
    }
    rows.emplace_back(std::move(columns));
  }
  last_changes_ = 0;
  if (const char* tuples = PQcmdTuples(result.get()); tuples && *tuples)
    std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), last_changes_);
  return rows;
}

int64_t Connection::execute(std::string_view statement, std::span<const sql::Value> parameters) {
  query(statement, parameters);
  return last_changes_;
}

void Connection::run_script(std::string_view script) {
  ResultPtr result(PQexec(conn_, std::string(script).c_str()), &PQclear);
  auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    fail(result.get(), script);
}

void Connection::listen(std::string_view channel) {
  bool plain = !channel.empty() && std::all_of(channel.begin(), channel.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!plain) throw std::invalid_argument("not a channel name: " + std::string(channel));
  run_script("LISTEN " + std::string(channel));
}

bool Connection::wait_for_notification(std::chrono::milliseconds timeout) {
  auto drain = [&] {
    bool any = false;
    while (PGnotify* notification = PQnotifies(conn_)) {
      PQfreemem(notification);
      any = true;
    }
    return any;
  };
  auto consume = [&] {
    if (PQconsumeInput(conn_) == 0) fail(nullptr, "waiting for notifications");
  };
  consume();
  if (drain()) return true;
  pollfd descriptor{PQsocket(conn_), POLLIN, 0};
  int ready = ::poll(&descriptor, 1, int(timeout.count()));
  if (ready <= 0) return false;  // timed out (or interrupted: the caller waits again)
  consume();
  return drain();
}

Pool::Pool(Settings settings) : settings_(std::move(settings)) {}
Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (!connection_) return;
  // A unit that ended by an exception may leave its transaction open; close it before anyone
  // else gets the connection, or drop the connection if even that fails.
  if (!connection_->broken() && !connection_->idle()) {
    try {
      connection_->run_script("ROLLBACK");
    } catch (const sql::Error&) {
    }
  }
  pool_->give_back(std::move(connection_));
}

Pool::Lease Pool::acquire() {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + settings_.acquire_timeout;
  for (;;) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
    if (open_ < settings_.pool_size) {
      ++open_;
      lock.unlock();
      try {
        return Lease(*this, std::make_unique<Connection>(settings_));
      } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= settings_.pool_size)
      throw sql::Error(sql::Error::Kind::other,
                       "all " + std::to_string(settings_.pool_size) + " PostgreSQL connections stayed in use for " +
                           std::to_string(settings_.acquire_timeout.count()) +
                           " ms; raise store.pool or look for slow statements",
                       "the database's connections are all busy; nothing was written; retry shortly");
  }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->idle() && !connection->must_reconnect())
    idle_.push_back(std::move(connection));
  else
    --open_;  // dropped: its place is free for a new one
  freed_.notify_one();
}

int Pool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace mcpgate::store::pg
