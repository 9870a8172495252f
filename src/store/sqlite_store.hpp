#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "store/store.hpp"

namespace mcpgate::store {

// The default back-end: one SQLite file (its directory is created, owner-only, if missing; the
// file is created readable by its owner only). WAL journal, synchronous=FULL (a change is on disk
// when the call returns, so neither a killed process nor a power cut loses it), foreign keys on,
// a 5 s busy timeout, and the migrations in sqlite_schema applied before it returns.
// One connection behind a mutex: calls from many worker threads are serialised.
// Throws std::runtime_error naming the file when it cannot be opened or migrated.
// `clock` (creation and revocation times, trial checks) must outlive the store.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file, const Clock& clock);

// The value of `PRAGMA <name>` on the store's own connection (per-connection settings such as
// foreign_keys can be seen nowhere else): "wal", "1", "ok" for integrity_check, …
// For diagnostics and tests. Throws std::invalid_argument if `store` is not a SQLite store or the
// name is not a plain identifier.
std::string sqlite_pragma(Store& store, std::string_view name);

}  // namespace mcpgate::store
