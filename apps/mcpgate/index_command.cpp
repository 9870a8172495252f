// `mcpgate index …`: builds and inspects the documentation index in the server's data directory.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "common/clock.hpp"
#include "common/files.hpp"
#include "docs/docs_service.hpp"
#include "docs/formats.hpp"
#include "docs/indexer.hpp"
#include "docs/library_ref.hpp"
#include "docs/manifest.hpp"
#include "docs/retrieval_eval.hpp"
#include "docs/shared_index.hpp"
#include "server/server_config.hpp"
#include "server/store_location.hpp"
#include "store/postgres_schema.hpp"

namespace mcpgate::app {
namespace fs = std::filesystem;

namespace {

struct IndexOptions {
  std::string data_dir;
  std::string config;
  std::string folder;
  std::string manifest;
  std::string id;
  std::string version;
  std::string title;
  std::string description;
  double trust_score = -1;
  std::string source_url;
  std::vector<std::string> aliases;
  std::string library;
  int64_t teamspace = 0;
  std::string group;
  std::string query;
  std::string name;
  int tokens = 5000;
  bool json = false;
  bool details = false;
  double min_gain = 0;
  std::string questions;
};

// The server configuration behind --config: where its index is, and whether it is shared.
std::optional<server::ServerConfig> server_config_of(const IndexOptions& o) {
  if (o.config.empty()) return std::nullopt;
  if (!o.data_dir.empty()) throw std::runtime_error("give either --config or --data-dir, not both");
  return server::parse_server_config(config::YamlReader::from_file(o.config));
}

fs::path index_file(const IndexOptions& o, const std::optional<server::ServerConfig>& server) {
  if (server) {
    ensure_private_directory(server->data_dir);
    return server->docs_index;
  }
  fs::path data = o.data_dir.empty() ? default_data_dir("server") : fs::path(o.data_dir);
  ensure_private_directory(data);
  return data / "docs.db";
}

// Servers on PostgreSQL share their index: what this command changes is published for all.
std::unique_ptr<docs::SharedIndex> shared_index_of(docs::DocIndex& index,
                                                   const std::optional<server::ServerConfig>& server) {
  if (!server || !server->postgres) return nullptr;
  store::pg::Connection db(*server->postgres);
  store::pg::migrate(db, SystemClock::instance().now());
  return std::make_unique<docs::SharedIndex>(index, *server->postgres, server->data_dir / "docs-shared.position");
}

// Progress on a terminal only: a log file gets the summary line, not hundreds of updates.
std::function<void(const docs::IndexProgress&)> progress_printer(const std::string& id) {
  if (!isatty(STDERR_FILENO)) return {};
  return [id, last = 0.0](const docs::IndexProgress& p) mutable {
    if (p.files_done != p.files_total && p.seconds - last < 0.1) return;
    last = p.seconds;
    double rate = p.seconds > 0 ? double(p.files_done) / p.seconds : 0;
    std::cerr << fmt::format("\r{}: files {}/{} · {} snippets · {:.0f} files/s   ", id, p.files_done, p.files_total,
                             p.snippets, rate)
              << (p.files_done == p.files_total ? "\n" : "") << std::flush;
  };
}

int run_add(docs::DocIndex& index, const std::vector<docs::IndexRequest>& requests,
            docs::SharedIndex* shared = nullptr) {
  int failures = 0;
  for (auto& request : requests) {
    auto report = docs::index_folder(index, request, progress_printer(request.id));
    if (!report) {
      std::cerr << "mcpgate index: " << report.error().message << "\n";
      ++failures;
      continue;
    }
    std::string label = request.id + (request.tag.empty() ? "" : "@" + request.tag);
    std::cout << fmt::format(
        "{}: {} files, {} snippets ({} duplicates dropped), {} tokens, benchmark score {:.1f}, {:.1f} s\n", label,
        report->files, report->snippets, report->duplicates, report->tokens, report->benchmark_score, report->seconds);
    for (auto& [file, why] : report->skipped) std::cout << "  skipped " << file << ": " << why << "\n";
    if (shared) {
      auto event = shared->publish_version(request.id, request.tag);
      std::cout << "  published to the shared index (event " << event << "): every server will serve it\n";
    }
  }
  return failures ? 1 : 0;
}

int run_list(docs::DocIndex& index, bool as_json) {
  auto libraries = index.libraries();
  if (as_json) {
    boost::json::array out;
    for (auto& l : libraries) out.push_back(docs::library_json(l));
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  if (libraries.empty()) {
    std::cout << "no libraries yet: add one with `mcpgate index add <folder> --id /owner/project`\n";
    return 0;
  }
  std::cout << fmt::format("{:<28} {:<14} {:<10} {:>9} {:>10} {:>6}  {}\n", "library", "version", "state", "snippets",
                           "tokens", "bench", "updated");
  for (auto& l : libraries)
    for (auto& v : l.versions)
      std::cout << fmt::format("{:<28} {:<14} {:<10} {:>9} {:>10} {:>6.1f}  {}{}\n", l.info.id,
                               v.tag.empty() ? "(latest)" : v.tag, v.state, v.snippets, v.tokens, v.benchmark_score,
                               docs::iso8601_millis(v.updated), v.error.empty() ? "" : "  error: " + v.error);
  return 0;
}

int run_refresh(docs::DocIndex& index, const std::string& only, docs::SharedIndex* shared) {
  auto requests = docs::refresh_requests(index, only);
  if (requests.empty()) {
    std::cerr << "mcpgate index refresh: " << (only.empty() ? "the index is empty" : only + " is not in the index")
              << "\n";
    return 1;
  }
  return run_add(index, requests, shared);
}

}  // namespace

Command add_index_command(CLI::App& app) {
  auto options = std::make_shared<IndexOptions>();
  auto* cmd = app.add_subcommand("index", "Build and inspect the documentation index (libraries, versions, snippets)");
  cmd->require_subcommand(1);
  cmd->add_option("--data-dir", options->data_dir, "the server's data directory (the index is docs.db there)");
  cmd->add_option("--config", options->config,
                  "the server's configuration instead: its index, and with a PostgreSQL store, the index every "
                  "server shares (changes are published to all)");

  auto* add = cmd->add_subcommand("add", "Index a local folder as a library (or every library of a --manifest)");
  add->add_option("folder", options->folder, "a checkout, an unpacked package or exported docs");
  add->add_option("--manifest", options->manifest, "YAML list of libraries to index (see corpus/libraries.yaml)");
  add->add_option("--id", options->id, "library ID, /owner/project");
  add->add_option("--version", options->version, "version tag (e.g. v2.1.0); without it: the unversioned docs");
  add->add_option("--title", options->title, "display name (default: context7.json projectTitle, else the project)");
  add->add_option("--description", options->description, "one line (default: context7.json description)");
  add->add_option("--trust-score", options->trust_score, "0–10: source reputation (default 5)")
      ->check(CLI::Range(0.0, 10.0));
  add->add_option("--source-url", options->source_url,
                  "base URL of snippet links, e.g. https://git.example/o/p/blob/v1");
  add->add_option("--alias", options->aliases, "another name the library is asked for by (repeatable)");

  auto* list = cmd->add_subcommand("list", "Libraries and versions with state, counts and scores");
  list->add_flag("--json", options->json, "the /api/v2/libs/search entry of each library");
  auto* remove = cmd->add_subcommand("remove", "Remove a library, or one version as /owner/project/tag");
  remove->add_option("library", options->library, "/owner/project or /owner/project/tag")->required();
  auto* refresh = cmd->add_subcommand("refresh", "Re-index from the folders recorded at indexing time");
  refresh->add_option("library", options->library, "only this library (default: all)");
  auto* restrict_cmd =
      cmd->add_subcommand("restrict", "Show a library in a teamspace only to members of an Entra group");
  auto* unrestrict = cmd->add_subcommand("unrestrict", "Remove a group restriction");
  for (auto* c : {restrict_cmd, unrestrict}) {
    c->add_option("library", options->library, "/owner/project")->required();
    c->add_option("--teamspace", options->teamspace, "teamspace ID (see `mcpgate admin teamspace list`)")->required();
    c->add_option("--group", options->group, "Entra group object ID, as in the token's groups claim")->required();
  }
  auto* search = cmd->add_subcommand("search", "Rank libraries as resolve-library-id does");
  search->add_option("name", options->name, "library name")->required();
  search->add_option("query", options->query, "what the question is about");
  auto* query = cmd->add_subcommand("query", "Print what query-docs answers");
  query->add_option("library", options->library, "/owner/project[/tag]")->required();
  query->add_option("question", options->query, "the question")->required();
  query->add_option("--tokens", options->tokens, "token budget")->capture_default_str()->check(CLI::Range(100, 100000));
  auto* eval = cmd->add_subcommand("eval", "Measure retrieval quality on labelled questions (hit@1, hit@5, MRR)");
  eval->add_option("questions", options->questions, "JSON Lines file, e.g. eval/questions.jsonl")->required();
  eval->add_option("--tokens", options->tokens, "token budget")->capture_default_str();
  eval->add_flag("--details", options->details, "also print each question's rank and first three results");
  eval->add_option("--min-gain", options->min_gain,
                   "exit 1 unless MRR is at least this many times the word-overlap floor's (a CI gate)");

  auto run = [=]() -> int {
    auto& o = *options;
    auto server = server_config_of(o);
    docs::DocIndex index(index_file(o, server), SystemClock::instance());
    bool changes =
        add->parsed() || refresh->parsed() || remove->parsed() || restrict_cmd->parsed() || unrestrict->parsed();
    if (changes && !server && std::filesystem::exists(server::store_location_file(index_file(o, server).parent_path())))
      throw std::runtime_error(
          "the server using this data directory shares its documentation index through PostgreSQL; change it with "
          "--config <its server.yaml>, so that every server gets the change");
    auto shared = changes ? shared_index_of(index, server) : nullptr;
    if (add->parsed()) {
      std::vector<docs::IndexRequest> requests;
      if (!o.manifest.empty()) {
        if (!o.folder.empty() || !o.id.empty())
          throw std::runtime_error("give either --manifest or a folder with --id, not both");
        requests = docs::read_manifest(o.manifest);
      } else {
        if (o.folder.empty() || o.id.empty())
          throw std::runtime_error("index add needs a folder and --id /owner/project (or --manifest FILE)");
        docs::IndexRequest r;
        r.folder = o.folder;
        r.id = o.id;
        r.tag = o.version;
        if (!o.title.empty()) r.title = o.title;
        if (!o.description.empty()) r.description = o.description;
        if (o.trust_score >= 0) r.trust_score = o.trust_score;
        r.source_url = o.source_url;
        r.aliases = o.aliases;
        requests.push_back(std::move(r));
      }
      return run_add(index, requests, shared.get());
    }
    if (list->parsed()) return run_list(index, o.json);
    if (refresh->parsed()) return run_refresh(index, o.library, shared.get());
    if (remove->parsed()) {
      auto ref = docs::parse_library_ref(o.library);
      if (!ref) throw std::runtime_error(ref.error().message);
      auto tag = ref->tag.empty() ? std::nullopt : std::optional<std::string>(ref->tag);
      if (!index.library(ref->id))
        throw std::runtime_error(o.library + " is not in the index (see `mcpgate index list`)");
      // Shared: the running server may apply the published removal to this very index before
      // the line below does, so its answer proves nothing either way.
      if (shared) shared->publish_removal(ref->id, tag);
      bool removed = index.remove(ref->id, tag);
      if (!removed && !shared) throw std::runtime_error(o.library + " is not in the index (see `mcpgate index list`)");
      std::cout << "removed " << o.library << (shared ? " from every server" : "") << "\n";
      return 0;
    }
    if (restrict_cmd->parsed() || unrestrict->parsed()) {
      auto id = docs::validate_library_id(o.library);
      if (!id) throw std::runtime_error(id.error().message);
      if (unrestrict->parsed() && !index.restricted_to(o.teamspace, *id, o.group))
        throw std::runtime_error(*id + " has no restriction to group " + o.group + " in teamspace " +
                                 std::to_string(o.teamspace));
      if (shared) shared->publish_restriction(o.teamspace, *id, o.group, restrict_cmd->parsed());
      if (restrict_cmd->parsed()) {
        index.restrict_library(o.teamspace, *id, o.group);
        std::cout << *id << " is now visible in teamspace " << o.teamspace << " only to members of its groups\n";
      } else {
        index.unrestrict_library(o.teamspace, *id, o.group);  // shared: the server may have done it already
      }
      return 0;
    }
    docs::DocsService service(index);
    if (search->parsed()) {
      auto answer = service.resolve(o.name, o.query, docs::Viewer{});
      std::vector<const docs::LibraryRecord*> found;
      found.reserve(answer.libraries.size());
      for (auto& l : answer.libraries) found.push_back(&l);
      std::cout << docs::resolve_text(found, answer.filter_applied) << "\n";
      return found.empty() ? 1 : 0;
    }
    if (query->parsed()) {
      auto answer = service.context(o.library, o.query, o.tokens, docs::Viewer{});
      if (!answer) {
        std::cerr << answer.error().code << ": " << answer.error().message << "\n";
        return 1;
      }
      std::cout << docs::context_text(answer->library.info, answer->snippets) << "\n";
      return 0;
    }
    if (eval->parsed()) {
      auto questions = docs::read_questions(o.questions);
      auto report = docs::evaluate_retrieval(service, questions, o.tokens);
      std::cout << docs::format_report(report);
      if (o.details)
        for (auto& line : report.details) std::cout << line << "\n";
      if (o.min_gain > 0 && report.standard.mrr < o.min_gain * report.word_overlap.mrr) {
        std::cerr << fmt::format("mcpgate index eval: MRR {:.3f} is below {:.2f} x the word-overlap floor ({:.3f})\n",
                                 report.standard.mrr, o.min_gain, report.word_overlap.mrr);
        return 1;
      }
      return 0;
    }
    return 1;
  };
  return Command{cmd, run};
}

}  // namespace mcpgate::app
