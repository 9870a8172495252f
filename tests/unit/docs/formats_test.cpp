#include "docs/formats.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {
namespace json = boost::json;

LibraryRecord record(double trust = 9, double bench = 91.5, std::vector<std::string> tags = {"v15.1.8", "v14.3.0"}) {
  LibraryRecord r;
  r.info = LibraryInfo{"/vercel/next.js", "Next.js", "The React Framework", trust, "", {}, {"Use the app router"}};
  for (auto& tag : tags) {
    VersionInfo v;
    v.tag = tag;
    v.state = "finalized";
    v.snippets = 3200;
    v.tokens = 600000;
    v.benchmark_score = bench;
    v.updated = SysTime(std::chrono::milliseconds(1736937000123));
    r.versions.push_back(v);
  }
  return r;
}

ScoredSnippet code_snippet() {
  ScoredSnippet s;
  auto& sn = s.stored.snippet;
  sn.kind = Snippet::Kind::code;
  sn.title = "Middleware";
  sn.breadcrumb = {"Routing", "Middleware"};
  sn.description = "Use middleware to run code before a request completes.";
  sn.code = {{"ts", "export function middleware() {}"}, {"js", "module.exports = {}"}};
  sn.source_path = "docs/middleware.mdx";
  sn.anchor = "middleware";
  return s;
}

ScoredSnippet info_snippet() {
  ScoredSnippet s;
  auto& sn = s.stored.snippet;
  sn.kind = Snippet::Kind::info;
  sn.title = "Middleware";
  sn.breadcrumb = {"Routing", "Middleware"};
  sn.content = "Middleware allows you to run code.";
  sn.source_path = "docs/middleware.mdx";
  sn.anchor = "middleware";
  return s;
}

TEST(Formats, SourceReputationThresholds) {
  EXPECT_EQ(source_reputation(10), "High");
  EXPECT_EQ(source_reputation(7), "High");
  EXPECT_EQ(source_reputation(6.9), "Medium");
  EXPECT_EQ(source_reputation(4), "Medium");
  EXPECT_EQ(source_reputation(0), "Low");
  EXPECT_EQ(source_reputation(-1), "Unknown");
}

TEST(Formats, ResolveTextAsContext7PrintsIt) {
  auto a = record();
  auto b = record(-1, 0, {});
  b.info.id = "/other/next";
  b.info.source_url = "https://git.example/other/next";
  EXPECT_EQ(resolve_text({&a, &b}, false),
            "Available Libraries:\n\n"
            "- Title: Next.js\n- Context7-compatible library ID: /vercel/next.js\n- Description: The React Framework\n"
            "- Code Snippets: 3200\n- Source Reputation: High\n- Benchmark Score: 91.5\n"
            "- Versions: v15.1.8, v14.3.0\n- Source: Local (Private)"
            "\n----------\n"
            "- Title: Next.js\n- Context7-compatible library ID: /other/next\n- Description: The React Framework\n"
            "- Source Reputation: Unknown\n- Source: https://git.example/other/next");
  EXPECT_EQ(resolve_text({}, false), "No libraries found matching the provided name.");
  EXPECT_EQ(resolve_text({&a}, true)
                .rfind("**Note:** Your results only include libraries matching your teamspace's "
                       "library filters",
                       0),
            0u);
}

TEST(Formats, LibraryJsonFields) {
  auto j = library_json(record());
  EXPECT_EQ(j.at("id").as_string(), "/vercel/next.js");
  EXPECT_EQ(j.at("state").as_string(), "finalized");
  EXPECT_EQ(j.at("totalSnippets").as_int64(), 3200);
  EXPECT_EQ(j.at("trustScore").as_int64(), 9);
  EXPECT_EQ(j.at("benchmarkScore").as_double(), 91.5);
  EXPECT_EQ(j.at("lastUpdateDate").as_string(), "2025-01-15T10:30:00.123Z");
  EXPECT_EQ(j.at("versions").as_array().size(), 2u);
  EXPECT_EQ(j.at("source").as_string(), "Local (Private)");
  EXPECT_FALSE(library_json(record(-1)).contains("trustScore"));
}

TEST(Formats, ContextTextMarkdownWith32DashSeparators) {
  LibraryInfo info{"/vercel/next.js", "Next.js", "", 9, "https://github.com/vercel/next.js/blob/canary", {}, {}};
  EXPECT_EQ(
      context_text(info, {code_snippet(), info_snippet()}),
      "### Middleware\n\nSource: https://github.com/vercel/next.js/blob/canary/docs/middleware.mdx#middleware\n\n"
      "Use middleware to run code before a request completes.\n\n"
      "```ts\nexport function middleware() {}\n```\n\n```js\nmodule.exports = {}\n```"
      "\n\n--------------------------------\n\n"
      "### Routing > Middleware\n\nSource: https://github.com/vercel/next.js/blob/canary/docs/middleware.mdx#middleware"
      "\n\nMiddleware allows you to run code.");
}

TEST(Formats, ContextJsonShape) {
  LibraryInfo info{"/vercel/next.js", "Next.js", "", 9, "", {}, {"Use the app router"}};
  auto j = context_json(info, {code_snippet(), info_snippet()});
  auto& code = j.at("codeSnippets").as_array().at(0).as_object();
  EXPECT_EQ(code.at("codeTitle").as_string(), "Middleware");
  EXPECT_EQ(code.at("codeLanguage").as_string(), "ts");
  EXPECT_EQ(code.at("codeId").as_string(), "docs/middleware.mdx#middleware");
  EXPECT_EQ(code.at("pageTitle").as_string(), "Routing");
  EXPECT_EQ(code.at("codeList").as_array().size(), 2u);
  auto& info_json = j.at("infoSnippets").as_array().at(0).as_object();
  EXPECT_EQ(info_json.at("breadcrumb").as_string(), "Routing > Middleware");
  EXPECT_EQ(info_json.at("contentTokens").as_int64(), approximate_tokens("Middleware allows you to run code."));
  EXPECT_EQ(j.at("rules").at("libraryOwn").as_array().at(0).as_string(), "Use the app router");
}

}  // namespace
}  // namespace mcpgate::docs
