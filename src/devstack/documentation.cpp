#include "devstack/documentation.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/files.hpp"
#include "docs/doc_index.hpp"
#include "docs/indexer.hpp"
#include "docs/manifest.hpp"

namespace mcpgate::devstack {

namespace {

std::vector<std::string> titles_in(const std::filesystem::path& server_data_dir) {
  std::vector<std::string> titles;
  docs::DocIndex index(server_data_dir / "docs.db", SystemClock::instance());
  for (const auto& library : index.libraries())
    if (library.default_version()) titles.push_back(library.info.title.empty() ? library.info.id : library.info.title);
  return titles;
}

}  // namespace

std::vector<std::string> prepare_documentation(const std::filesystem::path& server_data_dir,
                                               const std::optional<std::filesystem::path>& corpus_dir) {
  if (!corpus_dir) {
    spdlog::info("documentation: no corpus given (--corpus); the tools answer from what the index already holds");
    ensure_private_directory(server_data_dir);
    return titles_in(server_data_dir);
  }
  auto manifest = *corpus_dir / "libraries.yaml";
  std::error_code ec;
  if (!std::filesystem::exists(manifest, ec))
    throw std::runtime_error(
        manifest.string() +
        " is missing: lay out the demo corpus with `bash scripts/fetch-corpus.sh` "
        "(scripts/bootstrap.sh runs it), or pass --corpus pointing at a folder with libraries.yaml");
  auto requests = docs::read_manifest(manifest);
  ensure_private_directory(server_data_dir);
  docs::DocIndex index(server_data_dir / "docs.db", SystemClock::instance());
  auto started = std::chrono::steady_clock::now();
  size_t indexed = 0, snippets = 0;
  for (auto& request : requests) {
    // A version already indexed is kept: a second start must be quick. `mcpgate index refresh`
    // re-reads the sources when they change.
    auto existing = index.library(request.id);
    auto* version = existing ? existing->version(request.tag.empty() ? "latest" : request.tag) : nullptr;
    if (version && !version->outdated()) continue;
    auto report = docs::index_folder(index, request);
    if (!report) {
      spdlog::warn("documentation: {}", report.error().message);
      continue;
    }
    ++indexed;
    snippets += report->snippets;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (indexed)
    spdlog::info("documentation: indexed {} of {} libraries ({} snippets) in {:.1f} s", indexed, requests.size(),
                 snippets, seconds);
  else
    spdlog::info("documentation: {} libraries already indexed", requests.size());
  return titles_in(server_data_dir);
}

}  // namespace mcpgate::devstack
