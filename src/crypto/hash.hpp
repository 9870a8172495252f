#pragma once
#include <string>
#include <string_view>

namespace mcpgate::crypto {

// Raw digests (binary strings).
std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace mcpgate::crypto
