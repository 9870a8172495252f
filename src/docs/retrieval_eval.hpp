#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "docs/docs_service.hpp"

namespace mcpgate::docs {

// One labelled developer question: the section of which file answers it (and, in `also`, any
// other section that answers it as well).
struct LabelledQuestion {
  std::string question;
  std::string library;       // "/owner/project"
  std::string library_name;  // how a developer names it to resolve-library-id
  std::string kind;          // plain, typo, synonym, error, one-word, flag, short, neighbour
  std::vector<std::pair<std::string, std::string>> answers;  // (file, section heading)
};

// Reads JSON Lines; throws std::runtime_error naming the line for a malformed one.
std::vector<LabelledQuestion> read_questions(const std::filesystem::path& file);

// Scored on the query-docs answer as served, snippet by snippet in the order the model reads it.
struct RetrievalScores {
  size_t questions = 0;
  double hit_at_1 = 0;
  double hit_at_5 = 0;
  double mrr = 0;        // mean reciprocal rank over the first 10 served snippets
  double in_answer = 0;  // the labelled section is anywhere in the answer
  double tokens = 0;     // per answer, on average
  double snippets = 0;   // per answer, on average
};

struct EvalReport {
  RetrievalScores standard;
  RetrievalScores word_overlap;
  std::map<std::string, RetrievalScores> standard_by_kind;
  std::map<std::string, RetrievalScores> word_overlap_by_kind;
  size_t resolve_questions = 0;
  double resolve_accuracy_at_1 = 0;
  std::vector<std::string> misses;   // questions the standard ranking missed in its first five
  std::vector<std::string> details;  // per question: rank and the first three served snippets (standard)
};

EvalReport evaluate_retrieval(DocsService& service, const std::vector<LabelledQuestion>& questions, int token_budget);

std::string format_report(const EvalReport& report);

}  // namespace mcpgate::docs
