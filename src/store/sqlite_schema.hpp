#pragma once
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "store/sqlite.hpp"

namespace mcpgate::store::sqlite {

// The schema as an ordered list: migration i takes the database from version i to version i+1.
// Append only; a released migration is never edited.
std::span<const std::string_view> migrations();

// The highest version recorded in schema_version (0 for a new file).
int schema_version(Connection& db);

// Applies the missing migrations, each in its own transaction together with its schema_version
// row, so a crash leaves the database at some version, never between two. Safe against another
// process migrating at the same moment (the version is re-read under the write lock).
// Returns how many were applied. Throws Error, or std::runtime_error when the file was written
// by a newer program.
int migrate(Connection& db, SysTime now);

}  // namespace mcpgate::store::sqlite
