#pragma once
// The documentation index of several servers. PostgreSQL holds the source of truth: a log of
// events (a finalized version published whole, a library or version removed, a group restriction
// set or lifted). Each server keeps its own local index (SQLite with FTS5, fast to search) and
// applies the log to it in order, so a version indexed once, anywhere, is served everywhere
// without anyone reading its sources again. A version is applied in one local transaction (the
// local index makes it visible whole or not at all). A server started later replays what it
// missed; a server that applied an event twice (it stopped before noting it) ends the same,
// because every event is idempotent.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "docs/doc_index.hpp"
#include "store/postgres.hpp"

namespace mcpgate::docs {

class SharedIndex {
 public:
  // `state_file`: where this server notes the last event it applied (in its data directory).
  // The database must be migrated (the PostgreSQL store does it when it opens).
  SharedIndex(DocIndex& local, store::pg::Settings settings, std::filesystem::path state_file);

  // Writers: publish what the local index holds. Each returns the event's id. A publication is
  // applied locally too when this server's sync reaches it, which changes nothing.
  // Throws std::runtime_error when the version is not finalized locally, or sql::Error.
  int64_t publish_version(const std::string& library_id, const std::string& tag);
  int64_t publish_removal(const std::string& library_id, const std::optional<std::string>& tag);
  int64_t publish_restriction(int64_t teamspace_id, const std::string& library_id, const std::string& group,
                              bool restricted);

  // Applies every event after the last one applied; returns how many. An event that cannot be
  // applied (a damaged payload) is logged and skipped, so one bad event cannot stop the rest.
  int apply_pending();
  int64_t last_applied() const { return last_applied_.load(); }

  // Applies pending events, then waits for the next NOTIFY (or `poll` at most, in case one was
  // missed) and again, until `stop` is set. Reconnects with back-off when PostgreSQL is away.
  void run(const std::atomic<bool>& stop, std::chrono::milliseconds poll = std::chrono::seconds(5));

 private:
  int64_t append(std::string_view kind, const std::string& library_id, const std::optional<std::string>& tag,
                 std::optional<int64_t> teamspace_id, const std::string& group, const std::string& payload);
  void note_applied(int64_t id);
  int apply_pending_on(store::pg::Connection& db);

  DocIndex& local_;
  store::pg::Settings settings_;
  std::filesystem::path state_file_;
  std::atomic<int64_t> last_applied_{0};
};

// The event channel and the largest payload a server accepts from the log.
inline constexpr std::string_view kDocsChannel = "mcpgate_docs";
inline constexpr size_t kMaxPublishedVersionBytes = 256u << 20;

}  // namespace mcpgate::docs
