#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "docs/error.hpp"

namespace mcpgate::docs {

// What a project says about its own documentation in a context7.json at its root.
struct ProjectSettings {
  std::string project_title;
  std::string description;
  std::string branch;
  std::vector<std::string> folders;          // only these (globs, relative to the root), when given
  std::vector<std::string> exclude_folders;  // globs; always win over `folders`
  std::vector<std::string> exclude_files;    // file names or globs
  std::vector<std::string> rules;            // advice for the model, served with the docs
  std::vector<std::string> previous_versions;
};

// Reads <folder>/context7.json; a missing file gives empty settings. A file that is not valid
// JSON, or a field of the wrong type, is an error naming the file and the field.
boost::system::result<ProjectSettings, DocsError> read_project_settings(const std::filesystem::path& folder);

struct SourceFile {
  std::filesystem::path absolute;
  std::string relative;  // '/'-separated, relative to the root
};

// Every documentation file under `root` that the settings and the default exclusions (change
// logs, licences, codes of conduct; archive, deprecated, legacy and i18n folders; hidden folders
// and node_modules) leave in, sorted by relative path so indexing is deterministic.
std::vector<SourceFile> collect_documentation_files(const std::filesystem::path& root, const ProjectSettings& settings);

bool excluded_by_default(std::string_view relative_path);

// Glob over '/'-separated paths: `*` and `?` stay within one segment, `**` spans segments.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace mcpgate::docs
