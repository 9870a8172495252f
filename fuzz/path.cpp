// Path normalisation: never crashes, and a normalised path is a fixed point that starts with
// '/' and has no dot segment left (what routing relies on).
#include "http/path.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto once = http::normalize_path(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (!once) return 0;
  if (once->empty() || once->front() != '/') std::abort();
  if (once->find("/../") != std::string::npos || once->find("/./") != std::string::npos ||
      once->find("//") != std::string::npos || once->ends_with("/..") || once->ends_with("/."))
    std::abort();
  auto twice = http::normalize_path(*once, error);
  if (!twice || *twice != *once) std::abort();
  return 0;
}
