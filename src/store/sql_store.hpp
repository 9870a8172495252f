#pragma once
#include <memory>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/store.hpp"

namespace mcpgate::store {

// The Store's rules, once, on any SQL back-end: every call is one unit of work on `database`
// (one transaction where the back-end runs units as transactions), and calls made inside
// audited() join the unit of the call around them. `clock` must outlive the store.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<sql::Database> database, const Clock& clock);

// The database under a store made by make_sql_store; nullptr for any other Store.
sql::Database* database_of(Store& store);

}  // namespace mcpgate::store
