#pragma once
#include <filesystem>
#include <memory>

#include "common/clock.hpp"
#include "server/server_config.hpp"
#include "store/store.hpp"

namespace mcpgate::server {

// The store a server with this configuration uses: PostgreSQL when `store:` names one, else
// SQLite in data_dir (created if missing, owner-only). A server on PostgreSQL leaves a note in its
// data directory (`store-location`: the database's URL without secrets), so that a tool pointed
// at the directory says where the store really is instead of opening an empty SQLite file.
std::unique_ptr<store::Store> open_server_store(const ServerConfig& config, const Clock& clock);

// For tools given only a data directory (mcpgate admin --data-dir, mcpgate doctor --data-dir):
// the SQLite store there. Throws std::runtime_error saying what to give instead when the server
// keeps its store in PostgreSQL, or, with `must_exist`, when there is no store yet.
std::unique_ptr<store::Store> open_data_dir_store(const std::filesystem::path& data_dir, const Clock& clock,
                                                  bool must_exist = false);

std::filesystem::path store_location_file(const std::filesystem::path& data_dir);

}  // namespace mcpgate::server
