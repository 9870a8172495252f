#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "docs/doc_index.hpp"
#include "docs/search.hpp"

namespace mcpgate::docs {

// Who asks, for group-restricted libraries. Teamspace 0 (no teamspace) sees unrestricted ones.
struct Viewer {
  int64_t teamspace_id = 0;
  std::vector<std::string> groups;
};

// A refusal in Context7's terms: HTTP status, `error` code and `message`.
struct DocsFailure {
  DocsFailure() = default;
  DocsFailure(int s, std::string c, std::string m) : status(s), code(std::move(c)), message(std::move(m)) {}
  int status = 500;
  std::string code;
  std::string message;
};

struct ResolveAnswer {
  std::vector<LibraryRecord> libraries;  // best first
  bool filter_applied = false;           // some library was hidden from this viewer
};

struct ContextAnswer {
  LibraryRecord library;
  std::string tag;  // the version served ("" for the default)
  std::vector<ScoredSnippet> snippets;
};

// The documentation engine behind the MCP tools, the REST API and the CLI: library resolution,
// documentation queries within a token budget, and group restrictions. Thread-safe.
class DocsService {
 public:
  explicit DocsService(DocIndex& index) : index_(index), vocabulary_(index) {}

  ResolveAnswer resolve(const std::string& library_name, const std::string& query, const Viewer& viewer,
                        size_t limit = 10);
  // `library` is "/owner/project", "/owner/project/tag" or "/owner/project@tag".
  boost::system::result<ContextAnswer, DocsFailure> context(const std::string& library, const std::string& query,
                                                            int token_budget, const Viewer& viewer,
                                                            Ranking ranking = Ranking::standard);

  DocIndex& index() { return index_; }
  Vocabulary& vocabulary() { return vocabulary_; }

 private:
  // Libraries this viewer may see, and whether any were hidden.
  std::pair<std::vector<LibraryRecord>, bool> visible_libraries(const Viewer& viewer);
  bool may_see(const std::string& library_id, const Viewer& viewer);

  DocIndex& index_;
  Vocabulary vocabulary_;
};

}  // namespace mcpgate::docs
