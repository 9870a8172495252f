#include "docs/search.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "common/strings.hpp"
#include "docs/index_text.hpp"
#include "docs/lexicon.hpp"

namespace mcpgate::docs {
namespace {

const std::set<std::string, std::less<>>& stopwords() {
  static const std::set<std::string, std::less<>> words{
      "a",       "about",     "an",     "and",     "are",   "as",    "at",    "be",    "by",     "can",       "could",
      "do",      "does",      "doing",  "for",     "from",  "get",   "how",   "i",     "if",     "in",        "into",
      "is",      "it",        "its",    "me",      "my",    "of",    "on",    "or",    "should", "so",        "some",
      "that",    "the",       "their",  "then",    "there", "these", "this",  "to",    "use",    "using",     "want",
      "was",     "way",       "we",     "what",    "when",  "where", "which", "while", "who",    "why",       "will",
      "with",    "would",     "you",    "your",    "am",    "need",  "make",  "does",  "did",    "has",       "have",
      "just",    "like",      "also",   "than",    "them",  "they",  "our",   "us",    "via",    "possible",  "best",
      "correct", "correctly", "right",  "example", "e",     "g",     "etc",   "thing", "things", "something", "somehow",
      "way",     "ways",      "please", "help"};
  return words;
}

// What a question names outright: identifiers (fs.readFile, URLSearchParams, ERR_REQUIRE_ESM,
// highWaterMark), lower-cased, and command-line flags (--watch, -p), without any `=value`.
struct NamedInQuestion {
  std::map<std::string, std::string> identifiers;  // lower case → its words ("object mode")
  std::set<std::string> flags;
};

bool looks_like_identifier(std::string_view word) {
  if (word.size() < 4) return false;
  bool lower = false, inner_upper = false, all_upper = true;
  for (size_t i = 0; i < word.size(); ++i) {
    unsigned char c = word[i];
    if (c == '_' || c == '.' || c == '$') return true;
    if (std::islower(c)) {
      lower = true;
      all_upper = false;
    }
    if (std::isupper(c) && i > 0 && lower) inner_upper = true;
  }
  return all_upper || inner_upper;
}

// An identifier's words, space-separated: "highWaterMark" → "high water mark".
std::string identifier_words(std::string_view identifier) { return join(word_parts(identifier), " "); }

NamedInQuestion named_in(std::string_view question) {
  NamedInQuestion named;
  size_t i = 0;
  while (i < question.size()) {
    while (i < question.size() && std::isspace(static_cast<unsigned char>(question[i]))) ++i;
    size_t start = i;
    while (i < question.size() && !std::isspace(static_cast<unsigned char>(question[i]))) ++i;
    std::string_view token = question.substr(start, i - start);
    // Quotes, brackets and sentence punctuation around a name are not part of it.
    while (!token.empty() && std::string_view("\"'`([{<").find(token.front()) != std::string_view::npos)
      token.remove_prefix(1);
    while (!token.empty() && std::string_view("\"'`)]}>.,:;?!").find(token.back()) != std::string_view::npos)
      token.remove_suffix(1);
    if (token.size() >= 2 && token[0] == '-' &&
        (std::isalpha(static_cast<unsigned char>(token[1])) || (token[1] == '-' && token.size() > 2))) {
      named.flags.insert(to_lower(token.substr(0, token.find('='))));
      continue;
    }
    size_t bracket = token.find_first_of("([");
    if (bracket != std::string_view::npos) token = token.substr(0, bracket);  // fs.readFile(path) → fs.readFile
    if (looks_like_identifier(token)) named.identifiers.emplace(to_lower(token), identifier_words(token));
  }
  return named;
}

// Whether a section's heading is what the question names: the identifier itself, a member path
// ending in it (stream.Readable.from for Readable.from), its words ("Object mode" for
// objectMode), or a flag the heading lists (-p, --print "script").
bool heading_is_named(const std::string& title, const NamedInQuestion& named) {
  if (named.identifiers.empty() && named.flags.empty()) return false;
  std::string name = to_lower(split_signature(title).name);
  for (std::string_view prefix : {"class: ", "static method: ", "new ", "event: "})
    if (name.starts_with(prefix)) name.erase(0, prefix.size());
  for (auto& [id, words] : named.identifiers) {
    // The name itself, or a path or label ending in it: stream.Readable.from, "DEP0022: os.tmpDir"
    // (but not prose that mentions it: "Removed app.use()").
    if (name == id) return true;
    if (name.size() > id.size() && name.ends_with(id)) {
      std::string_view before(name.data(), name.size() - id.size());
      if (before.ends_with(".") || before.ends_with(": ")) return true;
    }
    if (normalized_for_comparison(name) == words) return true;
  }
  if (!named.flags.empty()) {
    std::string lowered = to_lower(title);
    size_t i = 0;
    while (i < lowered.size()) {
      while (i < lowered.size() && std::string_view(" ,[").find(lowered[i]) != std::string_view::npos) ++i;
      size_t start = i;
      while (i < lowered.size() && std::string_view(" ,[=").find(lowered[i]) == std::string_view::npos) ++i;
      if (named.flags.count(lowered.substr(start, i - start))) return true;
      while (i < lowered.size() && lowered[i] != ' ' && lowered[i] != ',') ++i;  // skip "=value"
    }
  }
  return false;
}

// What the lexicon says a question's word may also be written as: synonyms, the long form of an
// abbreviation, the base of an irregular form. (Not the short forms of a long word: "buffer"
// would then match every `buf.*` method; the index already holds API names' long forms.)
void add_lexicon_alternatives(const std::string& word, std::vector<std::string>& alternatives) {
  const auto& lexicon = Lexicon::builtin();
  for (auto& s : lexicon.synonyms(word)) alternatives.push_back(s);
  if (auto& whole = lexicon.expansion(word); !whole.empty())
    for (auto& w : split_whitespace(whole)) alternatives.push_back(w);
  if (auto& base = lexicon.base_form(word); !base.empty()) alternatives.push_back(base);
}

// Whether text says "not": a negating word, or an API name built on one (doesNotThrow,
// notStrictEqual, ERR_NO_CRYPTO).
bool negated(std::string_view text) {
  static const std::set<std::string, std::less<>> negations{"not",    "no",   "never", "without", "cannot", "dont",
                                                            "doesnt", "isnt", "nor",   "non",     "unless"};
  for (auto& word : word_parts(text))
    if (negations.count(word)) return true;
  std::string lowered = to_lower(std::string(text));
  return lowered.find("n't") != std::string::npos;
}

// Whether text is about an API's history: deprecations, migration guides, changelogs.
bool about_history(std::string_view text) {
  std::string lowered = to_lower(std::string(text));
  for (std::string_view marker : {"deprecat", "migration", "migrate", "upgrad", "changelog", "breaking change"})
    if (lowered.find(marker) != std::string::npos) return true;
  // Deprecation codes: DEP0022.
  for (size_t at = lowered.find("dep0"); at != std::string::npos; at = lowered.find("dep0", at + 1))
    if (at + 4 < lowered.size() && std::isdigit(static_cast<unsigned char>(lowered[at + 4]))) return true;
  return false;
}

// How much a section about an API's history counts when the question is not about that.
constexpr double kUnaskedHistory = 0.6;

// A section about the opposite of what was asked (doesNotReject for "rejects") counts for less.
constexpr double kUnaskedNegation = 0.6;

// How much a question's word found only in the page's title counts toward heading coverage.
constexpr double kPageTitleShare = 0.3;

// A crude stem for containment checks in prose we did not index: enough of the word to
// survive plural and tense endings.
std::string stem_prefix(const std::string& word) {
  if (word.size() <= 4) return word;
  size_t keep = word.size() >= 7 ? word.size() - 3 : word.size() - 1;
  return word.substr(0, std::max<size_t>(4, keep));
}

std::string quoted(const std::string& word) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Lower case is enough for the containment checks: "readfilesync" already contains "read",
// "file" and "sync", so identifiers need no splitting here.
std::string snippet_text(const Snippet& s) {
  std::string text = s.title + "\n" + s.breadcrumb_text() + "\n" + s.description + "\n" + s.content;
  for (auto& b : s.code) text += "\n" + b.code;
  return to_lower(text);
}

bool contains_any(const std::string& haystack, const QueryTerm& term) {
  if (haystack.find(stem_prefix(term.word)) != std::string::npos) return true;
  for (auto& alt : term.alternatives)
    if (haystack.find(stem_prefix(alt)) != std::string::npos) return true;
  return false;
}

}  // namespace

int edit_distance(std::string_view a, std::string_view b, int limit) {
  int n = int(a.size()), m = int(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  std::vector<std::vector<int>> d(size_t(n + 1), std::vector<int>(size_t(m + 1)));
  for (int i = 0; i <= n; ++i) d[i][0] = i;
  for (int j = 0; j <= m; ++j) d[0][j] = j;
  for (int i = 1; i <= n; ++i) {
    int row_best = limit + 1;
    for (int j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      row_best = std::min(row_best, d[i][j]);
    }
    if (row_best > limit) return limit + 1;
  }
  return std::min(d[n][m], limit + 1);
}

void Vocabulary::refresh_locked() {
  int64_t generation = index_.generation();
  if (generation == generation_) return;
  by_version_.clear();
  generation_ = generation;
}

void Vocabulary::refresh() {
  std::lock_guard lock(mutex_);
  refresh_locked();
}

Vocabulary::Words& Vocabulary::words_locked(int64_t version_row) {
  if (generation_ < 0) refresh_locked();
  auto [it, fresh] = by_version_.try_emplace(version_row);
  Words& w = it->second;
  if (fresh) {
    for (auto& [word, count] : index_.vocabulary(version_row)) w.counts.emplace(word, count);
    for (auto& [word, count] : w.counts) w.by_length[word.size()].push_back(&word);
  }
  return w;
}

int64_t Vocabulary::frequency(const std::string& word, int64_t version_row) {
  std::lock_guard lock(mutex_);
  auto& w = words_locked(version_row);
  auto it = w.counts.find(word);
  return it == w.counts.end() ? 0 : it->second;
}

std::string Vocabulary::nearest(const std::string& word, int64_t version_row) {
  std::lock_guard lock(mutex_);
  auto& w = words_locked(version_row);
  auto& words_ = w.counts;
  auto& by_length_ = w.by_length;
  auto& corrections_ = w.corrections;
  if (auto cached = corrections_.find(word); cached != corrections_.end()) return cached->second;
  int limit = word.size() >= 8 ? 2 : 1;
  std::string best;
  int best_distance = limit + 1;
  int64_t best_count = 0;
  if (word.size() >= 4) {
    for (size_t len = word.size() - size_t(limit); len <= word.size() + size_t(limit); ++len) {
      auto it = by_length_.find(len);
      if (it == by_length_.end()) continue;
      for (auto* candidate : it->second) {
        int d = edit_distance(word, *candidate, limit);
        int64_t count = words_[*candidate];
        if (d < best_distance || (d == best_distance && d <= limit && count > best_count)) {
          best = *candidate;
          best_distance = d;
          best_count = count;
        }
      }
    }
  }
  if (best_distance > limit) best.clear();
  corrections_[word] = best;
  return best;
}

std::vector<QueryTerm> analyze_query(std::string_view question, Vocabulary* vocabulary, int64_t version_row) {
  if (vocabulary) vocabulary->refresh();  // once per question, not once per word
  std::vector<QueryTerm> terms;
  std::set<std::string> seen;
  std::string current;
  auto take = [&] {
    if (current.empty()) return;
    std::string original = std::move(current);
    std::string word = to_lower(original);
    current.clear();
    if (word.size() < 2 && !std::isdigit(static_cast<unsigned char>(word[0]))) return;
    if (stopwords().count(word) || !seen.insert(word).second) return;
    QueryTerm term{word, {}, 1};
    add_lexicon_alternatives(word, term.alternatives);
    // An identifier also stands for its words: objectMode is "object mode" in prose headings.
    if (auto parts = word_parts(original); parts.size() > 1)
      for (auto& part : parts)
        if (part.size() >= 3 && !stopwords().count(part)) term.alternatives.push_back(part);
    if (vocabulary) {
      int64_t count = vocabulary->frequency(word, version_row);
      if (count == 0) {
        std::string fixed = vocabulary->nearest(word, version_row);
        if (!fixed.empty()) {
          term.alternatives.push_back(fixed);
          count = vocabulary->frequency(fixed, version_row);
          add_lexicon_alternatives(fixed, term.alternatives);
        }
      }
      // Inverse frequency: rare words (an error code, an API name) decide more than common ones.
      term.weight = std::log(2.0 + 100000.0 / double(1 + count));
    }
    terms.push_back(std::move(term));
  };
  for (char c : question) {
    unsigned char u = c;
    if (std::isalnum(u) || u == '_' || u >= 0x80)
      current += c;
    else
      take();
  }
  take();
  return terms;
}

std::string fts_expression(const std::vector<QueryTerm>& terms) {
  std::string expression;
  std::set<std::string> added;
  for (auto& term : terms) {
    if (added.insert(term.word).second) expression += (expression.empty() ? "" : " OR ") + quoted(term.word);
    for (auto& alt : term.alternatives)
      if (added.insert(alt).second) expression += (expression.empty() ? "" : " OR ") + quoted(alt);
  }
  return expression;
}

std::set<std::string> library_name_words(const LibraryInfo& info) {
  std::set<std::string> words;
  std::vector<std::string> names{info.title, info.id};
  for (auto& a : info.aliases) names.push_back(a);
  for (auto& name : names) {
    std::string compact;
    std::string word;
    for (char c : name + " ") {
      unsigned char u = c;
      if (std::isalnum(u)) {
        word += char(std::tolower(u));
        compact += char(std::tolower(u));
        continue;
      }
      if (word.size() >= 2) words.insert(word);
      word.clear();
    }
    if (compact.size() >= 2) words.insert(compact);
  }
  return words;
}

std::vector<ScoredSnippet> rank_snippets(const DocIndex& index, Vocabulary* vocabulary, int64_t version_row,
                                         std::string_view question, Ranking ranking, int limit,
                                         const std::set<std::string>& library_names) {
  std::vector<ScoredSnippet> ranked;
  if (ranking == Ranking::word_overlap) {
    std::set<std::string> words;
    for (auto& w : index_words(question)) words.insert(w);
    for (auto& stored : index.all_snippets(version_row)) {
      std::string text = snippet_text(stored.snippet);
      double overlap = 0;
      for (auto& w : words)
        if (text.find(w) != std::string::npos) overlap += 1;
      if (overlap > 0) ranked.push_back({std::move(stored), overlap});
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.score > b.score; });
    if (int(ranked.size()) > limit) ranked.resize(size_t(limit));
    return ranked;
  }

  auto terms = analyze_query(question, vocabulary, version_row);
  // "fastify encapsulation" asks about encapsulation: every section of Fastify's docs is Fastify's.
  std::string asked = normalized_for_comparison(question);
  if (!library_names.empty()) {
    std::vector<QueryTerm> topical;
    for (auto& t : terms)
      if (!library_names.count(t.word)) topical.push_back(t);
    if (!topical.empty() && topical.size() < terms.size()) {
      terms = std::move(topical);
      std::string rest;
      for (auto& word : split_whitespace(asked))
        if (!library_names.count(word)) rest += (rest.empty() ? "" : " ") + word;
      asked = rest;
    }
  }
  const NamedInQuestion named = named_in(question);
  std::string expression = fts_expression(terms);
  // A flag is matched in headings only: "-p" alone is too short a word to look for anywhere else.
  for (auto& flag : named.flags) {
    std::string bare = flag.substr(flag.find_first_not_of('-'));
    if (!bare.empty())
      expression += (expression.empty() ? "" : " OR ") + std::string("title : ") + (quoted)(bare);  // (not std::quoted)
  }
  if (expression.empty()) return ranked;
  auto candidates = index.match(version_row, expression, 200);
  if (candidates.empty()) return ranked;
  std::vector<int64_t> rows;
  rows.reserve(candidates.size());
  for (auto& [row, score] : candidates) rows.push_back(row);
  auto stored = index.snippets(rows);
  double total_weight = 0;
  for (auto& t : terms) total_weight += t.weight;
  const bool asks_negation = negated(question);
  const bool asks_history = about_history(question);
  for (size_t i = 0; i < stored.size() && i < candidates.size(); ++i) {
    auto& s = stored[i].snippet;
    double bm25 = -candidates[i].second;  // FTS5's bm25 is negative; larger magnitude is better
    // The headings' own words; a signature's parameter names (path, options) are not its
    // topic, and the page's title (a module's name) is a prior, not the answer itself.
    const std::string title_name = split_signature(s.title).name;
    std::string headings = to_lower(title_name), page;
    for (size_t p = 0; p < s.breadcrumb.size(); ++p) {
      bool page_title = p == 0 && s.breadcrumb.size() > 1;
      (page_title ? page : headings) += " " + to_lower(split_signature(s.breadcrumb[p]).name);
    }
    std::string text = snippet_text(s);
    double in_text = 0, in_headings = 0;
    for (auto& t : terms) {
      if (contains_any(text, t)) in_text += t.weight;
      if (contains_any(headings, t))
        in_headings += t.weight;
      else if (contains_any(page, t))
        in_headings += kPageTitleShare * t.weight;
    }
    double coverage = in_text / total_weight, heading_coverage = in_headings / total_weight;
    double score = bm25 * (0.4 + 0.6 * coverage) * (1.0 + 1.5 * heading_coverage) * (s.is_code() ? 1.1 : 1.0);
    // assert.doesNotReject is the opposite of what "rejects with an error" asks for.
    if (!asks_negation && negated(title_name)) score *= kUnaskedNegation;
    // A deprecation notice or a migration guide mentions an API to say it changed; the API's own
    // section is the answer, unless the question is about what changed.
    if (!asks_history && about_history(s.breadcrumb_text())) score *= kUnaskedHistory;
    // A heading that says exactly what was asked ("Hooks" for "hooks") is the page's own
    // introduction to it: short questions name a topic, and that section answers them best.
    if (normalized_for_comparison(s.title) == asked) score *= 2.5;
    // An identifier, error code or flag quoted in the question that is this section's heading
    // (ERR_REQUIRE_ESM, process.env, Readable.from, highWaterMark, --watch) names it outright.
    else if (heading_is_named(s.title, named))
      score *= 2.0;
    ranked.push_back({std::move(stored[i]), score});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.score > b.score; });
  // Several snippets of one section say much the same; each further one from a section already
  // shown counts for less, so the first results cover more of what might answer the question.
  std::map<std::string, int> shown;
  for (auto& r : ranked) {
    int seen = shown[r.stored.snippet.source_path + "#" + r.stored.snippet.anchor]++;
    r.score *= std::pow(0.6, seen);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.score > b.score; });
  if (int(ranked.size()) > limit) ranked.resize(size_t(limit));
  return ranked;
}

std::vector<ScoredSnippet> within_budget(std::vector<ScoredSnippet> ranked, int token_budget) {
  std::vector<ScoredSnippet> served;
  if (ranked.empty()) return served;
  const double floor = ranked.front().score * kServedScoreFraction;
  int used = 0;
  for (auto& r : ranked) {
    // Best first: below the floor the rest would only dilute the answer, but a few are always
    // served, since one dominant snippet is not always the one that answers.
    if (r.score < floor && served.size() >= kMinServed) break;
    int tokens = r.stored.snippet.tokens();
    // The best answer alone is served even when it is over budget; later ones only if they fit.
    if (used + tokens > token_budget && !served.empty()) continue;
    used += tokens;
    served.push_back(std::move(r));
  }
  return served;
}

std::string compact_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name)
    if (std::isalnum(c) || c >= 0x80) out += char(std::tolower(c));
  return out;
}

namespace {

// How well one spelling matches the name asked for: 1 exact, then decreasing.
double name_similarity(const std::string& wanted, const std::string& candidate) {
  if (wanted.empty() || candidate.empty()) return 0;
  if (wanted == candidate) return 1.0;
  auto without_js = [](std::string s) {
    if (s.size() > 4 && s.ends_with("js")) s.resize(s.size() - 2);
    return s;
  };
  if (without_js(wanted) == without_js(candidate)) return 0.95;
  int longest = int(std::max(wanted.size(), candidate.size()));
  int limit = longest >= 8 ? 2 : 1;
  int d = edit_distance(wanted, candidate, limit);
  if (wanted.size() >= 4 && d <= limit) return 0.85 - 0.1 * d;
  if (wanted.size() >= 3 && candidate.size() >= 3 &&
      (candidate.find(wanted) != std::string::npos || wanted.find(candidate) != std::string::npos)) {
    double ratio = double(std::min(wanted.size(), candidate.size())) / double(longest);
    return 0.4 + 0.3 * ratio;
  }
  return 0;
}

}  // namespace

std::vector<ScoredLibrary> rank_libraries(const std::vector<LibraryRecord>& libraries, std::string_view name,
                                          std::string_view query, const DocIndex& index, Vocabulary& vocabulary,
                                          size_t limit) {
  std::string wanted = compact_name(name);
  std::vector<ScoredLibrary> ranked;
  std::string expression = query.empty() ? "" : fts_expression(analyze_query(query, &vocabulary));
  for (auto& library : libraries) {
    auto* version = library.default_version();
    if (!version) continue;
    std::vector<std::string> spellings{library.info.title};
    std::string_view id = library.info.id;
    size_t slash = id.rfind('/');
    spellings.emplace_back(id.substr(slash + 1));
    spellings.emplace_back(id);
    for (auto& a : library.info.aliases) spellings.push_back(a);
    double name_score = 0;
    for (auto& s : spellings) name_score = std::max(name_score, name_similarity(wanted, compact_name(s)));
    // A description that mentions the name ("web framework" for "framework") is weak evidence.
    if (name_score == 0 && wanted.size() >= 4 &&
        compact_name(library.info.description).find(wanted) != std::string::npos)
      name_score = 0.2;
    double query_score = 0;
    if (!expression.empty() && (name_score > 0 || wanted.empty())) {
      auto hits = index.match(version->row, expression, 50);
      query_score = std::min(1.0, std::log1p(double(hits.size())) / std::log1p(50.0));
    }
    double trust = library.info.trust_score < 0 ? 0 : library.info.trust_score / 10.0;
    double score = name_score * 10 + query_score + 0.1 * trust;
    if (name_score > 0 || (wanted.empty() && query_score > 0)) ranked.push_back({&library, score});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.score > b.score; });
  if (ranked.size() > limit) ranked.resize(limit);
  return ranked;
}

}  // namespace mcpgate::docs
