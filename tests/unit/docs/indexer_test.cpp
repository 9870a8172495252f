#include "docs/indexer.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class IndexerTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index{dir / "docs.db", clock};
  fs::path source = dir / "src";

  void SetUp() override {
    write(source / "README.md",
          "# Gizmo\n\nGizmo builds widgets from gadgets, quickly and safely.\n\n## Install\n\n"
          "Install it with npm before anything else.\n\n```sh\nnpm install gizmo\n```\n");
    write(source / "docs/usage.md",
          "# Usage\n\n## Start\n\nStart the gizmo engine with default options.\n\n```js\n"
          "gizmo.start()\n```\n\n## Copy\n\nInstall it with npm before anything else.\n\n"
          "```sh\nnpm   install gizmo\n```\n");
    write(source / "docs/broken.ipynb", "{ not json");
    write(source / "CHANGELOG.md", "# 1.0\n\nEverything changed in this release, believe it.\n");
  }
};

TEST_F(IndexerTest, IndexesFolderDropsDuplicatesAndReportsSkippedFiles) {
  IndexRequest request;
  request.folder = source;
  request.id = "/acme/gizmo";
  request.tag = "v1.0.0";
  std::vector<IndexProgress> progress;
  auto report = index_folder(index, request, [&](const IndexProgress& p) { progress.push_back(p); });
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->files, 2u);
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_EQ(report->skipped[0].first, "docs/broken.ipynb");
  EXPECT_GE(report->duplicates, 2u);  // the repeated install prose and code
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress.back().files_done, 3u);
  EXPECT_EQ(progress.back().files_total, 3u);
  auto record = index.library("/acme/gizmo");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->info.title, "Gizmo");  // the README's first heading
  EXPECT_EQ(record->info.description, "Gizmo builds widgets from gadgets, quickly and safely.");
  EXPECT_EQ(record->info.trust_score, 5);
  EXPECT_EQ(record->tags(), std::vector<std::string>{"v1.0.0"});
  EXPECT_EQ(record->default_version()->snippets, int64_t(report->snippets));
  EXPECT_GT(report->benchmark_score, 0);
}

TEST_F(IndexerTest, Context7JsonNamesTheProject) {
  write(source / "context7.json",
        R"J({"projectTitle":"Gizmo Kit","description":"Widgets","rules":["Prefer start()"]})J");
  IndexRequest request{source, "/acme/gizmo"};
  ASSERT_TRUE(index_folder(index, request));
  auto record = index.library("/acme/gizmo");
  EXPECT_EQ(record->info.title, "Gizmo Kit");
  EXPECT_EQ(record->info.description, "Widgets");
  EXPECT_EQ(record->info.rules, std::vector<std::string>{"Prefer start()"});
}

TEST_F(IndexerTest, BadRequestsAreExplained) {
  IndexRequest request{dir / "missing", "/acme/gizmo"};
  EXPECT_NE(index_folder(index, request).error().message.find("is not a folder"), std::string::npos);
  request = IndexRequest{source, "acme/gizmo"};
  EXPECT_NE(index_folder(index, request).error().message.find("/owner/project"), std::string::npos);
  fs::create_directories(dir / "empty");
  request = IndexRequest{dir / "empty", "/acme/empty"};
  EXPECT_NE(index_folder(index, request).error().message.find("no documentation files"), std::string::npos);
  write(source / "context7.json", "[]");
  request = IndexRequest{source, "/acme/gizmo"};
  EXPECT_NE(index_folder(index, request).error().message.find("context7.json"), std::string::npos);
}

TEST_F(IndexerTest, ReindexingReplacesTheVersion) {
  IndexRequest request{source, "/acme/gizmo"};
  ASSERT_TRUE(index_folder(index, request));
  write(source / "docs/new.md", "# New\n\nA brand new page about sprockets and cogs.\n");
  auto again = index_folder(index, request);
  ASSERT_TRUE(again);
  auto record = index.library("/acme/gizmo");
  ASSERT_EQ(record->versions.size(), 1u);
  EXPECT_EQ(record->default_version()->row, again->version_row);
  EXPECT_EQ(index.match(again->version_row, "\"sprockets\"", 5).size(), 1u);
}

TEST_F(IndexerTest, FolderThatGivesNoSnippetsFailsWithoutReplacingTheOld) {
  IndexRequest request{source, "/acme/gizmo"};
  auto first = index_folder(index, request);
  ASSERT_TRUE(first);
  fs::path blank = dir / "blank";
  write(blank / "README.md", "# Only a heading\n");
  auto failed = index_folder(index, IndexRequest{blank, "/acme/gizmo"});
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("no snippets"), std::string::npos);
  EXPECT_EQ(index.library("/acme/gizmo")->default_version()->row, first->version_row);
}

}  // namespace
}  // namespace mcpgate::docs
