#pragma once
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "store/postgres.hpp"

// The PostgreSQL schema: the same tables, columns and rules as sqlite_schema, in PostgreSQL's
// dialect. Migrations only ever append.
namespace mcpgate::store::pg {

std::span<const std::string_view> migrations();

// Brings the database to the latest version and returns how many migrations it applied. Many
// servers may start at once: each takes the same advisory lock first, so one applies them and
// the others find the work done. Throws sql::Error, or std::runtime_error for a database newer
// than this program.
int migrate(Connection& db, SysTime now);

// The version the database is at (0: none yet).
int schema_version(Connection& db);

}  // namespace mcpgate::store::pg
