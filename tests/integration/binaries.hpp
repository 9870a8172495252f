#pragma once
// The binaries under test, located by CMake; an environment variable of the same name wins.
#include <cstdlib>

namespace mcpgate::testing {
inline const bool kBinariesKnown = [] {
  ::setenv("MCPGATE_BIN", MCPGATE_BIN_PATH, 0);
  ::setenv("MCPGATE_TEST_UPSTREAM", MCPGATE_TEST_UPSTREAM_PATH, 0);
  return true;
}();
}  // namespace mcpgate::testing
