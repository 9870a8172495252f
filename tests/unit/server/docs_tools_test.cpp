#include "server/docs_tools.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::server {
namespace {
namespace json = boost::json;

class DocsToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docs::LibraryInfo info{"/acme/widgets", "Widgets", "Dashboards", 8, "", {}, {}};
    auto row = index.begin_version(info, "v1.0.0", "/src");
    docs::Snippet s;
    s.kind = docs::Snippet::Kind::code;
    s.title = "Rendering";
    s.breadcrumb = {"Widgets", "Rendering"};
    s.description = "Render a chart.";
    s.code = {{"js", "render()"}};
    s.source_path = "README.md";
    s.anchor = "rendering";
    index.add_snippets(row, {s});
    index.finalize_version(row, 90);
    install_docs_tools(tools, service, limiter, DocsToolOptions{});
  }

  std::pair<std::string, bool> call(const std::string& name, const json::object& args, mcp::CallContext context = {}) {
    auto result = tools.call(name, args, context);
    EXPECT_TRUE(result);
    auto j = result->to_json();
    return {std::string(j.at("content").at(0).at("text").as_string()),
            j.contains("isError") && j.at("isError").as_bool()};
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  docs::DocIndex index{dir / "docs.db", clock};
  docs::DocsService service{index};
  http::RateLimiter limiter{3, std::chrono::seconds(60), clock};
  mcp::ToolRegistry tools;
};

TEST_F(DocsToolsTest, ListedWithContext7NamesTitlesSchemasAnnotations) {
  auto list = tools.list();
  ASSERT_EQ(list.size(), 3u);
  auto& resolve = list.at(0).as_object();
  EXPECT_EQ(resolve.at("name").as_string(), "resolve-library-id");
  EXPECT_EQ(resolve.at("title").as_string(), "Resolve Context7 Library ID");
  EXPECT_EQ(resolve.at("inputSchema").at("required"), (json::array{"query", "libraryName"}));
  EXPECT_EQ(resolve.at("annotations").at("readOnlyHint"), true);
  EXPECT_EQ(resolve.at("annotations").at("openWorldHint"), true);
  auto& query = list.at(1).as_object();
  EXPECT_EQ(query.at("name").as_string(), "query-docs");
  EXPECT_EQ(query.at("title").as_string(), "Query Documentation");
  EXPECT_EQ(query.at("inputSchema").at("required"), (json::array{"libraryId", "query"}));
  EXPECT_EQ(list.at(2).at("name").as_string(), "get-library-docs");
}

TEST_F(DocsToolsTest, AliasesFillOnlyMissingCanonicalKeys) {
  auto [text, error] = call("query-docs", {{"libraryID", "/acme/widgets"}, {"userQuery", "render"}});
  EXPECT_FALSE(error) << text;
  EXPECT_EQ(text.rfind("### Rendering", 0), 0u);
  auto [canonical, canonical_error] =
      call("query-docs", {{"libraryId", "/acme/widgets"}, {"libraryName", "/acme/nothing"}, {"query", "render"}});
  EXPECT_FALSE(canonical_error) << canonical;
}

TEST_F(DocsToolsTest, ValidationErrorsInZodWording) {
  auto [text, error] = call("resolve-library-id", {{"query", 3}});
  EXPECT_TRUE(error);
  EXPECT_EQ(
      text,
      "Input validation error: Invalid arguments for tool resolve-library-id: query: Invalid input: expected string, "
      "received number; libraryName: Invalid input: expected string, received undefined");
  auto [tokens, tokens_error] =
      call("get-library-docs", {{"context7CompatibleLibraryID", "/acme/widgets"}, {"tokens", "many"}});
  EXPECT_TRUE(tokens_error);
  EXPECT_NE(tokens.find("tokens: Invalid input: expected number, received string"), std::string::npos);
}

TEST_F(DocsToolsTest, ResolveAndNotFoundTexts) {
  auto [found, found_error] = call("resolve-library-id", {{"libraryName", "widgets"}, {"query", "charts"}});
  EXPECT_FALSE(found_error);
  EXPECT_NE(found.find("- Context7-compatible library ID: /acme/widgets\n"), std::string::npos);
  EXPECT_NE(found.find("- Versions: v1.0.0"), std::string::npos);
  auto [none, none_error] = call("resolve-library-id", {{"libraryName", "zzzz"}, {"query", "x"}});
  EXPECT_EQ(none, "No libraries found matching the provided name.");
  auto [empty, empty_error] = call("query-docs", {{"libraryId", "/acme/widgets"}, {"query", "unrelated"}});
  EXPECT_FALSE(empty_error);
  EXPECT_NE(empty.find("resolve-library-id"), std::string::npos);
}

TEST_F(DocsToolsTest, RateLimitedPerUser) {
  mcp::CallContext alice{1, "alice", "tenant", "oid-a", {}};
  mcp::CallContext bob{1, "bob", "tenant", "oid-b", {}};
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(call("resolve-library-id", {{"libraryName", "widgets"}, {"query", "x"}}, alice).second);
  auto [text, error] = call("resolve-library-id", {{"libraryName", "widgets"}, {"query", "x"}}, alice);
  EXPECT_TRUE(error);
  EXPECT_EQ(text.rfind("Rate limited or quota exceeded.", 0), 0u);
  EXPECT_FALSE(call("resolve-library-id", {{"libraryName", "widgets"}, {"query", "x"}}, bob).second);
  EXPECT_NE(rate_key(alice), rate_key(bob));
}

}  // namespace
}  // namespace mcpgate::server
