#include "crypto/certificate.hpp"

#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/base64.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace mcpgate::crypto {
namespace {

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("bad certificate extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

Certificate::Certificate(X509* owned) : cert_(owned, X509_free) {
  if (!owned) throw std::runtime_error("null certificate");
}

Certificate Certificate::issue(const Key& subject_key, const CertificateRequest& req, const Key& signing_key,
                               const Certificate* issuer) {
  X509* cert = X509_new();
  Certificate result(cert);
  X509_set_version(cert, 2);
  auto serial = random_bytes(16);
  serial[0] = char(uint8_t(serial[0]) & 0x7F);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), int(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  // Backdated a little so a freshly started server is not "not yet valid" to a skewed client.
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert),
                  long(std::chrono::duration_cast<std::chrono::seconds>(req.validity).count()));
  X509_set_pubkey(cert, subject_key.native());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(req.common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->native()) : name);
  X509* issuer_cert = issuer ? issuer->native() : cert;
  add_extension(cert, issuer_cert, NID_basic_constraints, req.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert, issuer_cert, NID_key_usage,
                req.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!req.is_ca && (!req.dns_names.empty() || !req.ip_addresses.empty())) {
    std::string san;
    for (auto& d : req.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
    for (auto& ip : req.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
    add_extension(cert, issuer_cert, NID_subject_alt_name, san);
    add_extension(cert, issuer_cert, NID_ext_key_usage, "serverAuth");
  }
  if (X509_sign(cert, signing_key.native(), EVP_sha256()) <= 0) throw std::runtime_error("certificate signing failed");
  return result;
}

std::optional<Certificate> Certificate::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return std::nullopt;
  return Certificate(cert);
}

std::string Certificate::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, native());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, size_t(len));
  BIO_free(bio);
  return out;
}

std::string Certificate::der() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509(native(), &buf);
  if (len <= 0) throw std::runtime_error("certificate encoding failed");
  std::string out(reinterpret_cast<char*>(buf), size_t(len));
  OPENSSL_free(buf);
  return out;
}

Key Certificate::public_key() const { return Key(X509_get_pubkey(native())); }

std::string Certificate::x5t() const { return base64url_encode(sha1(der())); }
std::string Certificate::x5t_s256() const { return base64url_encode(sha256(der())); }

}  // namespace mcpgate::crypto
