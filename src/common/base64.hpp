#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // no padding, as JOSE wants
// Both decoders accept input with or without padding; nullopt on any invalid character.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);
// The one spelling RFC 7515 allows in a JWS: no padding, and the unused bits of the last
// character zero, so a signed token cannot be re-spelled into another accepted string.
std::optional<std::string> base64url_decode_canonical(std::string_view text);

}  // namespace mcpgate
