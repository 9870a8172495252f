// What a tenant's discovery document and key set endpoint may answer (or someone in between).
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/key_set.hpp"

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auth::KeySet keys;
  auto error = keys.update(text, SysTime{});
  if (!error && keys.size() > 0) (void)keys.find("k1");
  std::string why;
  (void)auth::parse_openid_metadata(text, why);
  return 0;
}
