#include "docs/docs_service.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

Snippet note(std::string title, std::string text) {
  Snippet s;
  s.title = title;
  s.breadcrumb = {title};
  s.content = std::move(text);
  s.source_path = "a.md";
  return s;
}

class DocsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [id, tag, word] : {std::tuple{"/acme/public", "", "gadgets"}, std::tuple{"/acme/secret", "v1", "gizmos"},
                                 std::tuple{"/acme/secret", "v2", "gizmos"}}) {
      LibraryInfo info{id, std::string(id).substr(6), "about " + std::string(word), 5, "", {}, {}};
      auto row = index.begin_version(info, tag, "/src");
      index.add_snippets(row, {note("Intro", std::string("all about ") + word + " and more " + word)});
      index.finalize_version(row, 50);
    }
    index.restrict_library(7, "/acme/secret", "group-in");
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index{dir / "docs.db", clock};
  DocsService service{index};
};

TEST_F(DocsServiceTest, ContextForDefaultAndPinnedVersions) {
  auto latest = service.context("/acme/secret", "gizmos", 5000, Viewer{});
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->tag, "v2");
  auto pinned = service.context("/acme/secret@v1", "gizmos", 5000, Viewer{});
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->tag, "v1");
  EXPECT_FALSE(pinned->snippets.empty());
}

TEST_F(DocsServiceTest, FailuresCarryContext7Codes) {
  auto bad = service.context("acme", "x", 5000, Viewer{});
  EXPECT_EQ(bad.error().status, 400);
  EXPECT_EQ(bad.error().code, "invalid_library_id");
  auto missing = service.context("/acme/nothing", "x", 5000, Viewer{});
  EXPECT_EQ(missing.error().status, 404);
  EXPECT_EQ(missing.error().code, "library_not_found");
  auto tag = service.context("/acme/secret/v9", "gizmos", 5000, Viewer{});
  EXPECT_EQ(tag.error().code, "tag_not_found");
  EXPECT_NE(tag.error().message.find("v2, v1"), std::string::npos);
  auto none = service.context("/acme/public", "unrelated words entirely", 5000, Viewer{});
  EXPECT_EQ(none.error().code, "no_snippets_found");
}

TEST_F(DocsServiceTest, GroupRestrictedLibrariesAreHiddenFromOutsiders) {
  Viewer outsider{7, {"group-out"}};
  Viewer member{7, {"group-x", "group-in"}};
  Viewer other_teamspace{8, {}};
  auto hidden = service.resolve("secret", "", outsider);
  EXPECT_TRUE(hidden.libraries.empty());
  EXPECT_TRUE(hidden.filter_applied);
  EXPECT_EQ(service.context("/acme/secret", "gizmos", 5000, outsider).error().code, "library_not_found");
  auto seen = service.resolve("secret", "", member);
  ASSERT_EQ(seen.libraries.size(), 1u);
  EXPECT_FALSE(seen.filter_applied);
  EXPECT_TRUE(service.context("/acme/secret", "gizmos", 5000, member));
  EXPECT_EQ(service.resolve("secret", "", other_teamspace).libraries.size(), 1u);
}

TEST(DocsServiceLinks, EachVersionLinksToItsOwnFiles) {
  testing::TempDir dir;
  testing::ManualClock clock;
  DocIndex index(dir / "docs.db", clock);
  for (std::string tag : {"v1", "v2"}) {
    LibraryInfo info{"/acme/tool", "Tool", "", 5, "https://git.example/acme/tool/blob/" + tag, {}, {}};
    auto row = index.begin_version(info, tag, "/src", info.source_url);
    index.add_snippets(row, {note("Intro", "all about widgets in " + tag)});
    index.finalize_version(row, 0);
  }
  DocsService service(index);
  auto old = service.context("/acme/tool/v1", "widgets", 5000, Viewer{});
  ASSERT_TRUE(old);
  EXPECT_EQ(old->library.info.source_url, "https://git.example/acme/tool/blob/v1");
  auto latest = service.context("/acme/tool", "widgets", 5000, Viewer{});
  EXPECT_EQ(latest->library.info.source_url, "https://git.example/acme/tool/blob/v2");
}

}  // namespace
}  // namespace mcpgate::docs
