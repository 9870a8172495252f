#include "docs/search.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

Snippet make(Snippet::Kind kind, std::string title, std::string text, std::string code = "") {
  Snippet s;
  s.kind = kind;
  s.title = title;
  s.breadcrumb = {"Guide", title};
  if (kind == Snippet::Kind::code) {
    s.description = text;
    s.code = {{"js", code}};
  } else {
    s.content = text;
  }
  s.source_path = "guide.md";
  s.anchor = heading_slug(title);
  return s;
}

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LibraryInfo info{"/acme/server", "Acme Server", "An HTTP server framework", 9, "", {"acme"}, {}};
    row = index.begin_version(info, "", "/src");
    index.add_snippets(
        row,
        {
            make(Snippet::Kind::info, "Timeouts", "Requests that take too long are aborted after the timeout elapses."),
            make(Snippet::Kind::code, "Child processes", "Spawn a child process and stop it with a signal.",
                 "const child = spawn('ls'); child.kill('SIGTERM');"),
            make(Snippet::Kind::info, "Directories", "Create a directory with mkdir, recursively if asked."),
            make(Snippet::Kind::code, "Reading a file", "Read the whole file into memory.", "fs.readFileSync('a.txt')"),
            make(Snippet::Kind::info, "Errors", "ERR_INVALID_ARG_TYPE is thrown when an argument has the wrong type."),
            make(Snippet::Kind::info, "Listening", "Call listen with a port to accept connections on that port."),
        });
    index.finalize_version(row, 0);
    LibraryInfo other{"/other/orm", "Other ORM", "Maps rows to objects", 3, "", {}, {}};
    auto other_row = index.begin_version(other, "v2", "/src");
    index.add_snippets(other_row, {make(Snippet::Kind::info, "Models", "Define a model for a table of rows.")});
    index.finalize_version(other_row, 0);
  }

  std::string top(std::string_view question) { return top_in(row, question); }

  // The title of the best answer within one version.
  std::string top_in(int64_t version, std::string_view question, const std::set<std::string>& library_names = {}) {
    auto ranked = rank_snippets(index, &vocabulary, version, question, Ranking::standard, 60, library_names);
    return ranked.empty() ? "" : ranked.front().stored.snippet.title;
  }

  // A section under the given heading path (the page's title first).
  static Snippet at(std::vector<std::string> crumbs, std::string text) {
    auto s = make(Snippet::Kind::info, crumbs.back(), std::move(text));
    s.breadcrumb = std::move(crumbs);
    return s;
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index{dir / "docs.db", clock};
  Vocabulary vocabulary{index};
  int64_t row = 0;
};

TEST_F(SearchTest, PlainQuestionFindsItsSection) {
  EXPECT_EQ(top("how do I read a file"), "Reading a file");
  EXPECT_EQ(top("accept connections on a port"), "Listening");
}

TEST_F(SearchTest, TyposAreCorrectedFromTheVocabulary) {
  EXPECT_EQ(vocabulary.nearest("directroy"), "directory");
  EXPECT_EQ(vocabulary.nearest("zzzzzz"), "");
  EXPECT_EQ(top("create a directroy recursively"), "Directories");
}

TEST_F(SearchTest, SynonymsTheDocsDoNotUse) {
  EXPECT_EQ(top("kill a subprocess"), "Child processes");
  EXPECT_EQ(top("make a folder"), "Directories");
  EXPECT_EQ(top("deadline for slow requests"), "Timeouts");
}

TEST_F(SearchTest, PastedErrorMessageFindsTheErrorCode) {
  EXPECT_EQ(top("TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string. Received undefined"),
            "Errors");
}

TEST_F(SearchTest, IdentifierPartsMatchPlainWords) { EXPECT_EQ(top("readFileSync"), "Reading a file"); }

TEST_F(SearchTest, OneLibrarysAnswersDoNotDependOnWhatElseIsIndexed) {
  auto ranked_before = rank_snippets(index, &vocabulary, row, "file directory timeout port errors");
  ASSERT_GE(ranked_before.size(), 3u);
  // A big unrelated library full of the question's words (and of near-misses for typos).
  LibraryInfo noisy{"/noisy/lib", "Noisy", "Everything about files", 5, "", {}, {}};
  auto noisy_row = index.begin_version(noisy, "", "/src");
  std::vector<Snippet> many;
  for (int i = 0; i < 300; ++i)
    many.push_back(make(Snippet::Kind::info, "File " + std::to_string(i),
                        "A file in a directory; timeout " + std::to_string(i) + " and errors on port " +
                            std::to_string(i) + " directorie timeoutz"));
  index.add_snippets(noisy_row, many);
  index.finalize_version(noisy_row, 0);
  auto ranked_after = rank_snippets(index, &vocabulary, row, "file directory timeout port errors");
  ASSERT_EQ(ranked_after.size(), ranked_before.size());
  for (size_t i = 0; i < ranked_before.size(); ++i) {
    EXPECT_EQ(ranked_after[i].stored.row, ranked_before[i].stored.row) << i;
    EXPECT_DOUBLE_EQ(ranked_after[i].score, ranked_before[i].score) << i;
  }
  EXPECT_EQ(vocabulary.nearest("timeoutz", row), "timeout") << "corrected with this library's own words";
}

TEST_F(SearchTest, SignatureParametersDoNotMakeAFunctionTheTopic) {
  LibraryInfo info{"/acme/fs", "Acme FS", "Files", 9, "", {}, {}};
  auto fs_row = index.begin_version(info, "", "/src");
  index.add_snippets(
      fs_row, {make(Snippet::Kind::info, "fs.readFile(path[, options], callback)",
                    "Asynchronously reads the entire contents of a file."),
               make(Snippet::Kind::info, "fs.stat(path[, options], callback)", "Returns information about a file."),
               make(Snippet::Kind::info, "File paths",
                    "Most fs operations accept file paths as a string, a Buffer "
                    "or a URL; a path may be relative or absolute.")});
  index.finalize_version(fs_row, 0);
  auto ranked = rank_snippets(index, &vocabulary, fs_row, "relative path or absolute path");
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ranked.front().stored.snippet.title, "File paths")
      << "a heading's parameter named path is not a section about paths";
  auto named = rank_snippets(index, &vocabulary, fs_row, "fs.readFile");
  ASSERT_FALSE(named.empty());
  EXPECT_EQ(named.front().stored.snippet.title, "fs.readFile(path[, options], callback)");
}

TEST_F(SearchTest, NamesInTheQuestionFindTheirSections) {
  LibraryInfo info{"/acme/cli", "Acme CLI", "Options", 9, "", {}, {}};
  auto cli = index.begin_version(info, "", "/src");
  index.add_snippets(
      cli, {make(Snippet::Kind::info, "-p, --print \"script\"", "Same as -e but prints the result of evaluating it."),
            make(Snippet::Kind::info, "--watch", "Starts in watch mode: the process restarts when a file changes."),
            make(Snippet::Kind::info, "Watching files", "Watch a file for changes with a watcher; the watcher emits."),
            make(Snippet::Kind::info, "Object mode", "Streams in object mode carry any JavaScript value."),
            make(Snippet::Kind::info, "stream.readableObjectMode", "Getter for the objectMode property of a stream."),
            make(Snippet::Kind::info, "stream.Readable.from(iterable[, options])",
                 "Creates readable streams from "
                 "iterators."),
            make(Snippet::Kind::info, "readable.read([size])",
                 "Reads data out of the internal buffer and returns it; "
                 "a Readable stream reads from iterators too.")});
  index.finalize_version(cli, 0);
  EXPECT_EQ(top_in(cli, "what does node --watch do"), "--watch");
  EXPECT_EQ(top_in(cli, "node -p \"process.versions\""), "-p, --print \"script\"");
  EXPECT_EQ(top_in(cli, "objectMode"), "Object mode");
  EXPECT_EQ(top_in(cli, "Readable.from"), "stream.Readable.from(iterable[, options])");
}

TEST_F(SearchTest, EverydayWordsFindSectionsNamedInApiWords) {
  LibraryInfo info{"/acme/node", "Acme Node", "Runtime", 9, "", {}, {}};
  auto node = index.begin_version(info, "", "/src");
  index.add_snippets(
      node, {make(Snippet::Kind::info, "path.extname(path)", "Returns the part of the path after the last period."),
             make(Snippet::Kind::info, "path.basename(path[, suffix])", "Returns the last portion of a path."),
             make(Snippet::Kind::info, "MODULE_NOT_FOUND", "A module file could not be resolved by the loader."),
             make(Snippet::Kind::info, "Loading modules",
                  "Modules are loaded from node_modules folders; a module "
                  "is cached after the first time it is loaded.")});
  index.finalize_version(node, 0);
  EXPECT_EQ(top_in(node, "get the extension of a filename"), "path.extname(path)");
  EXPECT_EQ(top_in(node, "Error: Cannot find module './config'"), "MODULE_NOT_FOUND");
}

TEST_F(SearchTest, TheLibrarysOwnNameIsNotWhatTheQuestionIsAbout) {
  LibraryInfo info{"/acme/webkit", "Acme Web", "A web framework", 9, "", {"acmeweb"}, {}};
  EXPECT_EQ(library_name_words(info), (std::set<std::string>{"acme", "acmeweb", "acmewebkit", "web", "webkit"}));
  auto web = index.begin_version(info, "", "/src");
  index.add_snippets(web, {at({"Encapsulation"}, "Each plugin gets its own context; what it adds is scoped to it."),
                           at({"Acme web guide", "How acme web handles encapsulation"},
                              "Acme web keeps plugins apart by encapsulation, as the guide for acme web explains.")});
  index.finalize_version(web, 0);
  EXPECT_EQ(top_in(web, "acme web encapsulation", library_name_words(info)), "Encapsulation");
  EXPECT_NE(top_in(web, "acme", library_name_words(info)), "") << "a question of nothing but the name still searches";
}

TEST_F(SearchTest, DeprecationsAndMigrationGuidesAnswerOnlyQuestionsAboutChange) {
  LibraryInfo info{"/acme/os", "Acme OS", "OS", 9, "", {}, {}};
  auto os = index.begin_version(info, "", "/src");
  index.add_snippets(os, {at({"Deprecated APIs", "DEP0022: os.tmpDir()"},
                             "The os.tmpDir() API, the temporary folder, is deprecated; use os.tmpdir()."),
                          at({"OS", "os.tmpdir()"},
                             "Returns the operating system's default directory for "
                             "temporary files.")});
  index.finalize_version(os, 0);
  EXPECT_EQ(top_in(os, "temporary folder of the system"), "os.tmpdir()");
  EXPECT_EQ(top_in(os, "is os.tmpDir deprecated"), "DEP0022: os.tmpDir()");
}

TEST_F(SearchTest, NothingToSearchGivesNothing) {
  EXPECT_TRUE(rank_snippets(index, &vocabulary, row, "how do I").empty());
  EXPECT_TRUE(rank_snippets(index, &vocabulary, row, "").empty());
  EXPECT_TRUE(rank_snippets(index, &vocabulary, row, "\" OR * NEAR(").empty());
}

TEST_F(SearchTest, WordOverlapFloorRanksByCountOnly) {
  auto ranked = rank_snippets(index, &vocabulary, row, "directory mkdir", Ranking::word_overlap);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ranked.front().stored.snippet.title, "Directories");
  EXPECT_EQ(ranked.front().score, 2);
}

TEST_F(SearchTest, BudgetServesTheRankOrderAndCutsTheWeakTail) {
  auto ranked = rank_snippets(index, &vocabulary, row, "file directory process port timeout");
  ASSERT_GE(ranked.size(), 4u);
  // Scores as the ranking gave them, with a tail far below the best.
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i].score = i + 1 < ranked.size() ? 10.0 - double(i) : 1.0;
  auto budgeted = within_budget(ranked, 10000);
  ASSERT_EQ(budgeted.size(), ranked.size() - 1) << "the last scores under 0.3 of the best";
  for (size_t i = 0; i < budgeted.size(); ++i)
    EXPECT_EQ(budgeted[i].stored.row, ranked[i].stored.row) << "served in rank order, code or prose alike";
  int one = ranked.front().stored.snippet.tokens();
  auto tight = within_budget(ranked, one);
  ASSERT_EQ(tight.size(), 1u);
  EXPECT_EQ(tight.front().stored.row, ranked.front().stored.row);
  // The best answer alone is served even when it exceeds the budget.
  EXPECT_EQ(within_budget(ranked, 1).size(), 1u);
}

TEST_F(SearchTest, QueryAnalysisDropsStopwordsAndWeighsRareWords) {
  auto terms = analyze_query("How do I use the listen port?", &vocabulary);
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].word, "listen");
  EXPECT_EQ(fts_expression(terms).find("\"listen\""), 0u);
  auto rare = analyze_query("err_invalid_arg_type connections", &vocabulary);
  EXPECT_GT(rare[0].weight, 0);
}

TEST_F(SearchTest, LibrariesRankedByNameAliasesAndTypos) {
  auto libraries = index.libraries();
  auto first = [&](std::string_view name, std::string_view query = "") {
    auto ranked = rank_libraries(libraries, name, query, index, vocabulary);
    return ranked.empty() ? std::string() : ranked.front().library->info.id;
  };
  EXPECT_EQ(first("Acme Server"), "/acme/server");
  EXPECT_EQ(first("acme-server"), "/acme/server");
  EXPECT_EQ(first("acme"), "/acme/server");
  EXPECT_EQ(first("Acme Servr"), "/acme/server");
  EXPECT_EQ(first("orm"), "/other/orm");
  EXPECT_EQ(first("", "table model rows"), "/other/orm");
  EXPECT_EQ(first("completely unrelated"), "");
}

TEST(EditDistance, TranspositionCountsOnce) {
  EXPECT_EQ(edit_distance("recieve", "receive", 2), 1);
  EXPECT_EQ(edit_distance("abc", "abc", 1), 0);
  EXPECT_EQ(edit_distance("abc", "xyz", 1), 2);  // over the limit: limit + 1
}

TEST(CompactName, LettersAndDigitsLowercase) { EXPECT_EQ(compact_name("Next.js 14"), "nextjs14"); }

}  // namespace
}  // namespace mcpgate::docs
