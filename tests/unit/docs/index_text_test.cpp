#include "docs/index_text.hpp"

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(IndexWords, LowercaseIdentifierPartsNoShortOrNumeric) {
  auto words = index_words("readFileSync a1 12345 HTTPServer ok");
  EXPECT_EQ(words, (std::vector<std::string>{"readfilesync", "read", "file", "sync", "httpserver", "http", "server"}));
}

TEST(SearchableText, AppendsIdentifierParts) {
  EXPECT_EQ(searchable_text("plain words"), "plain words");
  EXPECT_EQ(searchable_text("use snake_case and camelCase"), "use snake_case and camelCase\n snake case camel Case");
}

TEST(WordParts, LowerCaseWordsWithIdentifiersSplit) {
  EXPECT_EQ(word_parts("fs.readFileSync ERR_X HTTPServer"),
            (std::vector<std::string>{"fs", "read", "file", "sync", "err", "x", "http", "server"}));
}

TEST(FirstSentence, SkipsParameterListsAndStopsAtTheFullStop) {
  EXPECT_EQ(first_sentence("* `path` {string}\n* Returns: {string}\n\nThe `path.extname()` method returns the "
                           "extension of the `path`. It is the part after the last period.\n"),
            "The `path.extname()` method returns the extension of the `path`.");
  EXPECT_EQ(first_sentence("# Title\n> a note\n| a | table |\n"), "");
  EXPECT_EQ(first_sentence("Version 1.2.3 is out. Upgrade."), "Version 1.2.3 is out.") << "a dot inside a number";
  std::string long_line;
  for (int i = 0; i < 60; ++i) long_line += "word ";
  size_t words = 0;
  for_each_word(first_sentence(long_line), [&](std::string_view) { ++words; });
  EXPECT_EQ(words, 40u);
}

}  // namespace
}  // namespace mcpgate::docs
