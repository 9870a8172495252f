#include "docs/docs_service.hpp"

#include <algorithm>

#include "docs/library_ref.hpp"

namespace mcpgate::docs {
namespace {

bool shares_group(const std::vector<std::string>& allowed, const std::vector<std::string>& groups) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& g) { return std::find(groups.begin(), groups.end(), g) != groups.end(); });
}

}  // namespace

std::pair<std::vector<LibraryRecord>, bool> DocsService::visible_libraries(const Viewer& viewer) {
  auto all = index_.libraries();
  auto restrictions = index_.restrictions(viewer.teamspace_id);
  if (restrictions.empty()) return {std::move(all), false};
  bool hidden = false;
  std::vector<LibraryRecord> visible;
  for (auto& library : all) {
    auto rule =
        std::find_if(restrictions.begin(), restrictions.end(), [&](auto& r) { return r.first == library.info.id; });
    if (rule != restrictions.end() && !shares_group(rule->second, viewer.groups)) {
      hidden = true;
      continue;
    }
    visible.push_back(std::move(library));
  }
  return {std::move(visible), hidden};
}

bool DocsService::may_see(const std::string& library_id, const Viewer& viewer) {
  for (auto& [id, groups] : index_.restrictions(viewer.teamspace_id))
    if (id == library_id) return shares_group(groups, viewer.groups);
  return true;
}

ResolveAnswer DocsService::resolve(const std::string& library_name, const std::string& query, const Viewer& viewer,
                                   size_t limit) {
  auto [libraries, hidden] = visible_libraries(viewer);
  auto ranked = rank_libraries(libraries, library_name, query, index_, vocabulary_, limit);
  ResolveAnswer answer;
  answer.filter_applied = hidden;
  for (auto& r : ranked) answer.libraries.push_back(*r.library);
  return answer;
}

boost::system::result<ContextAnswer, DocsFailure> DocsService::context(const std::string& library,
                                                                       const std::string& query, int token_budget,
                                                                       const Viewer& viewer, Ranking ranking) {
  auto ref = parse_library_ref(library);
  if (!ref) return DocsFailure(400, "invalid_library_id", ref.error().message);
  auto record = index_.library(ref->id);
  // A restricted library is reported as missing: its existence is not for everyone to learn.
  if (!record || !may_see(ref->id, viewer))
    return DocsFailure(404, "library_not_found",
                       "Library " + ref->id +
                           " was not found. Use resolve-library-id (or /api/v2/libs/search) to find a "
                           "valid library ID.");
  const VersionInfo* version = record->version(ref->tag);
  if (!version) {
    if (!ref->tag.empty()) {
      auto tags = record->tags();
      std::string listed;
      for (auto& t : tags) listed += (listed.empty() ? "" : ", ") + t;
      return DocsFailure(404, "tag_not_found",
                         "Version '" + ref->tag + "' of " + ref->id + " is not indexed. Available versions: " +
                             (listed.empty() ? "none (use " + ref->id + " without a version)" : listed) + ".");
    }
    std::string state = record->versions.empty() ? "initial" : record->versions.front().state;
    return DocsFailure(404, "library_not_found",
                       "Library " + ref->id + " has no finalized documentation yet (state: " + state + ").");
  }
  ContextAnswer answer;
  answer.tag = version->tag;
  auto ranked = rank_snippets(index_, &vocabulary_, version->row, query, ranking, 60, library_name_words(record->info));
  answer.snippets = within_budget(std::move(ranked), token_budget);
  if (answer.snippets.empty())
    return DocsFailure(
        404, "no_snippets_found",
        "No documentation in " + ref->id + " matches this query. Try other words, one concept per query.");
  // Snippets link to the files of the version they came from, when that version says where.
  std::string version_links = version->source_url;
  answer.library = std::move(*record);
  if (!version_links.empty()) answer.library.info.source_url = version_links;
  return answer;
}

}  // namespace mcpgate::docs
