#pragma once
#include <filesystem>
#include <vector>

#include "docs/indexer.hpp"

namespace mcpgate::docs {

// A YAML list of libraries to index, for a whole corpus at once:
//   libraries:
//     - {id: /owner/project, path: folder, version: v1.2, title: …, description: …,
//        trust_score: 0–10, aliases: […], source_url: https://…}
// `path` is relative to the manifest's folder. Throws config::ConfigError naming the entry and
// key for anything malformed.
std::vector<IndexRequest> read_manifest(const std::filesystem::path& file);

}  // namespace mcpgate::docs
