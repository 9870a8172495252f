#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key.hpp"

typedef struct x509_st X509;

namespace mcpgate::crypto {

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries ("127.0.0.1", "::1")
  std::chrono::hours validity{24 * 365};
  bool is_ca = false;
};

class Certificate {
 public:
  // Self-signed when issuer is null; otherwise signed by issuer_key as issuer.
  static Certificate issue(const Key& subject_key, const CertificateRequest& request, const Key& signing_key,
                           const Certificate* issuer = nullptr);
  static std::optional<Certificate> from_pem(std::string_view pem);

  std::string pem() const;
  std::string der() const;
  Key public_key() const;
  // base64url SHA-1 / SHA-256 of the DER: Entra's kid/x5t and the x5t#S256 header.
  std::string x5t() const;
  std::string x5t_s256() const;

  X509* native() const { return cert_.get(); }
  explicit Certificate(X509* owned);

 private:
  std::shared_ptr<X509> cert_;
};

}  // namespace mcpgate::crypto
