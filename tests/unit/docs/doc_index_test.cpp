#include "docs/doc_index.hpp"

#include <gtest/gtest.h>

#include "docs/index_schema.hpp"
#include "store/sqlite.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

Snippet info(std::string title, std::string content, std::string path = "a.md") {
  Snippet s;
  s.kind = Snippet::Kind::info;
  s.title = title;
  s.breadcrumb = {title};
  s.content = std::move(content);
  s.source_path = std::move(path);
  s.anchor = heading_slug(title);
  return s;
}

LibraryInfo library(std::string id = "/acme/widgets") {
  LibraryInfo l;
  l.id = std::move(id);
  l.title = "Widgets";
  l.description = "Widgets for all";
  l.trust_score = 8;
  l.aliases = {"widgetsjs"};
  return l;
}

class DocIndexTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index{dir / "docs.db", clock};

  int64_t indexed(const std::string& tag, std::vector<Snippet> snippets) {
    auto row = index.begin_version(library(), tag, "/src");
    index.add_snippets(row, snippets);
    index.finalize_version(row, 80);
    return row;
  }
};

TEST_F(DocIndexTest, VersionBecomesVisibleOnlyWhenFinalized) {
  auto row = index.begin_version(library(), "", "/src");
  index.add_snippets(row, {info("Install", "run the installer")});
  auto during = index.library("/acme/widgets");
  ASSERT_TRUE(during);
  EXPECT_EQ(during->default_version(), nullptr);
  EXPECT_EQ(during->versions.front().state, "processing");
  int64_t generation = index.generation();
  index.finalize_version(row, 75.5);
  EXPECT_GT(index.generation(), generation);
  auto after = index.library("/acme/widgets");
  ASSERT_NE(after->default_version(), nullptr);
  EXPECT_EQ(after->default_version()->snippets, 1);
  EXPECT_EQ(after->default_version()->benchmark_score, 75.5);
  EXPECT_EQ(after->info.aliases, std::vector<std::string>{"widgetsjs"});
  EXPECT_EQ(after->info.trust_score, 8);
}

TEST_F(DocIndexTest, ReindexReplacesOldVersionAtomically) {
  auto old_row = indexed("", {info("Old", "old text about gadgets")});
  auto new_row = index.begin_version(library(), "", "/src");
  index.add_snippets(new_row, {info("New", "new text about gizmos")});
  // Until finalisation the old documentation answers.
  EXPECT_EQ(index.match(old_row, "\"gadgets\"", 10).size(), 1u);
  EXPECT_EQ(index.library("/acme/widgets")->default_version()->row, old_row);
  index.finalize_version(new_row, 0);
  EXPECT_TRUE(index.match(old_row, "\"gadgets\"", 10).empty());
  EXPECT_EQ(index.match(new_row, "\"gizmos\"", 10).size(), 1u);
  EXPECT_EQ(index.library("/acme/widgets")->versions.size(), 1u);
}

TEST_F(DocIndexTest, FailedReindexKeepsOldVersionServing) {
  auto old_row = indexed("", {info("Old", "old text about gadgets")});
  auto new_row = index.begin_version(library(), "", "/src");
  index.add_snippets(new_row, {info("Half", "half written")});
  index.fail_version(new_row, "disk full");
  auto record = index.library("/acme/widgets");
  ASSERT_EQ(record->versions.size(), 1u);
  EXPECT_EQ(record->default_version()->row, old_row);
  EXPECT_EQ(index.match(old_row, "\"gadgets\"", 10).size(), 1u);
}

TEST_F(DocIndexTest, FailedFirstIndexIsRecordedAsError) {
  auto row = index.begin_version(library(), "", "/src");
  index.fail_version(row, "no files");
  auto record = index.library("/acme/widgets");
  ASSERT_EQ(record->versions.size(), 1u);
  EXPECT_EQ(record->versions.front().state, "error");
  EXPECT_EQ(record->versions.front().error, "no files");
  EXPECT_EQ(record->default_version(), nullptr);
}

TEST_F(DocIndexTest, VersionsLiveSideBySideAndUntaggedIsDefault) {
  indexed("v1", {info("One", "version one")});
  clock.advance(std::chrono::seconds(5));
  indexed("v2", {info("Two", "version two")});
  auto record = index.library("/acme/widgets");
  EXPECT_EQ(record->tags(), (std::vector<std::string>{"v2", "v1"}));
  EXPECT_EQ(record->default_version()->tag, "v2");  // newest, as no untagged version exists
  EXPECT_EQ(record->version("latest")->tag, "v2");
  EXPECT_EQ(record->version("v1")->tag, "v1");
  EXPECT_EQ(record->version("v3"), nullptr);
  indexed("", {info("Head", "main branch")});
  EXPECT_EQ(index.library("/acme/widgets")->default_version()->tag, "");
}

TEST_F(DocIndexTest, RemoveLibraryOrOneVersion) {
  indexed("v1", {info("One", "version one")});
  indexed("v2", {info("Two", "version two")});
  EXPECT_TRUE(index.remove("/acme/widgets", std::string("v1")));
  EXPECT_EQ(index.library("/acme/widgets")->tags(), std::vector<std::string>{"v2"});
  EXPECT_FALSE(index.remove("/acme/widgets", std::string("v9")));
  EXPECT_TRUE(index.remove("/acme/widgets", std::nullopt));
  EXPECT_FALSE(index.library("/acme/widgets"));
  EXPECT_FALSE(index.remove("/acme/widgets", std::nullopt));
  EXPECT_TRUE(index.vocabulary().empty());
}

TEST_F(DocIndexTest, SnippetsRoundTripAndIdentifiersAreSearchableByParts) {
  Snippet code;
  code.kind = Snippet::Kind::code;
  code.title = "Read";
  code.breadcrumb = {"Files", "Read"};
  code.description = "Reads it";
  code.code = {{"js", "fs.readFileSync('x')"}, {"sh", "cat x"}};
  code.source_path = "fs.md";
  code.anchor = "read";
  auto row = indexed("", {code});
  auto hits = index.match(row, "\"file\" AND \"sync\"", 10);
  ASSERT_EQ(hits.size(), 1u);
  auto stored = index.snippets({hits[0].first});
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].snippet.code.size(), 2u);
  EXPECT_EQ(stored[0].snippet.code[1].language, "sh");
  EXPECT_EQ(stored[0].snippet.breadcrumb_text(), "Files > Read");
  EXPECT_TRUE(stored[0].snippet.is_code());
}

TEST_F(DocIndexTest, VocabularyCountsSnippetsPerWord) {
  indexed("", {info("Alpha", "gadget gadget"), info("Beta", "gadget widget")});
  auto vocabulary = index.vocabulary();
  std::map<std::string, int64_t> words(vocabulary.begin(), vocabulary.end());
  EXPECT_EQ(words["gadget"], 2);
  EXPECT_EQ(words["widget"], 1);
}

TEST_F(DocIndexTest, GroupRestrictionsPerTeamspace) {
  index.restrict_library(7, "/acme/widgets", "group-a");
  index.restrict_library(7, "/acme/widgets", "group-b");
  index.restrict_library(8, "/acme/other", "group-c");
  auto r = index.restrictions(7);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].second, (std::vector<std::string>{"group-a", "group-b"}));
  EXPECT_TRUE(index.restricted_to(7, "/acme/widgets", "group-b"));
  EXPECT_FALSE(index.restricted_to(7, "/acme/widgets", "group-c"));
  EXPECT_FALSE(index.restricted_to(8, "/acme/widgets", "group-a"));
  EXPECT_TRUE(index.unrestrict_library(7, "/acme/widgets", "group-a"));
  EXPECT_FALSE(index.unrestrict_library(7, "/acme/widgets", "group-a"));
  EXPECT_TRUE(index.restrictions(9).empty());
}

TEST(DocIndexLayout, AnIndexFromTheEarlierLayoutIsConvertedOnOpen) {
  testing::TempDir dir;
  testing::ManualClock clock;
  int64_t row = 0;
  {
    DocIndex index(dir / "docs.db", clock);
    row = index.begin_version(library(), "", "/src");
    index.add_snippets(row, {info("Gadgets", "all about gadgets")});
    index.finalize_version(row, 0);
  }
  {
    // What an index of layout 2 looks like: one table for every version, with a scope column.
    store::sqlite::Connection db(dir / "docs.db");
    db.execute("DROP TABLE snippets_fts_" + std::to_string(row) +
               "; DELETE FROM meta WHERE key = 'schema_version'; INSERT INTO meta VALUES ('fts_layout', 2);"
               "CREATE VIRTUAL TABLE snippets_fts USING fts5(title, headings, body, code, scope);"
               "INSERT INTO snippets_fts(rowid, title, headings, body, code, scope) SELECT id, title, '', content, '', "
               "'mcpgatescope' || version FROM snippets;");
  }
  DocIndex index(dir / "docs.db", clock);
  EXPECT_EQ(index.match(row, "\"gadgets\"", 10).size(), 1u);
  store::sqlite::Connection db(dir / "docs.db");
  store::sqlite::Statement version(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  ASSERT_TRUE(version.step());
  EXPECT_EQ(version.integer(0), index_schema::latest());
  store::sqlite::Statement shared(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'snippets_fts'");
  ASSERT_TRUE(shared.step());
  EXPECT_EQ(shared.integer(0), 0) << "the shared table of layout 2 is gone";
}

TEST(DocIndexLayout, VersionsCutByAnOlderSplitterAreMarkedOutdated) {
  testing::TempDir dir;
  testing::ManualClock clock;
  {
    DocIndex index(dir / "docs.db", clock);
    auto row = index.begin_version(library(), "", "/src");
    index.add_snippets(row, {info("Gadgets", "all about gadgets")});
    index.finalize_version(row, 0);
    EXPECT_FALSE(index.library("/acme/widgets")->versions.front().outdated());
  }
  {
    store::sqlite::Connection db(dir / "docs.db");
    db.execute("ALTER TABLE versions DROP COLUMN snippet_format; DELETE FROM meta WHERE key = 'schema_version'");
  }
  DocIndex index(dir / "docs.db", clock);
  EXPECT_TRUE(index.library("/acme/widgets")->versions.front().outdated()) << "indexed before the column existed";
}

TEST(DocIndexLayout, VersionsWithoutTheirOwnLinksGainTheColumn) {
  testing::TempDir dir;
  testing::ManualClock clock;
  { DocIndex index(dir / "docs.db", clock); }
  {
    store::sqlite::Connection db(dir / "docs.db");
    db.execute("ALTER TABLE versions DROP COLUMN source_url; DELETE FROM meta WHERE key = 'schema_version'");
  }
  DocIndex index(dir / "docs.db", clock);
  auto row = index.begin_version(library(), "v1", "/src", "https://git.example/blob/v1");
  index.add_snippets(row, {info("Gadgets", "all about gadgets")});
  index.finalize_version(row, 0);
  EXPECT_EQ(index.library("/acme/widgets")->version("v1")->source_url, "https://git.example/blob/v1");
}

TEST_F(DocIndexTest, APagesTitleWeighsLessThanAWordOfTheSectionItself) {
  // A module's name in a question is a prior, not a trump: every section of the Stream page sits
  // under "Stream", and that alone must not outrank a section that talks about streams.
  auto row = index.begin_version(library(), "", "/src");
  Snippet under_page = info("Piping", "Connect a source to a destination.");
  under_page.breadcrumb = {"Stream", "Piping"};
  Snippet about_it = info("Overview", "Everything here reads from a stream, one chunk at a time.");
  about_it.breadcrumb = {"Guide", "Overview"};
  index.add_snippets(row, {under_page, about_it});
  index.finalize_version(row, 0);
  auto matches = index.match(row, "\"stream\"", 10);
  ASSERT_EQ(matches.size(), 2u);
  auto first = index.snippets({matches.front().first});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first.front().snippet.title, "Overview");
}

TEST_F(DocIndexTest, MatchesStayWithinTheAskedVersion) {
  auto one = indexed("v1", {info("Shared", "gadgets in version one")});
  auto two = indexed("v2", {info("Shared", "gadgets in version two")});
  auto in_one = index.match(one, "\"gadgets\"", 10);
  ASSERT_EQ(in_one.size(), 1u);
  EXPECT_EQ(index.snippets({in_one[0].first})[0].snippet.content, "gadgets in version one");
  EXPECT_EQ(index.match(two, "\"gadgets\"", 10).size(), 1u);
  // The version's own scope token is not something a question can match.
  EXPECT_TRUE(index.match(one, "\"mcpgatescope" + std::to_string(one) + "\"", 10).empty());
}

}  // namespace
}  // namespace mcpgate::docs
