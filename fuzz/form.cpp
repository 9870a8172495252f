// application/x-www-form-urlencoded bodies and query strings (the /token bridge, /authorize,
// the query-token check): parse, then re-encode and parse again to the same pairs.
#include "http/form.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto form = http::parse_form(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!form) return 0;
  auto again = http::parse_form(form->encode());
  if (!again || again->pairs() != form->pairs()) std::abort();
  return 0;
}
