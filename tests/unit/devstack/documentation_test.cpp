#include "devstack/documentation.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "docs/doc_index.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::devstack {
namespace {
namespace fs = std::filesystem;

TEST(Documentation, WithoutACorpusThereIsNothingToIndexAndNothingFails) {
  mcpgate::testing::TempDir dir;
  EXPECT_NO_THROW(prepare_documentation(dir.path(), std::nullopt));
}

TEST(Documentation, IndexesTheCorpusOnceAndKeepsItOnTheNextStart) {
  mcpgate::testing::TempDir dir;
  fs::create_directories(dir / "corpus/tool");
  std::ofstream(dir / "corpus/tool/README.md") << "# Tool\n\nThe tool does one useful thing very well indeed.\n";
  std::ofstream(dir / "corpus/libraries.yaml") << "libraries:\n  - {id: /acme/tool, path: tool, version: v1.0.0}\n";
  prepare_documentation(dir / "data", dir / "corpus");
  int64_t row = 0;
  {
    docs::DocIndex index(dir / "data/docs.db", SystemClock::instance());
    auto library = index.library("/acme/tool");
    ASSERT_TRUE(library);
    ASSERT_NE(library->version("v1.0.0"), nullptr);
    row = library->version("v1.0.0")->row;
  }
  prepare_documentation(dir / "data", dir / "corpus");
  docs::DocIndex index(dir / "data/docs.db", SystemClock::instance());
  EXPECT_EQ(index.library("/acme/tool")->version("v1.0.0")->row, row);  // not indexed again
}

TEST(Documentation, MissingManifestSaysHowToLayOutTheCorpus) {
  mcpgate::testing::TempDir dir;
  try {
    prepare_documentation(dir / "data", dir.path());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/fetch-corpus.sh"), std::string::npos);
  }
}

}  // namespace
}  // namespace mcpgate::devstack
