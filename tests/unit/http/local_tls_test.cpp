// The development CA and server certificate that `mcpgate idp --tls` and `mcpgate dev --idp-tls`
// serve with (used over real TLS in client_test.cpp and server_test.cpp).
#include "http/local_tls.hpp"

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "crypto/certificate.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::http {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& file) { return read_file(file).value_or("(unreadable)"); }

TEST(LocalTls, CreatesCaCertificateChainAndPrivateKey) {
  testing::TempDir dir;
  auto tls = ensure_local_tls(dir / "tls");
  ASSERT_TRUE(fs::exists(tls.ca_certificate));
  auto chain = contents(tls.server.certificate_chain_file);
  auto ca = contents(tls.ca_certificate);
  EXPECT_TRUE(crypto::Certificate::from_pem(ca).has_value());
  EXPECT_TRUE(crypto::Certificate::from_pem(chain).has_value()) << "the chain starts with the server certificate";
  EXPECT_NE(chain.find(ca), std::string::npos) << "the chain ends with the CA, so clients can build the path";
  EXPECT_NE(chain.find(ca), 0u) << "the server certificate comes first";
}

TEST(LocalTls, PrivateKeyIsReadableByItsOwnerOnly) {
  testing::TempDir dir;
  auto tls = ensure_local_tls(dir / "tls");
  auto perms = fs::status(tls.server.private_key_file).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  auto dir_perms = fs::status(dir / "tls").permissions();
  EXPECT_EQ(dir_perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_NE(fs::status(tls.ca_certificate).permissions() & fs::perms::others_read, fs::perms::none)
      << "the CA is public: clients are pointed at it";
}

TEST(LocalTls, SecondCallReusesEverySoClientsTrustTheCaOnce) {
  testing::TempDir dir;
  auto first = ensure_local_tls(dir / "tls");
  auto ca = contents(first.ca_certificate);
  auto key = contents(first.server.private_key_file);
  auto second = ensure_local_tls(dir / "tls");
  EXPECT_EQ(second.ca_certificate, first.ca_certificate);
  EXPECT_EQ(contents(second.ca_certificate), ca);
  EXPECT_EQ(contents(second.server.private_key_file), key);
}

TEST(LocalTls, MissingServerFileRecreatesTheWholeSet) {
  testing::TempDir dir;
  auto first = ensure_local_tls(dir / "tls");
  auto ca = contents(first.ca_certificate);
  fs::remove(first.server.private_key_file);
  auto second = ensure_local_tls(dir / "tls");
  EXPECT_TRUE(fs::exists(second.server.private_key_file));
  EXPECT_NE(contents(second.ca_certificate), ca) << "a certificate is never left without its key";
}

}  // namespace
}  // namespace mcpgate::http
