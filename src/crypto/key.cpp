#include "crypto/key.hpp"

#include <stdexcept>
#include <vector>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "common/base64.hpp"

namespace mcpgate::crypto {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, size_t(len));
}

std::string bn_bytes(const BIGNUM* bn, int width = 0) {
  int len = width ? width : BN_num_bytes(bn);
  std::string out(size_t(len), '\0');
  if (width)
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
  else
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

const EVP_MD* digest_for(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
    case JwsAlg::PS256:
    case JwsAlg::ES256:
      return EVP_sha256();
    case JwsAlg::RS384:
    case JwsAlg::PS384:
    case JwsAlg::ES384:
      return EVP_sha384();
    case JwsAlg::RS512:
    case JwsAlg::PS512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

bool is_pss(JwsAlg alg) { return alg == JwsAlg::PS256 || alg == JwsAlg::PS384 || alg == JwsAlg::PS512; }
bool is_ecdsa(JwsAlg alg) { return alg == JwsAlg::ES256 || alg == JwsAlg::ES384; }

int ec_field_bytes(EVP_PKEY* key) { return (EVP_PKEY_get_bits(key) + 7) / 8; }

std::string curve_name(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) return {};
  return std::string(name, len);
}

// JOSE carries ECDSA signatures as fixed-width r||s; OpenSSL speaks DER.
std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() % 2) return std::nullopt;
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), int(half), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), int(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

std::string der_to_raw(std::string_view der, int width) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(der.size()));
  if (!sig) throw std::runtime_error("ECDSA signature encoding failed");
  std::string out = bn_bytes(ECDSA_SIG_get0_r(sig), width) + bn_bytes(ECDSA_SIG_get0_s(sig), width);
  ECDSA_SIG_free(sig);
  return out;
}

// OpenSSL 3 looks algorithms up by name through its providers whenever a context is set up
// from scratch (EVP_sha256(), EVP_DigestVerifyInit): for an RS256 check that costs a fifth as
// much again as the RSA arithmetic. So digests are fetched once, and verification contexts are
// set up once per thread, key and algorithm, then reused: EVP_PKEY_verify may be called again
// and again on an initialised context.
const EVP_MD* fetched_digest(JwsAlg alg) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  const EVP_MD* legacy = digest_for(alg);
  if (legacy == EVP_sha256()) return sha256 ? sha256 : legacy;
  if (legacy == EVP_sha384()) return sha384 ? sha384 : legacy;
  if (legacy == EVP_sha512()) return sha512 ? sha512 : legacy;
  return legacy;
}

EVP_MD_CTX* thread_hasher() {
  thread_local MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx.get();
}

// Each cached context holds a reference to its key, so a cached key's address cannot be reused
// by another key while it is cached. A handful of keys is live at a time (Entra publishes a few).
EVP_PKEY_CTX* verify_context(EVP_PKEY* key, JwsAlg alg, const EVP_MD* md) {
  struct Slot {
    EVP_PKEY* key;
    JwsAlg alg;
    CtxPtr ctx;
  };
  constexpr size_t kSlots = 8;
  thread_local std::vector<Slot> slots;
  for (auto it = slots.begin(); it != slots.end(); ++it)
    if (it->key == key && it->alg == alg) return it->ctx.get();
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return nullptr;
  if (EVP_PKEY_is_a(key, "RSA") == 1) {
    bool pss = is_pss(alg);
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1) return nullptr;
    if (pss && (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_AUTO) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1))
      return nullptr;
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return nullptr;
  if (slots.size() >= kSlots) slots.erase(slots.begin());
  slots.push_back(Slot{key, alg, std::move(ctx)});
  return slots.back().ctx.get();
}

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view n) {
  static const std::pair<std::string_view, JwsAlg> names[] = {
      {"RS256", JwsAlg::RS256}, {"RS384", JwsAlg::RS384}, {"RS512", JwsAlg::RS512}, {"PS256", JwsAlg::PS256},
      {"PS384", JwsAlg::PS384}, {"PS512", JwsAlg::PS512}, {"ES256", JwsAlg::ES256}, {"ES384", JwsAlg::ES384},
      {"HS256", JwsAlg::HS256}, {"HS384", JwsAlg::HS384}, {"HS512", JwsAlg::HS512}, {"none", JwsAlg::None}};
  for (auto& [name, alg] : names)
    if (name == n) return alg;
  return std::nullopt;
}

std::string_view to_string(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
      return "RS256";
    case JwsAlg::RS384:
      return "RS384";
    case JwsAlg::RS512:
      return "RS512";
    case JwsAlg::PS256:
      return "PS256";
    case JwsAlg::PS384:
      return "PS384";
    case JwsAlg::PS512:
      return "PS512";
    case JwsAlg::ES256:
      return "ES256";
    case JwsAlg::ES384:
      return "ES384";
    case JwsAlg::HS256:
      return "HS256";
    case JwsAlg::HS384:
      return "HS384";
    case JwsAlg::HS512:
      return "HS512";
    case JwsAlg::None:
      return "none";
  }
  return "?";
}

Key::Key(EVP_PKEY* owned) : key_(owned, EVP_PKEY_free) {
  if (!owned) throw std::runtime_error("null key");
}

Key Key::generate_rsa(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(unsigned(bits));
  if (!key) throw std::runtime_error("RSA key generation failed");
  return Key(key);
}

Key Key::generate_ec_p256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("EC key generation failed");
  return Key(key);
}

std::optional<Key> Key::from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)) return Key(k);
  bio.reset(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) return Key(k);
  return std::nullopt;
}

std::optional<Key> Key::from_jwk(const boost::json::object& jwk) {
  auto str = [&](const char* name) -> std::optional<std::string> {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->value().is_string()) return std::nullopt;
    return base64url_decode(it->value().get_string());
  };
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->value().is_string()) return std::nullopt;
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  const char* type = nullptr;
  BnPtr n, e;
  std::string point, group;
  if (kty->value().get_string() == "RSA") {
    auto nb = str("n"), eb = str("e");
    if (!nb || !eb || nb->empty() || eb->empty()) return std::nullopt;
    n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(nb->data()), int(nb->size()), nullptr));
    e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(eb->data()), int(eb->size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    type = "RSA";
  } else if (kty->value().get_string() == "EC") {
    auto crv = jwk.find("crv");
    auto x = str("x"), y = str("y");
    if (crv == jwk.end() || !crv->value().is_string() || !x || !y) return std::nullopt;
    size_t width = 0;
    if (crv->value().get_string() == "P-256")
      group = "prime256v1", width = 32;
    else if (crv->value().get_string() == "P-384")
      group = "secp384r1", width = 48;
    else
      return std::nullopt;
    if (x->size() != width || y->size() != width) return std::nullopt;
    point = "\x04" + *x + *y;
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    type = "EC";
  } else {
    return std::nullopt;
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld.get());
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
            EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  if (!ok || !key) return std::nullopt;
  return Key(key);
}

std::string Key::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), native(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("key has no private part");
  return bio_to_string(bio.get());
}

std::string Key::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), native());
  return bio_to_string(bio.get());
}

boost::json::object Key::public_jwk() const {
  boost::json::object jwk;
  if (is_rsa()) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(native(), OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(native(), OSSL_PKEY_PARAM_RSA_E, &e);
    BnPtr hold_n(n), hold_e(e);
    jwk["kty"] = "RSA";
    jwk["n"] = base64url_encode(bn_bytes(n));
    jwk["e"] = base64url_encode(bn_bytes(e));
  } else if (is_ec()) {
    unsigned char buf[256];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(native(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &len);
    size_t width = size_t(ec_field_bytes(native()));
    std::string_view point(reinterpret_cast<char*>(buf), len);
    jwk["kty"] = "EC";
    jwk["crv"] = width == 32 ? "P-256" : "P-384";
    if (len == 1 + 2 * width) {
      jwk["x"] = base64url_encode(point.substr(1, width));
      jwk["y"] = base64url_encode(point.substr(1 + width, width));
    }
  }
  return jwk;
}

bool Key::is_rsa() const { return EVP_PKEY_is_a(native(), "RSA") == 1; }
bool Key::is_ec() const { return EVP_PKEY_is_a(native(), "EC") == 1; }
int Key::bits() const { return EVP_PKEY_get_bits(native()); }

bool Key::fits(JwsAlg alg) const {
  if (is_rsa()) return digest_for(alg) && !is_ecdsa(alg);
  if (is_ec()) {
    auto curve = curve_name(native());
    return (alg == JwsAlg::ES256 && curve == "prime256v1") || (alg == JwsAlg::ES384 && curve == "secp384r1");
  }
  return false;
}

std::string Key::sign(JwsAlg alg, std::string_view data) const {
  if (!fits(alg)) throw std::invalid_argument("algorithm does not fit the key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, digest_for(alg), nullptr, native()) != 1)
    throw std::runtime_error("sign init failed");
  if (is_pss(alg)) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) throw std::runtime_error("sign failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1)
    throw std::runtime_error("sign failed");
  sig.resize(len);
  if (is_ecdsa(alg)) return der_to_raw(sig, ec_field_bytes(native()));
  return sig;
}

bool Key::verify(JwsAlg alg, std::string_view data, std::string_view signature) const {
  if (!fits(alg)) return false;
  std::string der;
  if (is_ecdsa(alg)) {
    if (signature.size() != 2 * size_t(ec_field_bytes(native()))) return false;
    auto converted = raw_to_der(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  const EVP_MD* md = fetched_digest(alg);
  EVP_PKEY_CTX* ctx = verify_context(native(), alg, md);
  EVP_MD_CTX* hasher = thread_hasher();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_len = 0;
  if (!ctx || !hasher || EVP_DigestInit_ex2(hasher, md, nullptr) != 1 ||
      EVP_DigestUpdate(hasher, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(hasher, digest, &digest_len) != 1)
    return false;
  return EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(), digest,
                         digest_len) == 1;
}

}  // namespace mcpgate::crypto
