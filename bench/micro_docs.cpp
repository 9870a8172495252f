// The documentation engine's hot path on the demo corpus: splitting a large page, the raw FTS5
// match that every query starts from (the floor), the whole query-docs ranking and budget, the
// word-overlap ranking it is measured against, and library resolution.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "common/clock.hpp"
#include "common/files.hpp"
#include "docs/docs_service.hpp"
#include "docs/document.hpp"
#include "docs/indexer.hpp"
#include "docs/manifest.hpp"

namespace {
namespace fs = std::filesystem;
using namespace mcpgate;

const fs::path kCorpus = MCPGATE_CORPUS_DIR;

struct Corpus {
  fs::path dir;
  std::unique_ptr<docs::DocIndex> index;
  std::unique_ptr<docs::DocsService> service;
  int64_t node_row = 0;
  std::string error;

  Corpus() {
    if (!fs::exists(kCorpus / "libraries.yaml")) {
      error = "no corpus at " + kCorpus.string() + ": run scripts/fetch-corpus.sh";
      return;
    }
    dir = fs::temp_directory_path() / ("mcpgate-bench-docs-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    index = std::make_unique<docs::DocIndex>(dir / "docs.db", SystemClock::instance());
    for (auto& request : docs::read_manifest(kCorpus / "libraries.yaml")) docs::index_folder(*index, request);
    service = std::make_unique<docs::DocsService>(*index);
    auto node = index->library("/nodejs/node");
    if (node && node->default_version()) node_row = node->default_version()->row;
  }
  ~Corpus() {
    service.reset();
    index.reset();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

Corpus& corpus() {
  static Corpus c;
  return c;
}

bool ready(benchmark::State& state) {
  if (!corpus().error.empty()) {
    state.SkipWithError(corpus().error.c_str());
    return false;
  }
  return true;
}

constexpr const char* kQuestion = "read a file line by line";

void BM_SplitLargePage(benchmark::State& state) {
  auto text = read_file(kCorpus / "nodejs/doc/api/fs.md");
  if (!text) {
    state.SkipWithError("fs.md missing from the corpus");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(docs::split_document("doc/api/fs.md", *text));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text->size()));
}
BENCHMARK(BM_SplitLargePage)->Unit(benchmark::kMillisecond);

void BM_FtsMatchOnly(benchmark::State& state) {
  if (!ready(state)) return;
  auto terms = docs::analyze_query(kQuestion, &corpus().service->vocabulary());
  auto expression = docs::fts_expression(terms);
  for (auto _ : state) benchmark::DoNotOptimize(corpus().index->match(corpus().node_row, expression, 200));
}
BENCHMARK(BM_FtsMatchOnly)->Unit(benchmark::kMicrosecond);

void BM_QueryDocs(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state)
    benchmark::DoNotOptimize(corpus().service->context("/nodejs/node", kQuestion, 5000, docs::Viewer{}));
}
BENCHMARK(BM_QueryDocs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryDocs)->Unit(benchmark::kMicrosecond)->Threads(2);

// A small library in a corpus dominated by a large one: the match stays within its version.
void BM_QueryDocsSmallLibrary(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state)
    benchmark::DoNotOptimize(
        corpus().service->context("/pinojs/pino", "change the log level at runtime", 5000, docs::Viewer{}));
}
BENCHMARK(BM_QueryDocsSmallLibrary)->Unit(benchmark::kMicrosecond);

void BM_WordOverlapRanking(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state)
    benchmark::DoNotOptimize(docs::rank_snippets(*corpus().index, &corpus().service->vocabulary(), corpus().node_row,
                                                 kQuestion, docs::Ranking::word_overlap));
}
BENCHMARK(BM_WordOverlapRanking)->Unit(benchmark::kMicrosecond);

void BM_ResolveLibrary(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(corpus().service->resolve("fastfy", "hooks", docs::Viewer{}));
}
BENCHMARK(BM_ResolveLibrary)->Unit(benchmark::kMicrosecond);

}  // namespace
