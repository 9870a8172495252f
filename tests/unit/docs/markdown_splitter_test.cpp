#include "docs/markdown_splitter.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

std::vector<Snippet> split(std::string_view text, bool mdx = false) {
  SplitOptions options;
  options.source_path = "docs/page.md";
  options.mdx = mdx;
  return split_markdown(text, options);
}

std::vector<const Snippet*> of_kind(const std::vector<Snippet>& all, Snippet::Kind kind) {
  std::vector<const Snippet*> out;
  for (auto& s : all)
    if (s.kind == kind) out.push_back(&s);
  return out;
}

TEST(MarkdownSplitter, CodeSnippetTakesNearestHeadingAndIntroducingProse) {
  auto snippets = split(
      "# Guide\n\nIntro paragraph that is long enough to be an info snippet on its own.\n\n"
      "## Reading files\n\nUse readFile to read a whole file at once.\n\n```js\nfs.readFile('a', cb)\n```\n");
  auto code = of_kind(snippets, Snippet::Kind::code);
  ASSERT_EQ(code.size(), 1u);
  EXPECT_EQ(code[0]->title, "Reading files");
  EXPECT_EQ(code[0]->description, "Use readFile to read a whole file at once.");
  ASSERT_EQ(code[0]->code.size(), 1u);
  EXPECT_EQ(code[0]->code[0].language, "js");
  EXPECT_EQ(code[0]->code[0].code, "fs.readFile('a', cb)");
  EXPECT_EQ(code[0]->breadcrumb, (std::vector<std::string>{"Guide", "Reading files"}));
  EXPECT_EQ(code[0]->anchor, "reading-files");
  EXPECT_EQ(code[0]->source_path, "docs/page.md");
}

TEST(MarkdownSplitter, InfoSnippetCarriesBreadcrumbAndProseOnly) {
  auto snippets =
      split("# A\n\n## B\n\nSome prose explaining the concept in enough words to count.\n\n```sh\nls\n```\n");
  auto info = of_kind(snippets, Snippet::Kind::info);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0]->breadcrumb_text(), "A > B");
  EXPECT_EQ(info[0]->content, "Some prose explaining the concept in enough words to count.");
}

TEST(MarkdownSplitter, FenceLengthAndTildesAreRespected) {
  auto snippets =
      split("# T\n\n````md\n```js\nnot a fence end\n```\n````\n\n~~~python {.numberLines}\nprint(1)\n~~~\n");
  auto code = of_kind(snippets, Snippet::Kind::code);
  ASSERT_EQ(code.size(), 1u);  // consecutive blocks join into one snippet
  ASSERT_EQ(code[0]->code.size(), 2u);
  EXPECT_EQ(code[0]->code[0].language, "md");
  EXPECT_EQ(code[0]->code[0].code, "```js\nnot a fence end\n```");
  EXPECT_EQ(code[0]->code[1].language, "python");
}

TEST(MarkdownSplitter, HeadingsInsideFencesAreCode) {
  auto snippets = split("# Real\n\n```bash\n# a shell comment\necho hi\n```\n");
  for (auto& s : snippets) EXPECT_EQ(s.breadcrumb, std::vector<std::string>{"Real"});
}

TEST(MarkdownSplitter, UnclosedFenceRunsToTheEnd) {
  auto snippets = split("# T\n\n```js\nconst a = 1;\n");
  auto code = of_kind(snippets, Snippet::Kind::code);
  ASSERT_EQ(code.size(), 1u);
  EXPECT_EQ(code[0]->code[0].code, "const a = 1;");
}

TEST(MarkdownSplitter, SetextHeadingsAndThematicBreaks) {
  auto snippets = split(
      "Title\n=====\n\nFirst paragraph with enough words in it to be kept.\n\nSub\n---\n\n"
      "Second paragraph with enough words in it to be kept too.\n\n---\n\nThird paragraph "
      "after a break, still under the sub heading.\n");
  auto info = of_kind(snippets, Snippet::Kind::info);
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0]->breadcrumb_text(), "Title");
  EXPECT_EQ(info[1]->breadcrumb_text(), "Title > Sub");
  EXPECT_NE(info[1]->content.find("Third paragraph"), std::string::npos);
}

TEST(MarkdownSplitter, FrontMatterTitleLeadsTheBreadcrumbAndIsNotContent) {
  auto snippets = split(
      "---\ntitle: \"Routing\"\nsidebar: 2\n---\n\n## Middleware\n\nMiddleware runs before a "
      "request is completed, for every matching route.\n");
  ASSERT_EQ(snippets.size(), 1u);
  EXPECT_EQ(snippets[0].breadcrumb_text(), "Routing > Middleware");
  EXPECT_EQ(snippets[0].content.find("sidebar"), std::string::npos);
}

TEST(MarkdownSplitter, MdxImportsExportsAndJsxLinesAreDropped) {
  auto snippets = split(
      "import Tabs from '@theme/Tabs';\nexport const meta = {};\n\n# Install\n\n<Tabs>\n<TabItem "
      "value=\"npm\">\n\nInstall the package with your package manager of choice today.\n\n```sh\nnpm i x\n"
      "```\n\n</TabItem>\n</Tabs>\n",
      true);
  for (auto& s : snippets) {
    EXPECT_EQ(s.content.find("import Tabs"), std::string::npos);
    EXPECT_EQ(s.content.find("<Tab"), std::string::npos);
    EXPECT_EQ(s.description.find("<Tab"), std::string::npos);
  }
  EXPECT_EQ(of_kind(snippets, Snippet::Kind::code).size(), 1u);
}

TEST(MarkdownSplitter, CommentsBadgesAndLayoutTagsAreNotProse) {
  auto snippets = split(
      "# Lib\n\n[![npm](https://img/badge.svg)](https://npm)\n<div align=\"center\">\n<!-- a\nmulti-line "
      "comment -->\nThe library does one thing and does it well, quickly.\n</div>\n");
  ASSERT_EQ(snippets.size(), 1u);
  EXPECT_EQ(snippets[0].content, "The library does one thing and does it well, quickly.");
}

TEST(MarkdownSplitter, DuplicateHeadingsGetNumberedAnchorsAndCustomIdsWin) {
  auto snippets = split(
      "# A\n\n## Options\n\nThe first options section explains something useful.\n\n## Options\n\nThe "
      "second options section explains something else useful.\n\n## Custom {#my-id}\n\nA section with "
      "a custom identifier and enough text.\n");
  ASSERT_EQ(snippets.size(), 3u);
  EXPECT_EQ(snippets[0].anchor, "options");
  EXPECT_EQ(snippets[1].anchor, "options-1");
  EXPECT_EQ(snippets[2].anchor, "my-id");
  EXPECT_EQ(snippets[2].title, "Custom");
}

TEST(MarkdownSplitter, SignatureHeadingsKeepTheirBracketsAndGitHubsAnchor) {
  auto snippets = split(
      "# HTTPS\n\n### `https.createServer([options][, requestListener])`\n\nReturns a new HTTPS web server "
      "object, listening once listen() is called.\n");
  ASSERT_EQ(snippets.size(), 1u);
  EXPECT_EQ(snippets[0].title, "https.createServer([options][, requestListener])");
  // As github.com renders the file: punctuation dropped, spaces to hyphens.
  EXPECT_EQ(snippets[0].anchor, "httpscreateserveroptions-requestlistener");
}

TEST(MarkdownSplitter, LongProseIsCutAtParagraphsWithinTheBudget) {
  std::string text = "# Long\n\n";
  for (int i = 0; i < 40; ++i) text += "Paragraph " + std::to_string(i) + " " + std::string(200, 'x') + "\n\n";
  SplitOptions options;
  options.source_path = "a.md";
  options.max_info_tokens = 200;
  auto snippets = split_markdown(text, options);
  ASSERT_GT(snippets.size(), 5u);
  for (auto& s : snippets) EXPECT_LE(approximate_tokens(s.content), 200);
}

TEST(MarkdownSplitter, FileWithoutHeadingsIsNamedByFallbackTitle) {
  SplitOptions options;
  options.source_path = "notes/quick-start.md";
  options.fallback_title = "quick start";
  auto snippets = split_markdown("Just prose, no heading at all, but long enough to keep.\n", options);
  ASSERT_EQ(snippets.size(), 1u);
  EXPECT_EQ(snippets[0].title, "quick start");
}

TEST(MarkdownSplitter, EmptyAndHeadingOnlyInputGiveNothing) {
  EXPECT_TRUE(split("").empty());
  EXPECT_TRUE(split("# Only\n## Headings\n").empty());
  EXPECT_TRUE(split("\xEF\xBB\xBF\r\n\r\n").empty());
}

TEST(MarkdownSplitter, DeterministicOutput) {
  std::string text =
      "# A\n\nIntro text long enough to become a snippet here.\n\n```js\nx()\n```\n\n## B\n\n```\ny\n```\n";
  auto a = split(text), b = split(text);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].title, b[i].title);
    EXPECT_EQ(a[i].anchor, b[i].anchor);
  }
}

TEST(PlainHeading, StripsMarkupKeepsText) {
  EXPECT_EQ(plain_heading("`fs.readFile(path[, options], callback)`"), "fs.readFile(path[, options], callback)");
  EXPECT_EQ(plain_heading("Using [Express](https://expressjs.com) **fast** ##"), "Using Express fast");
  EXPECT_EQ(plain_heading("Event: <code>'close'</code>"), "Event: 'close'");
  EXPECT_EQ(plain_heading("register(plugin: [FastifyPlugin][FastifyPlugin])"), "register(plugin: FastifyPlugin)");
  EXPECT_EQ(plain_heading("buf[index]"), "buf[index]");
  // Brackets inside a code span are no link: the signature is kept whole.
  EXPECT_EQ(plain_heading("`https.createServer([options][, requestListener])`"),
            "https.createServer([options][, requestListener])");
  EXPECT_EQ(plain_heading("`fs.createReadStream(path[, options])` and [docs][ref]"),
            "fs.createReadStream(path[, options]) and docs");
  EXPECT_EQ(plain_heading("``a ` b`` c"), "a ` b c");
  EXPECT_EQ(plain_heading("`unclosed [x][y]"), "unclosed x");
  EXPECT_EQ(plain_heading("dotenv [![NPM version](https://img/v.svg)](https://npm) ![x](y.png)"), "dotenv");
  std::string anchor;
  EXPECT_EQ(plain_heading("Setup {#setup-id}", &anchor), "Setup");
  EXPECT_EQ(anchor, "setup-id");
}

}  // namespace
}  // namespace mcpgate::docs
