#include "docs/shared_index.hpp"

#include <array>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "common/files.hpp"
#include "docs/library_ref.hpp"

namespace mcpgate::docs {
namespace {

namespace json = boost::json;

// Any fixed number, the same on every server: publishers take it so ids follow commit order.
constexpr std::string_view kTakePublishLock = "SELECT pg_advisory_xact_lock(7012202612070002)";
constexpr std::string_view kInsertEvent =
    "INSERT INTO doc_events (kind, library_id, tag, teamspace_id, group_name, payload, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";
// A version can be large: one event at a time.
constexpr std::string_view kSelectNextEvent =
    "SELECT id, kind, library_id, tag, teamspace_id, group_name, payload FROM doc_events WHERE id > ?1 "
    "ORDER BY id LIMIT 1";
constexpr size_t kSnippetsPerBatch = 500;

json::array strings(const std::vector<std::string>& values) {
  json::array array;
  for (const auto& value : values) array.emplace_back(value);
  return array;
}

std::vector<std::string> strings_of(const json::value& value) {
  std::vector<std::string> out;
  for (const auto& item : value.as_array()) out.emplace_back(item.as_string());
  return out;
}

json::object snippet_json(const Snippet& s) {
  json::object o;
  o["kind"] = s.is_code() ? "code" : "info";
  o["title"] = s.title;
  o["breadcrumb"] = strings(s.breadcrumb);
  o["description"] = s.description;
  json::array code;
  for (const auto& block : s.code) code.push_back(json::object{{"language", block.language}, {"code", block.code}});
  o["code"] = std::move(code);
  o["content"] = s.content;
  o["source_path"] = s.source_path;
  o["anchor"] = s.anchor;
  return o;
}

Snippet snippet_of(const json::object& o) {
  Snippet s;
  s.kind = o.at("kind").as_string() == "code" ? Snippet::Kind::code : Snippet::Kind::info;
  s.title = o.at("title").as_string();
  s.breadcrumb = strings_of(o.at("breadcrumb"));
  s.description = o.at("description").as_string();
  for (const auto& block : o.at("code").as_array())
    s.code.push_back({std::string(block.at("language").as_string()), std::string(block.at("code").as_string())});
  s.content = o.at("content").as_string();
  s.source_path = o.at("source_path").as_string();
  s.anchor = o.at("anchor").as_string();
  return s;
}

std::string text_or_empty(const store::sql::Row& row, size_t column) { return row.optional_text(column).value_or(""); }

}  // namespace

SharedIndex::SharedIndex(DocIndex& local, store::pg::Settings settings, std::filesystem::path state_file)
    : local_(local), settings_(std::move(settings)), state_file_(std::move(state_file)) {
  if (auto text = read_file(state_file_)) {
    try {
      last_applied_ = std::stoll(*text);
    } catch (const std::exception&) {
      spdlog::warn("docs: {} is unreadable; replaying the shared index from the start", state_file_.string());
    }
  }
}

int64_t SharedIndex::append(std::string_view kind, const std::string& library_id, const std::optional<std::string>& tag,
                            std::optional<int64_t> teamspace_id, const std::string& group, const std::string& payload) {
  store::pg::Connection db(settings_);
  db.run_script("BEGIN");
  db.query(kTakePublishLock, {});
  std::array<store::sql::Value, 7> values{std::string(kind),
                                          library_id,
                                          tag ? store::sql::Value(*tag) : store::sql::Value(),
                                          teamspace_id ? store::sql::Value(*teamspace_id) : store::sql::Value(),
                                          group.empty() ? store::sql::Value() : store::sql::Value(group),
                                          payload,
                                          store::sql::to_millis(std::chrono::system_clock::now())};
  int64_t id = db.query(kInsertEvent, values).at(0).integer(0);
  db.run_script("NOTIFY " + std::string(kDocsChannel) + "; COMMIT");
  return id;
}

int64_t SharedIndex::publish_version(const std::string& library_id, const std::string& tag) {
  auto record = local_.library(library_id);
  const VersionInfo* version = nullptr;
  if (record)
    for (const auto& v : record->versions)
      if (v.tag == tag && v.state == "finalized") version = &v;
  if (!version)
    throw std::runtime_error(library_id + (tag.empty() ? "" : "/" + tag) + " has no finalized version to publish");
  json::object library{{"id", record->info.id},
                       {"title", record->info.title},
                       {"description", record->info.description},
                       {"trust_score", record->info.trust_score},
                       {"source_url", record->info.source_url},
                       {"aliases", strings(record->info.aliases)},
                       {"rules", strings(record->info.rules)}};
  json::object meta{{"tag", version->tag},
                    {"source_folder", version->source_folder},
                    {"source_url", version->source_url},
                    {"benchmark_score", version->benchmark_score}};
  json::array snippets;
  for (const auto& stored : local_.all_snippets(version->row)) snippets.push_back(snippet_json(stored.snippet));
  std::string payload = json::serialize(
      json::object{{"library", std::move(library)}, {"version", std::move(meta)}, {"snippets", snippets}});
  if (payload.size() > kMaxPublishedVersionBytes)
    throw std::runtime_error(library_id + " is " + std::to_string(payload.size() >> 20) +
                             " MB as published, above the 256 MB a server accepts; split the library");
  return append("publish", library_id, tag, std::nullopt, "", payload);
}

int64_t SharedIndex::publish_removal(const std::string& library_id, const std::optional<std::string>& tag) {
  return append("remove", library_id, tag, std::nullopt, "", "");
}

int64_t SharedIndex::publish_restriction(int64_t teamspace_id, const std::string& library_id, const std::string& group,
                                         bool restricted) {
  return append(restricted ? "restrict" : "unrestrict", library_id, std::nullopt, teamspace_id, group, "");
}

void SharedIndex::note_applied(int64_t id) {
  last_applied_ = id;
  write_file_atomically(state_file_, std::to_string(id) + "\n");
}

int SharedIndex::apply_pending() {
  store::pg::Connection db(settings_);
  return apply_pending_on(db);
}

int SharedIndex::apply_pending_on(store::pg::Connection& db) {
  int applied = 0;
  for (;;) {
    std::array<store::sql::Value, 1> after{last_applied_.load()};
    auto rows = db.query(kSelectNextEvent, after);
    if (rows.empty()) return applied;
    const auto& event = rows.front();
    int64_t id = event.integer(0);
    std::string kind = event.text(1);
    std::string library_id = event.text(2);
    auto tag = event.optional_text(3);
    try {
      if (!validate_library_id(library_id)) throw std::runtime_error("not a library id: " + library_id);
      if (kind == "publish") {
        std::string payload = text_or_empty(event, 6);
        if (payload.size() > kMaxPublishedVersionBytes) throw std::runtime_error("the payload is too large");
        auto document = json::parse(payload).as_object();
        const auto& library = document.at("library").as_object();
        const auto& meta = document.at("version").as_object();
        LibraryInfo info;
        info.id = library_id;
        info.title = library.at("title").as_string();
        info.description = library.at("description").as_string();
        info.trust_score = library.at("trust_score").to_number<double>();
        info.source_url = library.at("source_url").as_string();
        info.aliases = strings_of(library.at("aliases"));
        info.rules = strings_of(library.at("rules"));
        int64_t row = local_.begin_version(info, tag.value_or(""), std::string(meta.at("source_folder").as_string()),
                                           std::string(meta.at("source_url").as_string()));
        try {
          std::vector<Snippet> batch;
          for (const auto& snippet : document.at("snippets").as_array()) {
            batch.push_back(snippet_of(snippet.as_object()));
            if (batch.size() == kSnippetsPerBatch) {
              local_.add_snippets(row, batch);
              batch.clear();
            }
          }
          if (!batch.empty()) local_.add_snippets(row, batch);
          local_.finalize_version(row, meta.at("benchmark_score").to_number<double>());
        } catch (const std::exception& e) {
          local_.fail_version(row, e.what());
          throw;
        }
      } else if (kind == "remove") {
        local_.remove(library_id, tag);
      } else if (kind == "restrict" || kind == "unrestrict") {
        auto teamspace = event.optional_integer(4);
        std::string group = text_or_empty(event, 5);
        if (!teamspace || group.empty()) throw std::runtime_error("a restriction without teamspace or group");
        if (kind == "restrict")
          local_.restrict_library(*teamspace, library_id, group);
        else
          local_.unrestrict_library(*teamspace, library_id, group);
      } else {
        throw std::runtime_error("unknown kind " + kind);
      }
    } catch (const store::sql::Error&) {
      throw;  // the database, not the event: try again later
    } catch (const std::exception& e) {
      spdlog::error("docs: shared index event {} ({} {}) cannot be applied and is skipped: {}", id, kind, library_id,
                    e.what());
    }
    note_applied(id);
    ++applied;
  }
}

void SharedIndex::run(const std::atomic<bool>& stop, std::chrono::milliseconds poll) {
  auto backoff = std::chrono::milliseconds(200);
  while (!stop.load()) {
    try {
      store::pg::Connection listener(settings_);
      listener.listen(kDocsChannel);
      backoff = std::chrono::milliseconds(200);
      while (!stop.load()) {
        // Listening before reading: a NOTIFY sent while this applies is not lost.
        if (int applied = apply_pending_on(listener); applied > 0)
          spdlog::info("docs: applied {} shared index event(s), up to {}", applied, last_applied_.load());
        auto deadline = std::chrono::steady_clock::now() + poll;
        // Short waits, so a stop is noticed within a fraction of a second.
        while (!stop.load() && std::chrono::steady_clock::now() < deadline)
          if (listener.wait_for_notification(std::chrono::milliseconds(250))) break;
      }
    } catch (const std::exception& e) {
      spdlog::warn("docs: shared index sync failed, retrying in {} ms: {}", backoff.count(), e.what());
      auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
    }
  }
}

}  // namespace mcpgate::docs
