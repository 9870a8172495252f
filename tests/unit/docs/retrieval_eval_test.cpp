#include "docs/retrieval_eval.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

TEST(RetrievalEval, ReadsLabelledQuestions) {
  testing::TempDir dir;
  std::ofstream(dir / "q.jsonl")
      << R"({"question":"q1","library":"/a/b","libraryName":"B","file":"x.md","section":"`S`","kind":"typo","also":[{"file":"y.md","section":"T"}]})"
      << "\n\n"
      << R"({"question":"q2","library":"/a/b","file":"x.md","section":"U"})"
      << "\n";
  auto questions = read_questions(dir / "q.jsonl");
  ASSERT_EQ(questions.size(), 2u);
  EXPECT_EQ(questions[0].kind, "typo");
  EXPECT_EQ(questions[0].answers.size(), 2u);
  EXPECT_EQ(questions[1].kind, "plain");
  std::ofstream(dir / "bad.jsonl") << R"({"question":"q1"})"
                                   << "\n";
  try {
    read_questions(dir / "bad.jsonl");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos);
  }
}

TEST(RetrievalEval, ScoresHitsByFileAndSection) {
  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index(dir / "docs.db", clock);
  LibraryInfo info{"/a/b", "B", "", 5, "", {}, {}};
  auto row = index.begin_version(info, "", "/src");
  std::vector<Snippet> snippets;
  for (auto [title, text] :
       {std::pair{"Sockets", "open a socket and send bytes"}, std::pair{"Timers", "schedule a timer"}}) {
    Snippet s;
    s.title = title;
    s.breadcrumb = {"Guide", title};
    s.content = text;
    s.source_path = "x.md";
    snippets.push_back(s);
  }
  index.add_snippets(row, snippets);
  index.finalize_version(row, 0);
  DocsService service(index);
  std::vector<LabelledQuestion> questions{{"send bytes over a socket", "/a/b", "B", "plain", {{"x.md", "`Sockets`"}}},
                                          {"schedule a timer", "/a/b", "B", "plain", {{"x.md", "Sockets"}}}};
  auto report = evaluate_retrieval(service, questions, 5000);
  EXPECT_EQ(report.standard.questions, 2u);
  EXPECT_DOUBLE_EQ(report.standard.hit_at_1, 0.5);
  EXPECT_DOUBLE_EQ(report.resolve_accuracy_at_1, 1.0);
  EXPECT_DOUBLE_EQ(report.standard.hit_at_5, 0.5);  // nothing about timers leads to Sockets
  ASSERT_EQ(report.misses.size(), 1u);
  EXPECT_EQ(report.misses[0], "schedule a timer  [plain]");
  EXPECT_NE(format_report(report).find("hit@1"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::docs
