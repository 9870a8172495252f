#pragma once
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "docs/search.hpp"

// The answers Context7's clients parse, byte for byte where they parse them.
namespace mcpgate::docs {

// Where a snippet came from: <source_url>/<path>#<anchor>, or <path>#<anchor> for a local source.
std::string snippet_link(const LibraryInfo& library, const Snippet& snippet);

// "High" (≥7), "Medium" (≥4), "Low", or "Unknown" for a negative score.
std::string source_reputation(double trust_score);

// One entry of /api/v2/libs/search.
boost::json::object library_json(const LibraryRecord& library);

// resolve-library-id's text: "Available Libraries:" and one block per library, separated by a
// line of ten dashes; a note first when the teamspace's filter hid some.
std::string resolve_text(const std::vector<const LibraryRecord*>& libraries, bool filter_applied);

// /api/v2/context?type=txt: Markdown snippets separated by a line of 32 dashes.
std::string context_text(const LibraryInfo& library, const std::vector<ScoredSnippet>& snippets);
// /api/v2/context?type=json: codeSnippets, infoSnippets and the library's rules.
boost::json::object context_json(const LibraryInfo& library, const std::vector<ScoredSnippet>& snippets);

std::string iso8601_millis(SysTime time);

}  // namespace mcpgate::docs
