#pragma once
// Authenticated encryption for values the gateway hands out and must get back unchanged and
// unread (refresh tokens it wraps): AES-256-GCM, a random 96-bit nonce per value.
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::crypto {

// nonce (12 bytes) | ciphertext | tag (16 bytes). `key` must be 32 bytes; `associated` is
// authenticated but not encrypted (what the value is bound to).
std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated);
// The plaintext, or nullopt when the value was not sealed with this key and associated data or
// was changed in any way.
std::optional<std::string> open(std::string_view key, std::string_view sealed, std::string_view associated);

}  // namespace mcpgate::crypto
