#include "docs/lexicon.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace mcpgate::docs {
namespace {

TEST(Lexicon, TheBuiltInVocabularyParses) {
  const auto& lexicon = Lexicon::builtin();
  EXPECT_FALSE(lexicon.synonyms("folder").empty());
  EXPECT_EQ(lexicon.expansion("dir"), "directory");
  EXPECT_EQ(lexicon.base_form("found"), "find");
  EXPECT_EQ(lexicon.base_form("cannot"), "not");
}

TEST(Lexicon, ApiNamesAreIndexedAsThePlainWordsTheyStandFor) {
  const auto& lexicon = Lexicon::builtin();
  EXPECT_EQ(lexicon.plain_words("extname"), "extension name");
  EXPECT_EQ(lexicon.plain_words("mkdir"), "make directory");
  EXPECT_EQ(lexicon.plain_words("readdir"), "read directory");
  EXPECT_EQ(lexicon.plain_words("readFileSync"), "read file synchronous");
  EXPECT_EQ(lexicon.plain_words("fs"), "file system");
  EXPECT_EQ(lexicon.plain_words("Buffer"), "") << "a plain word says nothing new";
  EXPECT_EQ(lexicon.plain_words("MODULE_NOT_FOUND"), "module not found find");
}

TEST(Lexicon, AbbreviationsWorkBothWays) {
  Lexicon lexicon("[abbreviations]\ntmp: temporary\n[synonyms]\nfolder: directory, dir\n[forms]\nran: run\n");
  EXPECT_EQ(lexicon.expansion("tmp"), "temporary");
  ASSERT_EQ(lexicon.abbreviations("temporary").size(), 1u);
  EXPECT_EQ(lexicon.abbreviations("temporary").front(), "tmp");
  EXPECT_EQ(lexicon.synonyms("folder"), (std::vector<std::string>{"directory", "dir"}));
  EXPECT_EQ(lexicon.base_form("ran"), "run");
  EXPECT_TRUE(lexicon.synonyms("unknown").empty());
}

TEST(Lexicon, AMalformedLineIsNamed) {
  try {
    Lexicon lexicon("# a comment\n[synonyms]\nno colon here\n");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Lexicon("[nouns]\na: b\n"), std::invalid_argument);
  EXPECT_THROW(Lexicon("a: b\n"), std::invalid_argument) << "outside any section";
}

}  // namespace
}  // namespace mcpgate::docs
