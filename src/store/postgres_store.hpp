#pragma once
#include <memory>

#include "common/clock.hpp"
#include "store/postgres.hpp"
#include "store/store.hpp"

namespace mcpgate::store {

// The back-end for several servers: one PostgreSQL database (11 or newer; CI runs 15), reached
// through a pool of settings.pool_size connections. Each Store call that writes is one
// SERIALIZABLE transaction (reads run statement by statement, READ COMMITTED), committed (synchronous_commit as the
// server has it; on by default) before the call returns. Failures that leave nothing behind (a serialization conflict
// or deadlock, a connection lost or a server failing over before the commit) are retried a few times with back-off; a
// connection lost during the commit is reported as such, since the change may or may not have been saved. Migrations
// run before it returns, exactly once however many servers start at the same moment. Throws std::runtime_error naming
// the database (never its password) when it cannot connect or migrate. `clock` must outlive the store.
std::unique_ptr<Store> open_postgres_store(const pg::Settings& settings, const Clock& clock);

// The pool under a store made by open_postgres_store (nullptr for any other): for /metrics and tests.
pg::Pool* postgres_pool(Store& store);

}  // namespace mcpgate::store
