#include "server/store_location.hpp"

#include <stdexcept>

#include "common/files.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

namespace mcpgate::server {

std::filesystem::path store_location_file(const std::filesystem::path& data_dir) { return data_dir / "store-location"; }

std::unique_ptr<store::Store> open_server_store(const ServerConfig& config, const Clock& clock) {
  if (!std::filesystem::exists(config.data_dir)) ensure_private_directory(config.data_dir);
  auto note = store_location_file(config.data_dir);
  if (!config.postgres) {
    // Back on SQLite: the note would send tools to a database this server no longer uses.
    std::error_code ignored;
    std::filesystem::remove(note, ignored);
    return store::open_sqlite_store(config.data_dir / "mcpgate.db", clock);
  }
  auto opened = store::open_postgres_store(*config.postgres, clock);
  write_file_atomically(note, store::pg::redacted(config.postgres->url) + "\n");
  return opened;
}

std::unique_ptr<store::Store> open_data_dir_store(const std::filesystem::path& data_dir, const Clock& clock,
                                                  bool must_exist) {
  if (auto location = read_file(store_location_file(data_dir))) {
    auto end = location->find_last_not_of(" \r\n");
    throw std::runtime_error("the server using " + data_dir.string() + " keeps its store in PostgreSQL (" +
                             location->substr(0, end == std::string::npos ? 0 : end + 1) +
                             "), not in this folder; give its configuration instead (--config server.yaml), or "
                             "--server with its URL");
  }
  auto file = data_dir / "mcpgate.db";
  if (must_exist && !std::filesystem::exists(file))
    throw std::runtime_error("no MCP server store at " + file.string() +
                             "; give the server's data directory (--data-dir) or its configuration (--server-config)");
  return store::open_sqlite_store(file, clock);
}

}  // namespace mcpgate::server
