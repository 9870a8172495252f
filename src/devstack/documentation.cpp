#include "devstack/documentation.hpp"

#include <spdlog/spdlog.h>

namespace mcpgate::devstack {

void prepare_documentation(const std::filesystem::path& server_data_dir,
                           const std::optional<std::filesystem::path>& corpus_dir) {
  (void)server_data_dir;
  (void)corpus_dir;
  spdlog::info("no documentation index yet");
}

}  // namespace mcpgate::devstack
