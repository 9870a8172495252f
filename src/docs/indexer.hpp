#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "docs/doc_index.hpp"
#include "docs/error.hpp"

namespace mcpgate::docs {

struct IndexRequest {
  std::filesystem::path folder;
  std::string id;                          // "/owner/project"
  std::string tag;                         // empty: unversioned
  std::optional<std::string> title;        // default: context7.json's projectTitle, else the project name
  std::optional<std::string> description;  // default: context7.json's description
  std::optional<double> trust_score;       // default: 5 (Medium) for a local source
  std::string source_url;
  std::vector<std::string> aliases;
  int max_info_tokens = 400;
};

struct IndexProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  size_t snippets = 0;
  double seconds = 0;
};

struct IndexReport {
  int64_t version_row = 0;
  size_t files = 0;
  std::vector<std::pair<std::string, std::string>> skipped;  // file, why
  size_t snippets = 0;
  size_t duplicates = 0;
  int64_t tokens = 0;
  double benchmark_score = 0;
  double seconds = 0;
};

// Indexes a folder as one version of a library: reads context7.json, splits every file, drops
// exact and near duplicates (same text once case, punctuation and spacing are ignored), writes
// in batches and makes the version visible at the end in one step. On failure the version being
// written is discarded and the previous one keeps serving; the error names the cause.
boost::system::result<IndexReport, DocsError> index_folder(
    DocIndex& index, const IndexRequest& request, const std::function<void(const IndexProgress&)>& progress = {});

// What re-indexing redoes: each finalized (or failed) version of every library, or of `only`,
// from the folder recorded when it was indexed, with the library's recorded details.
std::vector<IndexRequest> refresh_requests(const DocIndex& index, const std::string& only = "");

// The library's self-check: questions made from its section headings, answered by the search;
// the share (0–100) whose section comes back in the first five results.
double benchmark_score(const DocIndex& index, int64_t version_row, size_t max_questions = 40);

}  // namespace mcpgate::docs
