#pragma once
#include <string>
#include <string_view>

namespace mcpgate::crypto {

// Raw digests (binary strings).
std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
// RFC 2104 with SHA-256: the raw 32-byte tag.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace mcpgate::crypto
