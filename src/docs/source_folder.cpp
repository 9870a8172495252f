#include "docs/source_folder.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "common/files.hpp"
#include "common/strings.hpp"
#include "docs/document.hpp"

namespace mcpgate::docs {
namespace fs = std::filesystem;
namespace json = boost::json;
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    if (slash != 0) parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::string_view strip_slashes(std::string_view s) {
  while (s.starts_with("./")) s.remove_prefix(2);
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// True when the folder path, or one of its leading parts, matches: "docs/old" covers docs/old/a.
bool leading_part_matches(std::string_view pattern, std::string_view folder_path) {
  std::string prefix;
  for (auto part : segments(folder_path)) {
    if (!prefix.empty()) prefix += '/';
    prefix += part;
    if (glob_match(pattern, prefix)) return true;
  }
  return false;
}

// A folder pattern without '/' names a folder anywhere ("legacy"); with one, a path from the root.
bool folder_matches(std::string_view pattern, std::string_view folder_path) {
  pattern = strip_slashes(pattern);
  if (pattern.empty()) return false;
  if (pattern.find('/') != std::string_view::npos) return leading_part_matches(pattern, folder_path);
  for (auto part : segments(folder_path))
    if (glob_match(pattern, part)) return true;
  return false;
}

std::string folder_of(std::string_view relative) {
  size_t slash = relative.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(relative.substr(0, slash));
}

std::string file_name_of(std::string_view relative) {
  size_t slash = relative.rfind('/');
  return std::string(slash == std::string_view::npos ? relative : relative.substr(slash + 1));
}

boost::system::result<std::vector<std::string>, DocsError> string_list(const json::object& o, const char* key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  if (!v) return {boost::system::in_place_value, out};
  if (!v->is_array()) return DocsError(std::string("\"") + key + "\" must be an array of strings");
  for (auto& item : v->as_array()) {
    if (!item.is_string()) return DocsError(std::string("\"") + key + "\" must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return {boost::system::in_place_value, std::move(out)};
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.starts_with("**")) {
    std::string_view rest = pattern.substr(2);
    if (rest.starts_with("/")) rest.remove_prefix(1);
    for (size_t i = 0; i <= path.size(); ++i)
      if ((i == 0 || path[i - 1] == '/' || rest.empty()) && glob_match(rest, path.substr(i))) return true;
    return false;
  }
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (glob_match(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  if (path.empty()) return false;
  if (pattern[0] == '?' ? path[0] != '/' : pattern[0] == path[0]) return glob_match(pattern.substr(1), path.substr(1));
  return false;
}

bool excluded_by_default(std::string_view relative_path) {
  static const char* kFilePrefixes[] = {"changelog", "changes",         "history",         "license", "licence",
                                        "copying",   "code_of_conduct", "code-of-conduct", "notice"};
  static const char* kFolders[] = {"archive", "archived", "deprecated", "legacy", "i18n", "node_modules"};
  std::string name = to_lower(file_name_of(relative_path));
  for (auto* prefix : kFilePrefixes)
    if (name.rfind(prefix, 0) == 0) return true;
  std::string folder = folder_of(relative_path);  // the views below point into it
  for (auto part : segments(folder)) {
    if (part.starts_with(".")) return true;
    std::string lower = to_lower(part);
    for (auto* folder : kFolders)
      if (lower == folder) return true;
  }
  return false;
}

boost::system::result<ProjectSettings, DocsError> read_project_settings(const fs::path& folder) {
  ProjectSettings settings;
  fs::path file = folder / "context7.json";
  std::error_code exists_error;
  if (!fs::exists(file, exists_error)) return settings;
  auto text = read_file(file);
  if (!text) return DocsError(file.string() + ": cannot be read");
  boost::system::error_code ec;
  json::value doc = json::parse(*text, ec);
  if (ec) return DocsError(file.string() + ": not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) return DocsError(file.string() + ": must hold a JSON object");
  auto& o = doc.as_object();
  auto text_field = [&](const char* key, std::string& out) -> std::string {
    auto* v = o.if_contains(key);
    if (!v) return "";
    if (!v->is_string()) return file.string() + ": \"" + key + "\" must be a string";
    out = std::string(v->as_string());
    return "";
  };
  for (auto [key, out] : {std::pair{"projectTitle", &settings.project_title},
                          std::pair{"description", &settings.description}, std::pair{"branch", &settings.branch}})
    if (auto error = text_field(key, *out); !error.empty()) return DocsError(error);
  for (auto [key, out] :
       {std::pair{"folders", &settings.folders}, std::pair{"excludeFolders", &settings.exclude_folders},
        std::pair{"excludeFiles", &settings.exclude_files}, std::pair{"rules", &settings.rules}}) {
    auto list = string_list(o, key);
    if (!list) return DocsError(file.string() + ": " + list.error().message);
    *out = std::move(*list);
  }
  if (auto* previous = o.if_contains("previousVersions")) {
    if (!previous->is_array())
      return DocsError(file.string() + ": \"previousVersions\" must be an array of {\"tag\": …}");
    for (auto& item : previous->as_array()) {
      auto* tag = item.is_object() ? item.as_object().if_contains("tag") : nullptr;
      if (!tag || !tag->is_string())
        return DocsError(file.string() + ": every \"previousVersions\" entry needs a \"tag\" string");
      settings.previous_versions.emplace_back(tag->as_string());
    }
  }
  return settings;
}

std::vector<SourceFile> collect_documentation_files(const fs::path& root, const ProjectSettings& settings) {
  std::vector<SourceFile> files;
  std::error_code ec;
  auto options = fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(root, options, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string relative = fs::relative(it->path(), root, ec).generic_string();
    if (ec) break;
    if (it->is_directory(ec)) {
      std::string name = it->path().filename().string();
      bool skip = name.starts_with(".") || name == "node_modules";
      for (auto& pattern : settings.exclude_folders) skip = skip || folder_matches(pattern, relative);
      if (skip) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !is_documentation_file(relative) || excluded_by_default(relative)) continue;
    std::string name = file_name_of(relative);
    if (std::any_of(settings.exclude_files.begin(), settings.exclude_files.end(),
                    [&](const std::string& p) { return glob_match(p, name) || glob_match(p, relative); }))
      continue;
    if (std::any_of(settings.exclude_folders.begin(), settings.exclude_folders.end(),
                    [&](const std::string& p) { return folder_matches(p, folder_of(relative)); }))
      continue;
    // `folders` are paths from the root: "docs" means <root>/docs, not any folder named docs.
    if (!settings.folders.empty() &&
        std::none_of(settings.folders.begin(), settings.folders.end(),
                     [&](const std::string& p) { return leading_part_matches(strip_slashes(p), folder_of(relative)); }))
      continue;
    files.push_back({it->path(), relative});
  }
  std::sort(files.begin(), files.end(), [](auto& a, auto& b) { return a.relative < b.relative; });
  return files;
}

}  // namespace mcpgate::docs
