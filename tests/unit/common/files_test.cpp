#include "common/files.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

TEST(Files, AtomicWriteReplacesContentAndLeavesNoTemporaries) {
  testing::TempDir dir;
  write_file_atomically(dir / "f", "one");
  write_file_atomically(dir / "f", "two");
  EXPECT_EQ(read_file(dir / "f"), "two");
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
  EXPECT_EQ(std::filesystem::status(dir / "f").permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
}

TEST(Files, WriteIntoMissingDirectoryThrowsNamingThePath) {
  testing::TempDir dir;
  try {
    write_file_atomically(dir / "missing/f", "x");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST(Files, ReadMissingFileIsEmptyOptional) { EXPECT_FALSE(read_file("/nonexistent/mcpgate/file")); }

}  // namespace
}  // namespace mcpgate
