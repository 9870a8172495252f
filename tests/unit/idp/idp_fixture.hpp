#pragma once
// Shared by the idp unit tests: the demo tenant behind an in-process IdentityProvider, driven
// through its request → response function with a clock the tests move.
#include <map>
#include <memory>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "http/form.hpp"
#include "idp/config.hpp"
#include "idp/demo_tenant.hpp"
#include "idp/identity_provider.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::idp::testing {

inline constexpr const char* kTenant = mcpgate::idp::demo::kTenantId;
inline constexpr const char* kMcpApi = mcpgate::idp::demo::kMcpApiApp;
inline constexpr const char* kGateway = mcpgate::idp::demo::kGatewayApp;
inline constexpr const char* kGatewaySecret = mcpgate::idp::demo::kGatewaySecret;
inline constexpr const char* kVsCode = mcpgate::idp::demo::kVsCodeClient;
inline constexpr const char* kAliceOid = mcpgate::idp::demo::kAliceOid;
inline constexpr const char* kBase = "http://idp.test";
// A fixed PKCE pair: the challenge is base64url(SHA-256(verifier)).
inline constexpr const char* kVerifier = "dBjftJeZ4CVP-mJ0kGxL6TTEeFmfbSQTiaB8YYVo03c";
inline constexpr const char* kChallenge = "5_64hSFs6eA-Kc-2ZBpiKzqX36pqqDEiH5uvdD3IWJg";

class IdpTest : public ::testing::Test {
 protected:
  void SetUp() override { start(demo_config()); }

  void start(IdpConfig config) {
    provider.reset();
    keys = std::make_unique<KeyStore>(dir.path(), clock);
    provider = std::make_unique<IdentityProvider>(std::move(config), *keys, clock);
  }

  http::Response get(const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.headers.add("Host", "idp.test");
    return provider->handle(r);
  }

  http::Response post_form(const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Form form;
    for (auto& [k, v] : fields) form.add(k, v);
    return post_raw(path, form.encode(), "application/x-www-form-urlencoded", headers);
  }

  http::Response post_raw(const std::string& path, std::string body, std::string content_type,
                          const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Request r;
    r.method = "POST";
    r.target = r.path = path;
    r.headers.add("Host", "idp.test");
    r.headers.add("Content-Type", content_type);
    for (auto& [k, v] : headers) r.headers.add(k, v);
    r.body = std::move(body);
    return provider->handle(r);
  }

  static std::string token_path() { return std::string("/") + kTenant + "/oauth2/v2.0/token"; }

  http::Response token(const std::vector<std::pair<std::string, std::string>>& fields) {
    return post_form(token_path(), fields);
  }

  static boost::json::object body(const http::Response& r) { return boost::json::parse(r.body).as_object(); }

  // The AADSTS number of an Entra error body.
  static int64_t aadsts(const http::Response& r) { return body(r).at("error_codes").as_array().at(0).as_int64(); }

  static std::map<std::string, std::string> redirect_params(const http::Response& r) {
    std::map<std::string, std::string> out;
    auto location = r.headers.get("Location");
    if (!location) return out;
    auto q = location->find_first_of("?#");
    if (q == std::string::npos) return out;
    auto form = http::parse_form(location->substr(q + 1));
    for (auto& [k, v] : form->pairs()) out[k] = v;
    return out;
  }

  std::string authorize_query(std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> p{
        {"client_id", kGateway},
        {"response_type", "code"},
        {"redirect_uri", "http://localhost:53682/callback"},
        {"scope", std::string("api://") + kGateway + "/Mcp.Gateway.Access openid profile offline_access"},
        {"state", "st4te"},
        {"nonce", "n0nce"},
        {"code_challenge", kChallenge},
        {"code_challenge_method", "S256"},
        {"login_hint", "alice@contoso.dev"}};
    for (auto& [k, v] : extra) {
      std::erase_if(p, [&](auto& e) { return e.first == k; });
      if (v != "<drop>") p.emplace_back(k, v);
    }
    http::Form f;
    for (auto& [k, v] : p) f.add(k, v);
    return std::string("/") + kTenant + "/oauth2/v2.0/authorize?" + f.encode();
  }

  // Signs alice in and returns the authorization code.
  std::string code_for(std::vector<std::pair<std::string, std::string>> extra = {}) {
    auto r = get(authorize_query(std::move(extra)));
    EXPECT_EQ(r.status, 302) << r.body;
    return redirect_params(r)["code"];
  }

  // Alice's gateway-audience access token, as a client holds it after signing in.
  std::string alice_gateway_token(std::vector<std::pair<std::string, std::string>> extra = {}) {
    auto code = code_for(extra);
    auto r = token({{"grant_type", "authorization_code"},
                    {"client_id", kGateway},
                    {"code", code},
                    {"redirect_uri", "http://localhost:53682/callback"},
                    {"code_verifier", kVerifier}});
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(body(r).at("access_token").as_string());
  }

  http::Response obo(const std::string& assertion,
                     const std::string& scope = std::string("api://") + kMcpApi + "/.default") {
    return token({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                  {"client_id", kGateway},
                  {"client_secret", kGatewaySecret},
                  {"assertion", assertion},
                  {"scope", scope},
                  {"requested_token_use", "on_behalf_of"}});
  }

  // Decodes a token and checks its signature against the provider's published keys.
  auth::Jwt verified(const std::string& token) {
    auto jwt = auth::parse_jwt(token);
    EXPECT_TRUE(jwt.has_value());
    auto key = keys->verification_key(jwt->header_string("kid").value_or(""));
    EXPECT_TRUE(key.has_value()) << "kid not published";
    if (key) {
      EXPECT_TRUE(key->verify(crypto::JwsAlg::RS256, jwt->signing_input, jwt->signature));
    }
    return *jwt;
  }

  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  std::unique_ptr<KeyStore> keys;
  std::unique_ptr<IdentityProvider> provider;
};

}  // namespace mcpgate::idp::testing
