// WWW-Authenticate from an upstream: never crashes, and the error code it finds is made of the
// input's bytes (it is never longer than the header it came from).
#include "auth/challenge.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto code = mcpgate::auth::bearer_error_code(header);
  if (code.size() > size) std::abort();
  return 0;
}
