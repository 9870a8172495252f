#include "docs/converters.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(RstToMarkdown, TitlesInOrderOfFirstAdornment) {
  auto md = rst_to_markdown("=====\nTitle\n=====\n\nSection\n-------\n\nSub\n~~~\n\nOther\n-------\n");
  EXPECT_NE(md.find("# Title\n"), std::string::npos);
  EXPECT_NE(md.find("## Section\n"), std::string::npos);
  EXPECT_NE(md.find("### Sub\n"), std::string::npos);
  EXPECT_NE(md.find("## Other\n"), std::string::npos);
}

TEST(RstToMarkdown, CodeBlocksAndLiteralBlocksBecomeFences) {
  auto md = rst_to_markdown(
      "Usage\n=====\n\n.. code-block:: python\n   :linenos:\n\n   import x\n   x.run()\n\n"
      "Example::\n\n    $ make\n\nAfter.\n");
  EXPECT_NE(md.find("```python\nimport x\nx.run()\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("Example:\n\n```\n$ make\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("After."), std::string::npos);
}

TEST(RstToMarkdown, InlineMarkupAndDirectives) {
  auto md = rst_to_markdown(
      "Use ``run()`` and :func:`helper`.\n\n.. note:: Mind the gap.\n\n.. toctree::\n   :maxdepth: 2\n\n"
      "   intro\n\nEnd.\n");
  EXPECT_NE(md.find("Use `run()` and `helper`."), std::string::npos) << md;
  EXPECT_NE(md.find("**Note:** Mind the gap."), std::string::npos);
  EXPECT_EQ(md.find("maxdepth"), std::string::npos);
  EXPECT_EQ(md.find("intro"), std::string::npos);
  EXPECT_NE(md.find("End."), std::string::npos);
}

TEST(NotebookToMarkdown, MarkdownAndCodeCellsInKernelLanguage) {
  auto md = notebook_to_markdown(R"J({"cells":[{"cell_type":"markdown","source":["# Intro\n","Text"]},
    {"cell_type":"code","source":"print(1)","outputs":[]},{"cell_type":"raw","source":"skip"}],
    "metadata":{"language_info":{"name":"julia"}}})J");
  ASSERT_TRUE(md);
  EXPECT_NE(md->find("# Intro\nText"), std::string::npos);
  EXPECT_NE(md->find("```julia\nprint(1)\n```"), std::string::npos);
  EXPECT_EQ(md->find("skip"), std::string::npos);
}

TEST(NotebookToMarkdown, MalformedNotebooksAreNamedErrors) {
  EXPECT_NE(notebook_to_markdown("{not json").error().message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(notebook_to_markdown("[1,2]").error().message.find("JSON object"), std::string::npos);
  EXPECT_NE(notebook_to_markdown("{\"nbformat\":4}").error().message.find("cells"), std::string::npos);
}

TEST(HtmlToMarkdown, HeadingsPreParagraphsAndEntities) {
  auto md = html_to_markdown(
      "<html><head><style>p{}</style><script>var x;</script></head><body><nav>menu</nav>"
      "<h2>Install &amp; run</h2><p>Use <code>npm</code>&nbsp;to install.</p>"
      "<pre><code>npm i x &lt;y&gt;</code></pre><ul><li>one</li></ul></body></html>");
  EXPECT_NE(md.find("## Install & run"), std::string::npos) << md;
  EXPECT_NE(md.find("Use `npm` to install."), std::string::npos) << md;
  EXPECT_NE(md.find("```\nnpm i x <y>\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("- one"), std::string::npos);
  EXPECT_EQ(md.find("menu"), std::string::npos);
  EXPECT_EQ(md.find("var x"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::docs
