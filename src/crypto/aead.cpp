#include "crypto/aead.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

#include "crypto/random.hpp"

namespace mcpgate::crypto {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using Context = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Context start(std::string_view key, std::string_view nonce, bool encrypt) {
  if (key.size() != 32) throw std::invalid_argument("AES-256-GCM needs a 32-byte key");
  Context ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, int(kNonceBytes), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce), encrypt ? 1 : 0) != 1)
    throw std::runtime_error("AES-256-GCM could not be set up");
  return ctx;
}

}  // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated) {
  auto nonce = random_bytes(kNonceBytes);
  auto ctx = start(key, nonce, true);
  int len = 0;
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data() + kNonceBytes);
  if ((!associated.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(associated), int(associated.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes), cipher + plaintext.size()) != 1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view sealed, std::string_view associated) {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  auto nonce = sealed.substr(0, kNonceBytes);
  auto cipher = sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  auto ctx = start(key, nonce, false);
  std::string plain(cipher.size(), '\0');
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  if ((!associated.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(associated), int(associated.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out, &len, bytes(cipher), int(cipher.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1)
    return std::nullopt;
  return plain;
}

}  // namespace mcpgate::crypto
