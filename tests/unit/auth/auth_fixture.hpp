#pragma once
// Shared by the auth unit tests: one tenant's signing keys, a verification policy for the
// gateway, and helpers that mint the test tokens. Time is a ManualClock fixed at kNow.
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "auth/key_set.hpp"
#include "auth/verifier.hpp"
#include "common/base64.hpp"
#include "crypto/key.hpp"
#include "idp/demo_tenant.hpp"
#include "support/manual_clock.hpp"

namespace mcpgate::auth::testing {

namespace json = boost::json;

inline constexpr const char* kTenant = mcpgate::idp::demo::kTenantId;
inline constexpr const char* kOtherTenant = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a";
inline constexpr const char* kIssuer = "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0";
inline constexpr const char* kIssuerTemplate = "https://login.microsoftonline.com/{tenantid}/v2.0";
inline constexpr const char* kGateway = mcpgate::idp::demo::kGatewayApp;  // the gateway API: the aud we want
inline constexpr const char* kMcpApi = mcpgate::idp::demo::kMcpApiApp;    // the MCP server's own API
inline constexpr const char* kVsCode = mcpgate::idp::demo::kVsCodeClient;
inline constexpr const char* kAliceOid = mcpgate::idp::demo::kAliceOid;
inline constexpr const char* kScope = "Mcp.Gateway.Access";
inline constexpr const char* kRsaKid = "rsa-key-1";
inline constexpr const char* kEcKid = "ec-key-1";
inline constexpr int64_t kNow = 1'800'000'000;  // ManualClock's default start

// Generated once per test binary: RSA key generation is slow.
inline const crypto::Key& rsa_key() {
  static const crypto::Key key = crypto::Key::generate_rsa(2048);
  return key;
}
inline const crypto::Key& stranger_rsa_key() {  // signs, but is not published by the tenant
  static const crypto::Key key = crypto::Key::generate_rsa(2048);
  return key;
}
inline const crypto::Key& ec_key() {
  static const crypto::Key key = crypto::Key::generate_ec_p256();
  return key;
}

inline std::string b64json(const json::object& o) { return base64url_encode(json::serialize(o)); }

// A published JWK: the key's public members plus kid and whatever `extra` adds.
inline json::object jwk(const crypto::Key& key, std::string_view kid, const json::object& extra = {}) {
  json::object out = key.public_jwk();
  out["use"] = "sig";
  out["kid"] = kid;
  for (const auto& [name, value] : extra) out[name] = value;
  return out;
}

inline std::string jwks(std::initializer_list<json::object> keys) {
  json::array arr;
  for (const auto& k : keys) arr.push_back(k);
  return json::serialize(json::object{{"keys", arr}});
}

inline json::object header(std::string_view alg = "RS256", std::string_view kid = kRsaKid) {
  return {{"typ", "JWT"}, {"alg", alg}, {"kid", kid}};
}

// What Entra issues Alice for the gateway; tests change one claim at a time. Decoded:
// {"iss":"https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0",
//  "aud":"b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02","tid":"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b",
//  "scp":"Mcp.Gateway.Access","nbf":1799999700,"exp":1800003600}
inline json::object claims() {
  return {{"iss", kIssuer}, {"aud", kGateway},   {"tid", kTenant},
          {"scp", kScope},  {"nbf", kNow - 300}, {"exp", kNow + 3600}};
}

inline json::object claims_with(json::object changes, std::initializer_list<std::string_view> drop = {}) {
  json::object out = claims();
  for (auto name : drop) out.erase(name);
  for (const auto& [name, value] : changes) out[name] = value;
  return out;
}

inline std::string rs256(const json::object& payload, std::string_view kid = kRsaKid,
                         const crypto::Key& key = rsa_key()) {
  return sign_jwt(header("RS256", kid), payload, key, crypto::JwsAlg::RS256);
}

// The tenant's key set (one RSA and one EC key) and the gateway's policy, verified at kNow.
class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() {
    EXPECT_FALSE(keys.update(jwks({jwk(rsa_key(), kRsaKid), jwk(ec_key(), kEcKid)}), clock.now()));
    policy.issuer = kIssuer;
    policy.tenant_id = kTenant;
    policy.audiences = {kGateway};
    policy.required_scopes = {kScope};
  }

  boost::system::result<VerifiedToken, VerifyError> verify(std::string_view token) const {
    return verify_token(token, policy, keys, clock.now());
  }

  // The refusal of a token that must not verify; its detail must never repeat the token.
  VerifyError refused(const std::string& token) const {
    auto result = verify(token);
    if (result) {
      ADD_FAILURE() << "the token verified";
      return {TokenFailure::missing, ""};
    }
    EXPECT_FALSE(result.error().detail.empty());
    EXPECT_EQ(result.error().detail.find(token), std::string::npos) << result.error().detail;
    auto signature = token.substr(token.rfind('.') + 1);
    if (signature.size() > 8) {
      EXPECT_EQ(result.error().detail.find(signature), std::string::npos);
    }
    return result.error();
  }

  mcpgate::testing::ManualClock clock;
  KeySet keys;
  VerificationPolicy policy;
};

}  // namespace mcpgate::auth::testing
