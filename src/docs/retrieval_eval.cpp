#include "docs/retrieval_eval.hpp"

#include <fstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "docs/snippet.hpp"

namespace mcpgate::docs {
namespace json = boost::json;

namespace {

// Labels are the heading as written in the file, backticks removed (eval/README.md). They are
// compared through none of the indexer's heading cleaning, so a heading the indexer corrupts
// shows up as a miss instead of being corrupted the same way on both sides.
std::string label_text(std::string_view heading) { return normalized_for_comparison(heading); }

std::string field(const json::object& o, const char* key, size_t line) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string())
    throw std::runtime_error("line " + std::to_string(line) + ": \"" + key + "\" must be a string");
  return std::string(v->as_string());
}

bool answers(const Snippet& s, const LabelledQuestion& q) {
  for (auto& [file, section] : q.answers) {
    if (s.source_path != file) continue;
    std::string wanted = label_text(section);
    if (!s.breadcrumb.empty() && label_text(s.breadcrumb.back()) == wanted) return true;
    if (label_text(s.title) == wanted) return true;
  }
  return false;
}

void add(RetrievalScores& scores, int rank, int tokens, size_t snippets) {
  ++scores.questions;
  if (rank == 1) scores.hit_at_1 += 1;
  if (rank >= 1 && rank <= 5) scores.hit_at_5 += 1;
  if (rank >= 1 && rank <= 10) scores.mrr += 1.0 / rank;
  if (rank >= 1) scores.in_answer += 1;
  scores.tokens += tokens;
  scores.snippets += double(snippets);
}

void average(RetrievalScores& s) {
  if (!s.questions) return;
  double n = double(s.questions);
  s.hit_at_1 /= n;
  s.hit_at_5 /= n;
  s.mrr /= n;
  s.in_answer /= n;
  s.tokens /= n;
  s.snippets /= n;
}

}  // namespace

std::vector<LabelledQuestion> read_questions(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  std::vector<LabelledQuestion> out;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object())
      throw std::runtime_error(file.string() + ": line " + std::to_string(number) + " is not a JSON object");
    auto& o = v.as_object();
    LabelledQuestion q;
    q.question = field(o, "question", number);
    q.library = field(o, "library", number);
    q.library_name = o.contains("libraryName") ? field(o, "libraryName", number) : "";
    q.kind = o.contains("kind") ? field(o, "kind", number) : "plain";
    q.answers.emplace_back(field(o, "file", number), field(o, "section", number));
    if (auto* also = o.if_contains("also"); also && also->is_array())
      for (auto& a : also->as_array())
        if (a.is_object())
          q.answers.emplace_back(field(a.as_object(), "file", number), field(a.as_object(), "section", number));
    out.push_back(std::move(q));
  }
  return out;
}

EvalReport evaluate_retrieval(DocsService& service, const std::vector<LabelledQuestion>& questions, int token_budget) {
  EvalReport report;
  size_t resolved = 0;
  for (auto& q : questions) {
    for (auto ranking : {Ranking::standard, Ranking::word_overlap}) {
      // What the model is served, in the order it reads it: the query-docs answer.
      int rank = 0, tokens = 0;
      size_t served = 0;
      auto answer = service.context(q.library, q.question, token_budget, Viewer{}, ranking);
      if (answer) {
        served = answer->snippets.size();
        for (size_t i = 0; i < served; ++i) {
          tokens += answer->snippets[i].stored.snippet.tokens();
          if (!rank && answers(answer->snippets[i].stored.snippet, q)) rank = int(i) + 1;
        }
      }
      bool standard = ranking == Ranking::standard;
      if (standard) {
        std::string line = "[" + (rank ? std::to_string(rank) : std::string("-")) + "] " + q.question + "  (want " +
                           q.answers.front().first + " # " + q.answers.front().second + ")";
        for (size_t i = 0; answer && i < answer->snippets.size() && i < 3; ++i) {
          auto& s = answer->snippets[i].stored.snippet;
          line += "\n      " + std::to_string(i + 1) + ". " + s.source_path + " # " + s.breadcrumb_text() +
                  (s.is_code() ? " [code]" : "");
        }
        report.details.push_back(std::move(line));
      }
      add(standard ? report.standard : report.word_overlap, rank, tokens, served);
      add((standard ? report.standard_by_kind : report.word_overlap_by_kind)[q.kind], rank, tokens, served);
      if (standard && (rank == 0 || rank > 5)) report.misses.push_back(q.question + "  [" + q.kind + "]");
    }
    if (!q.library_name.empty()) {
      ++report.resolve_questions;
      auto found = service.resolve(q.library_name, q.question, Viewer{});
      if (!found.libraries.empty() && found.libraries.front().info.id == q.library) ++resolved;
    }
  }
  average(report.standard);
  average(report.word_overlap);
  for (auto& [k, s] : report.standard_by_kind) average(s);
  for (auto& [k, s] : report.word_overlap_by_kind) average(s);
  report.resolve_accuracy_at_1 = report.resolve_questions ? double(resolved) / double(report.resolve_questions) : 0;
  return report;
}

std::string format_report(const EvalReport& report) {
  std::string out = fmt::format("query-docs over {} labelled questions, scored in the order the answer is served\n",
                                report.standard.questions);
  out += fmt::format("{:<22} {:>7} {:>7} {:>7} {:>10} {:>8} {:>9}\n", "ranking / kind", "hit@1", "hit@5", "MRR",
                     "in answer", "tokens", "snippets");
  auto row = [&](const std::string& name, const RetrievalScores& s) {
    out += fmt::format("{:<22} {:>7.3f} {:>7.3f} {:>7.3f} {:>10.3f} {:>8.0f} {:>9.1f}   (n={})\n", name, s.hit_at_1,
                       s.hit_at_5, s.mrr, s.in_answer, s.tokens, s.snippets, s.questions);
  };
  row("standard", report.standard);
  row("word overlap (floor)", report.word_overlap);
  for (auto& [kind, s] : report.standard_by_kind) row("  standard: " + kind, s);
  for (auto& [kind, s] : report.word_overlap_by_kind) row("  overlap: " + kind, s);
  out += fmt::format("resolve-library-id accuracy@1: {:.3f} over {} questions\n", report.resolve_accuracy_at_1,
                     report.resolve_questions);
  if (!report.misses.empty()) {
    out += "missed in the first five (standard):\n";
    for (auto& m : report.misses) out += "  - " + m + "\n";
  }
  return out;
}

}  // namespace mcpgate::docs
