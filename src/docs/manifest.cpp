#include "docs/manifest.hpp"

#include "config/yaml_reader.hpp"
#include "docs/library_ref.hpp"

namespace mcpgate::docs {

std::vector<IndexRequest> read_manifest(const std::filesystem::path& file) {
  auto root = config::YamlReader::from_file(file);
  root.allow_only({"libraries"});
  std::vector<IndexRequest> requests;
  for (auto& entry : root.list("libraries")) {
    entry.allow_only({"id", "path", "version", "title", "description", "trust_score", "aliases", "source_url"});
    IndexRequest r;
    auto id = validate_library_id(entry.str("id"));
    if (!id) entry.fail("id", id.error().message);
    r.id = *id;
    std::filesystem::path folder = entry.str("path");
    r.folder = folder.is_absolute() ? folder : file.parent_path() / folder;
    r.tag = entry.str_or("version", "");
    r.title = entry.opt_str("title");
    r.description = entry.opt_str("description");
    if (entry.has("trust_score")) r.trust_score = double(entry.integer("trust_score", 5, 0, 10));
    r.aliases = entry.strings("aliases");
    r.source_url = entry.str_or("source_url", "");
    requests.push_back(std::move(r));
  }
  if (requests.empty()) root.fail("libraries", "lists no library; add entries with at least id and path");
  return requests;
}

}  // namespace mcpgate::docs
