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

// HMAC-SHA-256 under a key set up once, for tags computed on every request (session affinity):
// the key schedule and OpenSSL's algorithm lookup happen here, not per tag. Thread-safe.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(HmacSha256&& other) noexcept;
  HmacSha256& operator=(HmacSha256&& other) noexcept;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  std::string tag(std::string_view data) const;  // the raw 32 bytes, as hmac_sha256(key, data)

 private:
  void* keyed_ = nullptr;  // EVP_MAC_CTX with the key applied, duplicated per tag
};

}  // namespace mcpgate::crypto
