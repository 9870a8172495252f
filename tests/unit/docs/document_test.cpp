#include "docs/document.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(Document, FormatsByExtension) {
  for (auto name : {"a.md", "b.MDX", "c.markdown", "d.rst", "e.txt", "f.ipynb", "g.html", "h.htm"})
    EXPECT_TRUE(is_documentation_file(name)) << name;
  for (auto name : {"a.js", "README", "x.md.bak", "dir.md/file.cpp"}) EXPECT_FALSE(is_documentation_file(name)) << name;
}

TEST(Document, PlainTextHasNoMarkup) {
  auto snippets =
      split_document("guides/read-me.txt", "# not a heading, just text that is long enough\n\nmore text here\n");
  ASSERT_TRUE(snippets);
  ASSERT_EQ(snippets->size(), 1u);
  EXPECT_EQ((*snippets)[0].breadcrumb_text(), "read me");
  EXPECT_NE((*snippets)[0].content.find("# not a heading"), std::string::npos);
}

TEST(Document, NotebookTitledByFileName) {
  auto snippets = split_document("nb/getting_started.ipynb",
                                 R"({"cells":[{"cell_type":"code","source":"import x"}],"metadata":{}})");
  ASSERT_TRUE(snippets);
  ASSERT_EQ(snippets->size(), 1u);
  EXPECT_EQ((*snippets)[0].title, "getting started");
  EXPECT_EQ((*snippets)[0].code[0].language, "python");
}

TEST(Document, BrokenFilesAreErrorsNotCrashes) {
  EXPECT_FALSE(split_document("x.ipynb", "{"));
  auto binary = split_document("x.md", std::string("abc\0def", 7));
  ASSERT_FALSE(binary);
  EXPECT_NE(binary.error().message.find("binary"), std::string::npos);
  EXPECT_FALSE(split_document("x.cpp", "int main(){}"));
}

TEST(Document, RstAndHtmlGoThroughTheSplitter) {
  auto rst = split_document(
      "a.rst", "Usage\n=====\n\nRun it like this in a terminal window.\n\n.. code-block:: sh\n\n   make\n");
  ASSERT_TRUE(rst);
  bool code = false;
  for (auto& s : *rst) code = code || (s.is_code() && s.title == "Usage" && s.code[0].code == "make");
  EXPECT_TRUE(code);
  auto html = split_document("a.html", "<h1>Page</h1><p>Some paragraph with enough words to be a snippet.</p>");
  ASSERT_TRUE(html);
  ASSERT_EQ(html->size(), 1u);
  EXPECT_EQ((*html)[0].title, "Page");
}

}  // namespace
}  // namespace mcpgate::docs
