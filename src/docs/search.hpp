#pragma once
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "docs/doc_index.hpp"

namespace mcpgate::docs {

// The words of a question as the search uses them: each group is one word of the question with
// its accepted alternatives (a spelling the documentation uses when the question's does not
// occur, and words developers use for the same thing).
struct QueryTerm {
  std::string word;
  std::vector<std::string> alternatives;
  double weight = 1;  // rarer words weigh more
};

// The words of each version (and of all finalized ones together, version 0), for spelling
// correction and word weights; forgotten when the index's generation changes. A question about
// one library is weighed and corrected with that library's own words, so its answers do not
// depend on what else is indexed.
class Vocabulary {
 public:
  explicit Vocabulary(const DocIndex& index) : index_(index) {}
  // Forgets the words if the index's set of finalized versions changed since the last look.
  // analyze_query calls it once per question; the lookups below load a version on first use.
  void refresh();
  // How many snippets of the version use the word (0: unknown).
  int64_t frequency(const std::string& word, int64_t version_row = 0);
  // The version's known word nearest to an unknown one (edit distance 1, or 2 for words of 8+
  // letters), preferring the most used; empty when nothing is near.
  std::string nearest(const std::string& word, int64_t version_row = 0);

 private:
  struct Words {
    std::unordered_map<std::string, int64_t> counts;
    std::unordered_map<size_t, std::vector<const std::string*>> by_length;
    std::unordered_map<std::string, std::string> corrections;
  };
  void refresh_locked();
  Words& words_locked(int64_t version_row);
  const DocIndex& index_;
  std::mutex mutex_;
  int64_t generation_ = -1;
  std::unordered_map<int64_t, Words> by_version_;
};

// Damerau–Levenshtein (optimal string alignment) distance, giving up past `limit`.
int edit_distance(std::string_view a, std::string_view b, int limit);

// The question's terms, weighed and corrected with the words of `version_row` (0: all libraries).
std::vector<QueryTerm> analyze_query(std::string_view question, Vocabulary* vocabulary, int64_t version_row = 0);

// An FTS5 expression matching any of the terms (quoted, so no input is FTS5 syntax).
std::string fts_expression(const std::vector<QueryTerm>& terms);

enum class Ranking {
  standard,      // BM25 over weighted fields, then coverage of the question and heading matches
  word_overlap,  // the floor: how many of the question's words a snippet contains
};

struct ScoredSnippet {
  StoredSnippet stored;
  double score = 0;
};

// The version's snippets that best answer the question, best first. `library_names` are the words
// naming the library ("fastify", "node", "js"): within its own documentation they say nothing
// about which section answers, and are not searched for unless the question holds nothing else.
std::vector<ScoredSnippet> rank_snippets(const DocIndex& index, Vocabulary* vocabulary, int64_t version_row,
                                         std::string_view question, Ranking ranking = Ranking::standard, int limit = 60,
                                         const std::set<std::string>& library_names = {});

// The words naming a library, lower case: of its title, its ID and its aliases, and each of
// those run together ("Node.js" → node, js, nodejs).
std::set<std::string> library_name_words(const LibraryInfo& info);

// What an answer serves, in rank order: snippets scoring at least this fraction of the best one.
inline constexpr double kServedScoreFraction = 0.3;
inline constexpr size_t kMinServed = 3;  // served whatever their scores, budget permitting

// Snippets within a token budget, in the one order they were ranked (code and prose mixed, as
// the model reads best-first), down to kServedScoreFraction of the best score.
std::vector<ScoredSnippet> within_budget(std::vector<ScoredSnippet> ranked, int token_budget);

struct ScoredLibrary {
  const LibraryRecord* library = nullptr;
  double score = 0;
};

// Libraries ranked by how well their names match `name` (exact ignoring case and punctuation,
// aliases, "js" spellings, containment, then typos) and, to break ties and for vague names, by
// how much of their documentation answers `query`. Libraries matching neither are left out.
std::vector<ScoredLibrary> rank_libraries(const std::vector<LibraryRecord>& libraries, std::string_view name,
                                          std::string_view query, const DocIndex& index, Vocabulary& vocabulary,
                                          size_t limit = 10);

// Lower-case letters and digits only: "Next.js" → "nextjs".
std::string compact_name(std::string_view name);

}  // namespace mcpgate::docs
