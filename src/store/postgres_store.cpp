#include "store/postgres_store.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/postgres_schema.hpp"
#include "store/sql_store.hpp"

namespace mcpgate::store {
namespace {

// Up to about 3 s of back-off in all: concurrent writers to the same small tables conflict often
// under SERIALIZABLE, and a retry after a short wait almost always goes through.
constexpr int kAttempts = 10;
constexpr auto kFirstBackoff = std::chrono::milliseconds(10);
constexpr auto kLongestBackoff = std::chrono::milliseconds(640);
// However many attempts remain, no new one starts after this long: a database that is away (a
// connect timeout each time) must not hold a request for minutes.
constexpr auto kRetryBudget = std::chrono::seconds(5);
constexpr int kOldestServer = 110000;  // identity columns and EXECUTE FUNCTION

// A leased connection. Inside a unit's transaction (writes) the unit's own begin()/commit() are
// savepoints; a read runs without one, so its begin() opens a real transaction.
class PostgresSession final : public sql::Session {
 public:
  PostgresSession(pg::Connection& connection, bool in_transaction)
      : connection_(connection), depth_(in_transaction ? 1 : 0), base_(depth_) {}

  sql::Rows query(std::string_view statement, std::span<const sql::Value> parameters) override {
    return connection_.query(statement, parameters);
  }
  int64_t execute(std::string_view statement, std::span<const sql::Value> parameters) override {
    return connection_.execute(statement, parameters);
  }
  void begin() override {
    connection_.run_script(depth_++ == 0 ? std::string("BEGIN") : "SAVEPOINT " + savepoint(depth_));
  }
  void commit() override {
    connection_.run_script(depth_ == 1 && base_ == 0 ? std::string("COMMIT")
                                                     : "RELEASE SAVEPOINT " + savepoint(depth_));
    --depth_;
  }
  void rollback() override {
    if (depth_ == 1 && base_ == 0) {
      --depth_;
      connection_.run_script("ROLLBACK");
      return;
    }
    auto name = savepoint(depth_--);
    connection_.run_script("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name);
  }

 private:
  static std::string savepoint(int depth) { return "unit_" + std::to_string(depth); }
  pg::Connection& connection_;
  int depth_;
  int base_;
};

class PostgresDatabase final : public sql::Database {
 public:
  PostgresDatabase(const pg::Settings& settings, const Clock& clock) : pool_(settings) {
    try {
      auto connection = pool_.acquire();
      if (connection->server_version() < kOldestServer)
        throw std::runtime_error("PostgreSQL " + std::to_string(connection->server_version() / 10000) + " at " +
                                 pg::redacted(settings.url) + " is too old; mcpgate needs 11 or newer");
      int applied = pg::migrate(*connection, clock.now());
      if (applied > 0)
        spdlog::info("store: PostgreSQL {} migrated to schema version {}", pg::redacted(settings.url),
                     pg::migrations().size());
    } catch (const sql::Error& e) {
      throw std::runtime_error(std::string("cannot open the PostgreSQL store: ") + e.what());
    }
  }

  pg::Pool& pool() { return pool_; }

  // Writes run SERIALIZABLE: the store's rules check, then write (an object ID held by nobody
  // else, a name not taken), and only serializable transactions make such checks hold against
  // other servers writing at the same moment. Reads run outside a transaction (READ COMMITTED,
  // statement by statement): each statement sees one consistent snapshot, reads never conflict
  // with writers, and a lookup costs one round trip per statement, no BEGIN or COMMIT.
  void run(const std::function<bool(sql::Session&)>& unit, sql::Access access) override {
    auto backoff = kFirstBackoff;
    const auto started = std::chrono::steady_clock::now();
    for (int attempt = 1;; ++attempt) {
      bool committing = false;
      try {
        auto connection = pool_.acquire();
        try {
          if (access == sql::Access::read) {
            // No transaction: one round trip a statement, each on a snapshot of its own.
            PostgresSession session(*connection, false);
            unit(session);
            return;
          }
          connection->run_script("BEGIN ISOLATION LEVEL SERIALIZABLE");
          PostgresSession session(*connection, true);
          bool keep = unit(session);
          committing = keep;
          connection->run_script(keep ? "COMMIT" : "ROLLBACK");
          return;
        } catch (const sql::Error& e) {
          if (committing && connection->broken())
            throw sql::Error(sql::Error::Kind::ambiguous, std::string("lost while committing: ") + e.what(),
                             "the connection to the database was lost while saving; the change may or may not "
                             "have been saved: look before repeating it");
          throw;
        }
      } catch (const sql::Error& e) {
        auto pause = jittered(backoff);
        bool out_of_time = std::chrono::steady_clock::now() - started + pause > kRetryBudget;
        if (e.kind() != sql::Error::Kind::retryable || attempt == kAttempts || out_of_time) throw;
        spdlog::warn("store: attempt {} of {} failed, retrying: {}", attempt, kAttempts, e.what());
        std::this_thread::sleep_for(pause);
        backoff = std::min(backoff * 2, kLongestBackoff);
      }
    }
  }

 private:
  // Half to all of `backoff`: servers that conflicted once do not retry in step.
  static std::chrono::milliseconds jittered(std::chrono::milliseconds backoff) {
    thread_local std::minstd_rand random(std::random_device{}());
    std::uniform_int_distribution<int64_t> spread(backoff.count() / 2, backoff.count());
    return std::chrono::milliseconds(spread(random));
  }

  pg::Pool pool_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const pg::Settings& settings, const Clock& clock) {
  if (auto problem = pg::url_problem(settings.url)) throw std::runtime_error("the PostgreSQL store URL " + *problem);
  return make_sql_store(std::make_unique<PostgresDatabase>(settings, clock), clock);
}

pg::Pool* postgres_pool(Store& store) {
  auto* database = dynamic_cast<PostgresDatabase*>(database_of(store));
  return database ? &database->pool() : nullptr;
}

}  // namespace mcpgate::store
