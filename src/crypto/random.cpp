#include "crypto/random.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/base64.hpp"
#include "crypto/hash.hpp"

namespace mcpgate::crypto {
namespace {

std::string format_guid(std::string bytes, int version) {
  bytes[6] = char((uint8_t(bytes[6]) & 0x0F) | (version << 4));
  bytes[8] = char((uint8_t(bytes[8]) & 0x3F) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[uint8_t(bytes[i]) >> 4];
    out += hex[uint8_t(bytes[i]) & 15];
  }
  return out;
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1)
    throw std::runtime_error("the system random generator failed");
  return out;
}

std::string random_token(size_t bytes) { return base64url_encode(random_bytes(bytes)); }

std::string random_guid() { return format_guid(random_bytes(16), 4); }

std::string name_based_guid(std::string_view name) { return format_guid(sha1(name).substr(0, 16), 5); }

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Hashing first makes the comparison length-independent as well.
  auto ha = sha256(a), hb = sha256(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

}  // namespace mcpgate::crypto
