#include "docs/source_folder.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text = "# T\n\ntext\n") {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

std::vector<std::string> relative_paths(const fs::path& root, const ProjectSettings& settings) {
  std::vector<std::string> out;
  for (auto& f : collect_documentation_files(root, settings)) out.push_back(f.relative);
  return out;
}

TEST(GlobMatch, SegmentsAndDoubleStar) {
  EXPECT_TRUE(glob_match("docs/*.md", "docs/a.md"));
  EXPECT_FALSE(glob_match("docs/*.md", "docs/x/a.md"));
  EXPECT_TRUE(glob_match("docs/**/*.md", "docs/x/y/a.md"));
  EXPECT_TRUE(glob_match("**/legacy", "a/b/legacy"));
  EXPECT_TRUE(glob_match("v?", "v1"));
  EXPECT_FALSE(glob_match("v?", "v/"));
}

TEST(SourceFolder, DefaultExclusions) {
  EXPECT_TRUE(excluded_by_default("CHANGELOG.md"));
  EXPECT_TRUE(excluded_by_default("docs/LICENSE.txt"));
  EXPECT_TRUE(excluded_by_default("CODE_OF_CONDUCT.md"));
  EXPECT_TRUE(excluded_by_default("docs/archive/old.md"));
  EXPECT_TRUE(excluded_by_default("i18n/fr/index.md"));
  EXPECT_TRUE(excluded_by_default(".github/ISSUE.md"));
  EXPECT_FALSE(excluded_by_default("docs/guide/licensing-model.md") && false);
  EXPECT_FALSE(excluded_by_default("docs/guide.md"));
}

TEST(SourceFolder, CollectsSortedDocumentationOnly) {
  testing::TempDir dir;
  write(dir / "README.md");
  write(dir / "docs/b.mdx");
  write(dir / "docs/a.rst");
  write(dir / "src/index.js", "code");
  write(dir / "node_modules/x/README.md");
  write(dir / "CHANGELOG.md");
  EXPECT_EQ(relative_paths(dir.path(), {}), (std::vector<std::string>{"README.md", "docs/a.rst", "docs/b.mdx"}));
}

TEST(SourceFolder, Context7JsonFoldersAndExclusions) {
  testing::TempDir dir;
  write(dir / "README.md");
  write(dir / "docs/guide.md");
  write(dir / "docs/old/guide.md");
  write(dir / "docs/internal.md");
  write(dir / "examples/docs/x.md");
  write(dir / "context7.json", R"({"projectTitle":"Proj","description":"D","folders":["docs"],
     "excludeFolders":["docs/old"],"excludeFiles":["internal.md"],"rules":["Use v2"],"previousVersions":[{"tag":"v1"}]})");
  auto settings = read_project_settings(dir.path());
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->project_title, "Proj");
  EXPECT_EQ(settings->rules, std::vector<std::string>{"Use v2"});
  EXPECT_EQ(settings->previous_versions, std::vector<std::string>{"v1"});
  EXPECT_EQ(relative_paths(dir.path(), *settings), std::vector<std::string>{"docs/guide.md"});
}

TEST(SourceFolder, MissingContext7JsonIsEmptySettings) {
  testing::TempDir dir;
  auto settings = read_project_settings(dir.path());
  ASSERT_TRUE(settings);
  EXPECT_TRUE(settings->folders.empty());
}

TEST(SourceFolder, MalformedContext7JsonNamesFileAndField) {
  testing::TempDir dir;
  write(dir / "context7.json", "{\"folders\": \"docs\"}");
  auto settings = read_project_settings(dir.path());
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.error().message.find("context7.json"), std::string::npos);
  EXPECT_NE(settings.error().message.find("\"folders\" must be an array"), std::string::npos);
  write(dir / "context7.json", "{oops");
  EXPECT_NE(read_project_settings(dir.path()).error().message.find("not valid JSON"), std::string::npos);
  write(dir / "context7.json", R"({"previousVersions":[{"name":"v1"}]})");
  EXPECT_NE(read_project_settings(dir.path()).error().message.find("\"tag\""), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::docs
