#pragma once
// Shared by the doctor unit tests: tokens signed here with keys made here, shaped like the two
// tokens of the guide's chain, and the expectations a gateway or server configuration produces.
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "crypto/key.hpp"
#include "doctor/token_checks.hpp"
#include "idp/demo_tenant.hpp"
#include "support/manual_clock.hpp"

namespace mcpgate::doctor::testing {

namespace json = boost::json;

inline constexpr const char* kTenant = mcpgate::idp::demo::kTenantId;
inline constexpr const char* kOtherTenant = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a";
inline constexpr const char* kIssuer = "https://login.microsoftonline.com/4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b/v2.0";
inline constexpr const char* kGatewayApp = mcpgate::idp::demo::kGatewayApp;
inline constexpr const char* kMcpApiApp = mcpgate::idp::demo::kMcpApiApp;
inline constexpr const char* kAliceOid = mcpgate::idp::demo::kAliceOid;
inline constexpr const char* kKid = "doctor-key-1";
inline constexpr int64_t kNow = 1'800'000'000;  // ManualClock's default start

inline const crypto::Key& signing_key() {
  static const crypto::Key key = crypto::Key::generate_rsa(2048);
  return key;
}

inline std::string jwks_of(const crypto::Key& key, const std::string& kid) {
  json::object jwk = key.public_jwk();
  jwk["kid"] = kid;
  jwk["use"] = "sig";
  return json::serialize(json::object{{"keys", json::array{jwk}}});
}

// The client's token for the gateway (the guide's first hop); tests change one claim at a time.
inline json::object gateway_claims(json::object changes = {}) {
  json::object c{{"iss", kIssuer},    {"aud", kGatewayApp},          {"tid", kTenant},
                 {"oid", kAliceOid},  {"scp", "Mcp.Gateway.Access"}, {"ver", "2.0"},
                 {"nbf", kNow - 300}, {"exp", kNow + 3600}};
  for (const auto& [k, v] : changes) c[k] = v;
  return c;
}

inline std::string sign(const json::object& claims, const crypto::Key& key = signing_key(),
                        const std::string& kid = kKid) {
  return auth::sign_jwt({{"typ", "JWT"}, {"alg", "RS256"}, {"kid", kid}}, claims, key, crypto::JwsAlg::RS256);
}

inline auth::Jwt decode(const std::string& token) {
  auto jwt = auth::parse_jwt(token);
  if (!jwt) throw std::runtime_error("test token does not parse");
  return *jwt;
}

// What a gateway configuration of the guide expects of the first hop.
inline TokenExpectations gateway_expectations() {
  TokenExpectations e;
  e.hop = Hop::gateway;
  e.tenant_id = kTenant;
  e.issuer = kIssuer;
  e.audiences = {kGatewayApp};
  e.scopes = {"Mcp.Gateway.Access"};
  e.other_hop_audience = kMcpApiApp;
  return e;
}

// What the teamspace's Entra configuration expects of the On-Behalf-Of token.
inline TokenExpectations server_expectations() {
  TokenExpectations e;
  e.hop = Hop::server;
  e.tenant_id = kTenant;
  e.issuer = kIssuer;
  e.audiences = {kMcpApiApp};
  e.scopes = {"mcp.access"};
  e.other_hop_audience = kGatewayApp;
  return e;
}

inline bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace mcpgate::doctor::testing
