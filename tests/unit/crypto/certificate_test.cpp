#include "crypto/certificate.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "crypto/hash.hpp"

namespace mcpgate::crypto {
namespace {

TEST(Certificate, ThumbprintsAreBase64UrlDigestsOfTheDer) {
  auto key = Key::generate_rsa(2048);
  auto cert = Certificate::issue(key, {.common_name = "test"}, key);
  EXPECT_EQ(cert.x5t(), base64url_encode(sha1(cert.der())));
  EXPECT_EQ(cert.x5t_s256(), base64url_encode(sha256(cert.der())));
  EXPECT_EQ(cert.x5t().size(), 27u);
}

TEST(Certificate, PemRoundTripAndPublicKey) {
  auto key = Key::generate_ec_p256();
  auto cert = Certificate::issue(key, {.common_name = "test"}, key);
  auto back = Certificate::from_pem(cert.pem());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->x5t(), cert.x5t());
  EXPECT_TRUE(back->public_key().verify(JwsAlg::ES256, "x", key.sign(JwsAlg::ES256, "x")));
  EXPECT_FALSE(Certificate::from_pem("garbage"));
}

TEST(Certificate, CaIssuedServerCertificate) {
  auto ca_key = Key::generate_ec_p256();
  auto ca = Certificate::issue(ca_key, {.common_name = "ca", .is_ca = true}, ca_key);
  auto server_key = Key::generate_ec_p256();
  auto server = Certificate::issue(
      server_key, {.common_name = "localhost", .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}}, ca_key, &ca);
  EXPECT_NE(server.x5t(), ca.x5t());
}

}  // namespace
}  // namespace mcpgate::crypto
