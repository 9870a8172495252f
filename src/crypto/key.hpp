#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

typedef struct evp_pkey_st EVP_PKEY;

namespace mcpgate::crypto {

// JWS algorithms we know by name. Which of them a verifier accepts is a policy decision
// made above this layer; HS* are listed only so they can be recognised and refused.
enum class JwsAlg { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, HS256, HS384, HS512, None };

std::optional<JwsAlg> parse_jws_alg(std::string_view name);
std::string_view to_string(JwsAlg alg);

// An asymmetric key (RSA or EC), private or public only. Cheap to copy.
class Key {
 public:
  static Key generate_rsa(int bits = 2048);
  static Key generate_ec_p256();
  static std::optional<Key> from_pem(std::string_view pem);            // private or public PEM
  static std::optional<Key> from_jwk(const boost::json::object& jwk);  // public RSA / EC P-256/384

  std::string private_pem() const;  // throws if the key has no private part
  std::string public_pem() const;
  boost::json::object public_jwk() const;  // kty + n/e or crv/x/y, nothing else

  bool is_rsa() const;
  bool is_ec() const;
  int bits() const;
  // Whether alg is one this key can produce or check (RS*/PS* for RSA, ES* by curve for EC).
  bool fits(JwsAlg alg) const;

  // JWS signatures (ES* in the raw r||s form JOSE uses). sign throws on failure.
  std::string sign(JwsAlg alg, std::string_view data) const;
  bool verify(JwsAlg alg, std::string_view data, std::string_view signature) const;

  EVP_PKEY* native() const { return key_.get(); }
  explicit Key(EVP_PKEY* owned);

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace mcpgate::crypto
