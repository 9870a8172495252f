#include "devstack/documentation.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::devstack {
namespace {

TEST(Documentation, WithoutACorpusThereIsNothingToIndexAndNothingFails) {
  mcpgate::testing::TempDir dir;
  EXPECT_NO_THROW(prepare_documentation(dir.path(), std::nullopt));
}

}  // namespace
}  // namespace mcpgate::devstack
