#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mcpgate::devstack {

// Builds (or brings up to date) the documentation index the MCP server's tools answer from, out
// of the corpus at `corpus_dir` (corpus/libraries.yaml beside the folders of corpus/sources/),
// into `server_data_dir`, before the server starts. Called at every start; it must be quick when
// the index is already current. No corpus directory: nothing to index. Returns the titles of the
// libraries the index then holds, whatever their source.
std::vector<std::string> prepare_documentation(const std::filesystem::path& server_data_dir,
                                               const std::optional<std::filesystem::path>& corpus_dir);

}  // namespace mcpgate::devstack
