#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mcpgate::docs {

// General programming vocabulary the search uses (src/docs/lexicon.txt, built into the binary):
// synonyms for a question's words, abbreviations in both directions, irregular word forms, and
// common words of API names.
class Lexicon {
 public:
  // Parses the file's text; throws std::invalid_argument naming the line of a malformed entry.
  explicit Lexicon(std::string_view text);
  static const Lexicon& builtin();

  // What documentation says instead of `word` (empty when nothing).
  const std::vector<std::string>& synonyms(const std::string& word) const;
  // "dir" → "directory", "mkdir" → "make directory"; empty when `word` is no abbreviation.
  const std::string& expansion(const std::string& word) const;
  // "directory" → "dir": the short forms of a long word.
  const std::vector<std::string>& abbreviations(const std::string& word) const;
  // "found" → "find", "cannot" → "not"; empty when `word` is its own base.
  const std::string& base_form(const std::string& word) const;

  // The plain words an API name stands for, for indexing it: identifier parts (camelCase,
  // snake_case, dots), lower-case compounds split at a known abbreviation ("extname" → ext,
  // name), each abbreviation expanded ("extension name"). Empty when it says nothing new.
  std::string plain_words(std::string_view name) const;

 private:
  std::unordered_map<std::string, std::vector<std::string>> synonyms_;
  std::unordered_map<std::string, std::string> expansions_;
  std::unordered_map<std::string, std::vector<std::string>> abbreviations_;
  std::unordered_map<std::string, std::string> forms_;
  std::unordered_set<std::string> words_;  // common words of API names, for splitting compounds

  bool known(const std::string& word) const;
};

}  // namespace mcpgate::docs
