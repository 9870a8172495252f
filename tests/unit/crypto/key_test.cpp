#include "crypto/key.hpp"

#include <gtest/gtest.h>

namespace mcpgate::crypto {
namespace {

TEST(Key, RsaSignVerifyRoundTripForRsAndPs) {
  auto key = Key::generate_rsa(2048);
  for (auto alg : {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::PS256}) {
    auto sig = key.sign(alg, "data");
    EXPECT_TRUE(key.verify(alg, "data", sig)) << to_string(alg);
    EXPECT_FALSE(key.verify(alg, "other", sig)) << to_string(alg);
  }
}

TEST(Key, EcdsaUsesRawJoseSignatures) {
  auto key = Key::generate_ec_p256();
  auto sig = key.sign(JwsAlg::ES256, "data");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(key.verify(JwsAlg::ES256, "data", sig));
  EXPECT_FALSE(key.verify(JwsAlg::ES256, "data", sig.substr(1)));
}

TEST(Key, AlgorithmsMustFitTheKeyType) {
  auto rsa = Key::generate_rsa(2048);
  auto ec = Key::generate_ec_p256();
  EXPECT_FALSE(rsa.fits(JwsAlg::ES256));
  EXPECT_FALSE(rsa.fits(JwsAlg::HS256));
  EXPECT_FALSE(rsa.fits(JwsAlg::None));
  EXPECT_FALSE(ec.fits(JwsAlg::RS256));
  EXPECT_FALSE(ec.fits(JwsAlg::ES384));
  EXPECT_FALSE(rsa.verify(JwsAlg::HS256, "data", "sig"));
  EXPECT_THROW(rsa.sign(JwsAlg::ES256, "data"), std::invalid_argument);
}

TEST(Key, JwkRoundTripKeepsThePublicKey) {
  for (auto key : {Key::generate_rsa(2048), Key::generate_ec_p256()}) {
    auto jwk = key.public_jwk();
    auto back = Key::from_jwk(jwk);
    ASSERT_TRUE(back);
    auto alg = key.is_rsa() ? JwsAlg::RS256 : JwsAlg::ES256;
    EXPECT_TRUE(back->verify(alg, "data", key.sign(alg, "data")));
  }
}

TEST(Key, MalformedJwksAreRefused) {
  EXPECT_FALSE(Key::from_jwk({{"kty", "RSA"}, {"n", "!!"}, {"e", "AQAB"}}));
  EXPECT_FALSE(Key::from_jwk({{"kty", "oct"}, {"k", "abc"}}));
  EXPECT_FALSE(Key::from_jwk({{"kty", "EC"}, {"crv", "P-521"}, {"x", "AA"}, {"y", "AA"}}));
  EXPECT_FALSE(Key::from_jwk({}));
}

TEST(Key, PemRoundTrip) {
  auto key = Key::generate_rsa(2048);
  auto priv = Key::from_pem(key.private_pem());
  auto pub = Key::from_pem(key.public_pem());
  ASSERT_TRUE(priv && pub);
  EXPECT_TRUE(pub->verify(JwsAlg::RS256, "x", priv->sign(JwsAlg::RS256, "x")));
  EXPECT_THROW(pub->private_pem(), std::runtime_error);
  EXPECT_FALSE(Key::from_pem("-----BEGIN NONSENSE-----"));
}

}  // namespace
}  // namespace mcpgate::crypto
