#include "idp/keystore.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::idp {
namespace {

using mcpgate::testing::ManualClock;
using mcpgate::testing::TempDir;

size_t published_count(KeyStore& keys) { return keys.jwks("iss").at("keys").as_array().size(); }

TEST(KeyStore, CreatesOneKeyAndReusesItOnRestart) {
  TempDir dir;
  ManualClock clock;
  std::string kid;
  {
    KeyStore keys(dir.path(), clock);
    kid = keys.current().kid;
    EXPECT_EQ(kid, keys.current().cert.x5t());
  }
  KeyStore again(dir.path(), clock);
  EXPECT_EQ(again.current().kid, kid);
  EXPECT_EQ(published_count(again), 1u);
}

TEST(KeyStore, PrivateKeyFilesAreOwnerOnly) {
  TempDir dir;
  ManualClock clock;
  KeyStore keys(dir.path(), clock);
  auto perms = std::filesystem::status(dir / ("keys/" + keys.current().kid + ".key.pem")).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(KeyStore, RotationIsSeenByARunningStoreAndOldKeysRetireAfterGrace) {
  TempDir dir;
  ManualClock clock;
  KeyStore keys(dir.path(), clock);
  auto old_kid = keys.current().kid;
  auto new_kid = KeyStore::rotate(dir.path(), std::chrono::hours(1), clock);
  EXPECT_NE(new_kid, old_kid);
  EXPECT_EQ(keys.current().kid, new_kid);  // signing moves at once
  EXPECT_EQ(published_count(keys), 2u);    // the old key stays published during the grace period
  EXPECT_TRUE(keys.verification_key(old_kid).has_value());
  clock.advance(std::chrono::hours(1) + std::chrono::seconds(1));
  EXPECT_EQ(published_count(keys), 1u);
  EXPECT_FALSE(keys.verification_key(old_kid).has_value());
}

TEST(KeyStore, RotationWithoutGraceDropsTheOldKeyAtOnce) {
  TempDir dir;
  ManualClock clock;
  KeyStore keys(dir.path(), clock);
  auto old_kid = keys.current().kid;
  KeyStore::rotate(dir.path(), std::chrono::seconds(0), clock);
  EXPECT_FALSE(keys.verification_key(old_kid).has_value());
  EXPECT_EQ(published_count(keys), 1u);
}

TEST(KeyStore, DamagedIndexIsReportedNotIgnored) {
  TempDir dir;
  ManualClock clock;
  { KeyStore keys(dir.path(), clock); }
  std::ofstream(dir / "keys/index.json") << "{not json";
  EXPECT_THROW(KeyStore(dir.path(), clock), std::runtime_error);
}

}  // namespace
}  // namespace mcpgate::idp
