#pragma once
#include <filesystem>
#include <optional>

namespace mcpgate::devstack {

// Builds (or brings up to date) the documentation index the MCP server's tools answer from, out
// of the corpus at `corpus_dir` (corpus/libraries.yaml beside the folders of corpus/sources/),
// into `server_data_dir`, before the server starts. Called at every start; it must be quick when
// the index is already current. No corpus directory: nothing to index.
void prepare_documentation(const std::filesystem::path& server_data_dir,
                           const std::optional<std::filesystem::path>& corpus_dir);

}  // namespace mcpgate::devstack
