#include "proxy/discovery.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

using namespace testing;

const std::string kTenantBase = std::string("https://login.microsoftonline.com/") + kTenant;

void expect_cors(const http::Response& r) { EXPECT_EQ(r.headers.get("Access-Control-Allow-Origin"), "*"); }

// An OAuth error answer: status, `error` code, CORS, and the description's text.
void expect_oauth_error(const http::Response& r, int status, const std::string& error, const std::string& words = "") {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  expect_cors(r);
  auto body = json_body(r);
  EXPECT_EQ(body["error"], json::value(error)) << r.body;
  ASSERT_TRUE(body["error_description"].is_string()) << r.body;
  EXPECT_NE(std::string(body["error_description"].as_string()).find(words), std::string::npos) << r.body;
}

json::array strings(std::initializer_list<const char*> values) {
  json::array a;
  for (auto v : values) a.emplace_back(v);
  return a;
}

TEST(DefaultEndpoints, AreTheTenantsV2Endpoints) {
  auto e = default_endpoints(gateway_config());
  EXPECT_EQ(e.issuer, kTenantBase + "/v2.0");
  EXPECT_EQ(e.authorization_endpoint, kTenantBase + "/oauth2/v2.0/authorize");
  EXPECT_EQ(e.token_endpoint, kTenantBase + "/oauth2/v2.0/token");
  EXPECT_EQ(e.jwks_uri, kTenantBase + "/discovery/v2.0/keys");
}

TEST(ProtectedResourceMetadata, NamesTheGatewayAsResourceAndAuthorizationServer) {
  auto c = gateway_config();
  auto r = protected_resource_metadata(c, c.routes[0], "/context7/mcp");
  EXPECT_EQ(r.status, 200);
  expect_cors(r);
  auto doc = json_body(r);
  EXPECT_EQ(doc["resource"], "https://gw.contoso.dev/context7/mcp");
  EXPECT_EQ(doc["authorization_servers"], strings({kPublicUrl}));
  EXPECT_EQ(doc["scopes_supported"], strings({kClientScope}));
  EXPECT_EQ(doc["bearer_methods_supported"], strings({"header"}));
  EXPECT_EQ(doc["resource_name"], "context7");

  auto docs = json_body(protected_resource_metadata(c, c.routes[1], "/docs"));
  EXPECT_EQ(docs["resource"], "https://gw.contoso.dev/docs");
  EXPECT_EQ(docs["scopes_supported"], strings({kDocsScope}));
}

TEST(ProtectedResourceMetadata, ListsNoEmptyScope) {
  auto c = gateway_config();
  c.routes[0].client_scope.clear();
  auto doc = json_body(protected_resource_metadata(c, c.routes[0], "/context7/mcp"));
  EXPECT_EQ(doc["scopes_supported"], json::array());
}

TEST(AuthorizationServerMetadata, IsTheGatewaysWithTheTenantsKeys) {
  auto c = gateway_config();
  auto r = authorization_server_metadata(c, default_endpoints(c));
  EXPECT_EQ(r.status, 200);
  expect_cors(r);
  auto doc = json_body(r);
  EXPECT_EQ(doc["issuer"], kPublicUrl);
  EXPECT_EQ(doc["authorization_endpoint"], "https://gw.contoso.dev/authorize");
  EXPECT_EQ(doc["token_endpoint"], "https://gw.contoso.dev/token");
  EXPECT_EQ(doc["jwks_uri"], json::value(kTenantBase + "/discovery/v2.0/keys"));
  EXPECT_EQ(doc["code_challenge_methods_supported"], strings({"S256"}));
  EXPECT_EQ(doc["response_types_supported"], strings({"code"}));
  EXPECT_EQ(doc["grant_types_supported"], strings({"authorization_code", "refresh_token"}));
  EXPECT_EQ(doc["scopes_supported"],
            strings({"openid", "profile", "email", "offline_access", kClientScope, kDocsScope}));
  EXPECT_FALSE(doc.contains("registration_endpoint"));
}

TEST(AuthorizationServerMetadata, ListsEachClientScopeOnceAndRegistrationOnlyWhenEnabled) {
  auto c = gateway_config();
  c.routes[1].client_scope = kClientScope;
  c.registration.enabled = true;
  auto doc = json_body(authorization_server_metadata(c, default_endpoints(c)));
  EXPECT_EQ(doc["scopes_supported"], strings({"openid", "profile", "email", "offline_access", kClientScope}));
  EXPECT_EQ(doc["registration_endpoint"], "https://gw.contoso.dev/register");
}

TEST(AuthorizeRedirect, SendsTheQueryToTheTenantWithoutResource) {
  auto tenant = default_endpoints(gateway_config());
  auto r = authorize_redirect(
      request("GET",
              "/authorize?response_type=code&client_id=aebc6443-996d-45c2-90f0-388ff96faa56"
              "&redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2F&scope=api%3A%2F%2Fb1e4d7a2-5c3f-4e8a-8d21-"
              "9f6a3c0e2b02%2FMcp.Gateway.Access+offline_access&state=st%26te&code_challenge=abc_-123"
              "&code_challenge_method=S256&resource=https%3A%2F%2Fgw.contoso.dev%2Fcontext7%2Fmcp"),
      tenant, gateway_config());
  EXPECT_EQ(r.status, 302);
  auto location = std::string(r.headers.get("Location").value_or(""));
  auto q = location.find('?');
  ASSERT_NE(q, std::string::npos) << location;
  EXPECT_EQ(location.substr(0, q), tenant.authorization_endpoint);
  EXPECT_EQ(form_pairs(location.substr(q + 1)), (Pairs{{"response_type", "code"},
                                                       {"client_id", kVsCode},
                                                       {"redirect_uri", "http://127.0.0.1:33418/"},
                                                       {"state", "st&te"},
                                                       {"code_challenge", "abc_-123"},
                                                       {"code_challenge_method", "S256"},
                                                       {"scope", std::string(kClientScope) + " offline_access"}}));
}

TEST(AuthorizeRedirect, FillsAMissingScopeAndAsksForARefreshToken) {
  auto tenant = default_endpoints(gateway_config());
  for (auto [query, scope] : std::vector<std::pair<std::string, std::string>>{
           {"client_id=c&response_type=code", std::string(kClientScope) + " offline_access"},
           {"client_id=c&scope=openid+profile", "openid profile " + std::string(kClientScope) + " offline_access"},
           {"client_id=c&scope=OFFLINE_ACCESS", "OFFLINE_ACCESS " + std::string(kClientScope)}}) {
    auto r = authorize_redirect(request("GET", "/authorize?" + query), tenant, gateway_config());
    auto location = std::string(r.headers.get("Location").value_or(""));
    std::string got;
    for (auto& [n, v] : form_pairs(location.substr(location.find('?') + 1)))
      if (n == "scope") got = v;
    EXPECT_EQ(got, scope) << query;
  }
}

TEST(AuthorizeRedirect, WithoutAQueryGoesToTheBareEndpoint) {
  auto tenant = default_endpoints(gateway_config());
  auto r = authorize_redirect(request("GET", "/authorize"), tenant, gateway_config());
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.headers.get("Location"), tenant.authorization_endpoint);
}

TEST(AuthorizeRedirect, RefusesBadUrlEncoding) {
  auto r = authorize_redirect(request("GET", "/authorize?client_id=x&state=%zz"), default_endpoints(gateway_config()),
                              gateway_config());
  expect_oauth_error(r, 400, "invalid_request", "URL encoding");
  EXPECT_FALSE(r.headers.get("Location"));
}

http::Request token_request(std::string body, std::string content_type = "application/x-www-form-urlencoded") {
  return request("POST", "/token", {{"Content-Type", content_type}}, std::move(body));
}

TEST(TokenRequestBody, DropsResourceAndAddsTheClientScopeToACodeGrant) {
  auto body = token_request_body(
      token_request("grant_type=authorization_code&code=the-code&redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2F"
                    "&code_verifier=verifier&client_id=aebc6443-996d-45c2-90f0-388ff96faa56"
                    "&resource=https%3A%2F%2Fgw.contoso.dev%2Fcontext7%2Fmcp"),
      gateway_config());
  ASSERT_TRUE(body) << body.error().body;
  EXPECT_EQ(form_pairs(*body), (Pairs{{"grant_type", "authorization_code"},
                                      {"code", "the-code"},
                                      {"redirect_uri", "http://127.0.0.1:33418/"},
                                      {"code_verifier", "verifier"},
                                      {"client_id", kVsCode},
                                      {"scope", std::string(kClientScope) + " offline_access"}}));
}

// A refresh that asks for OIDC scopes only would get a Microsoft Graph token from Entra (or
// AADSTS650053): it is asked for what the sign-in asked for.
TEST(TokenRequestBody, ARefreshAsksForTheGatewaysTokenWhateverScopeItSent) {
  auto added = token_request_body(token_request("grant_type=refresh_token&refresh_token=rt"), gateway_config());
  ASSERT_TRUE(added);
  EXPECT_EQ(form_pairs(*added), (Pairs{{"grant_type", "refresh_token"},
                                       {"refresh_token", "rt"},
                                       {"scope", std::string(kClientScope) + " offline_access"}}));

  auto oidc_only =
      token_request_body(token_request("grant_type=refresh_token&refresh_token=rt&scope=openid+offline_access",
                                       "Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
                         gateway_config());
  ASSERT_TRUE(oidc_only);
  EXPECT_EQ(form_pairs(*oidc_only), (Pairs{{"grant_type", "refresh_token"},
                                           {"refresh_token", "rt"},
                                           {"scope", "openid offline_access " + std::string(kClientScope)}}));
}

TEST(TokenRequestBody, LeavesOtherGrantsWithoutScope) {
  auto body = token_request_body(
      token_request("grant_type=client_credentials&client_id=c&client_secret=s&resource=https%3A%2F%2Fx"),
      gateway_config());
  ASSERT_TRUE(body);
  EXPECT_EQ(form_pairs(*body),
            (Pairs{{"grant_type", "client_credentials"}, {"client_id", "c"}, {"client_secret", "s"}}));
}

TEST(TokenRequestBody, RefusesOtherContentTypesAndBadEncoding) {
  auto json_request = token_request(R"({"grant_type":"authorization_code"})", "application/json");
  auto wrong_type = token_request_body(json_request, gateway_config());
  ASSERT_FALSE(wrong_type);
  expect_oauth_error(wrong_type.error(), 400, "invalid_request", "application/x-www-form-urlencoded");

  auto untyped = request("POST", "/token", {}, "grant_type=refresh_token");
  auto no_type = token_request_body(untyped, gateway_config());
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().status, 400);

  auto bad = token_request_body(token_request("grant_type=refresh_token&refresh_token=%zz"), gateway_config());
  ASSERT_FALSE(bad);
  expect_oauth_error(bad.error(), 400, "invalid_request", "form encoding");
}

class RegisterClient : public ::testing::Test {
 protected:
  RegisterClient() {
    shim.enabled = true;
    shim.client_id = kVsCode;
    shim.allowed_redirect_uris = {"https://vscode.dev/redirect"};
  }

  http::Response registered(const std::string& body) {
    return register_client(request("POST", "/register", {{"Content-Type", "application/json"}}, body), shim,
                           clock.now());
  }

  RegistrationShim shim;
  mcpgate::testing::ManualClock clock;  // 1'800'000'000 s
};

TEST_F(RegisterClient, AnswersWithThePreRegisteredPublicClient) {
  clock.advance(std::chrono::seconds(42));
  auto r = registered(R"({"client_name":"Visual Studio Code","redirect_uris":["http://127.0.0.1:33418/",
      "http://localhost:8080/callback","http://[::1]:9000/cb","https://vscode.dev/redirect"],
      "grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"client_secret_basic",
      "scope":"openid offline_access"})");
  EXPECT_EQ(r.status, 201);
  expect_cors(r);
  auto doc = json_body(r);
  EXPECT_EQ(doc["client_id"], kVsCode);
  EXPECT_EQ(doc["client_id_issued_at"], 1'800'000'042);
  EXPECT_EQ(doc["redirect_uris"], strings({"http://127.0.0.1:33418/", "http://localhost:8080/callback",
                                           "http://[::1]:9000/cb", "https://vscode.dev/redirect"}));
  EXPECT_EQ(doc["token_endpoint_auth_method"], "none");  // there is no secret to give
  EXPECT_EQ(doc["grant_types"], strings({"authorization_code", "refresh_token"}));
  EXPECT_EQ(doc["response_types"], strings({"code"}));
  EXPECT_EQ(doc["client_name"], "Visual Studio Code");
  EXPECT_EQ(doc["scope"], "openid offline_access");
  EXPECT_FALSE(doc.contains("client_secret"));
}

TEST_F(RegisterClient, RefusesRedirectsThatAreNeitherLoopbackNorAllowListed) {
  expect_oauth_error(registered(R"({"redirect_uris":["http://127.0.0.1:1/cb","https://evil.example/cb"]})"), 400,
                     "invalid_redirect_uri", "'https://evil.example/cb'");
  expect_oauth_error(registered(R"({"redirect_uris":["http://localhost.evil.example/cb"]})"), 400,
                     "invalid_redirect_uri");
  expect_oauth_error(registered(R"({"redirect_uris":["https://localhost/cb"]})"), 400, "invalid_redirect_uri");
  expect_oauth_error(registered(R"({"redirect_uris":["https://vscode.dev/redirect/other"]})"), 400,
                     "invalid_redirect_uri");
  expect_oauth_error(registered(R"({"redirect_uris":["not a uri"]})"), 400, "invalid_redirect_uri");
}

TEST_F(RegisterClient, RefusesMalformedMetadata) {
  expect_oauth_error(registered("client_name=x"), 400, "invalid_client_metadata", "JSON object");
  expect_oauth_error(registered(R"(["http://127.0.0.1/"])"), 400, "invalid_client_metadata", "JSON object");
  expect_oauth_error(registered(R"({"client_name":"x"})"), 400, "invalid_redirect_uri", "non-empty array");
  expect_oauth_error(registered(R"({"redirect_uris":[]})"), 400, "invalid_redirect_uri", "non-empty array");
  expect_oauth_error(registered(R"({"redirect_uris":"http://127.0.0.1/"})"), 400, "invalid_redirect_uri");
  expect_oauth_error(registered(R"({"redirect_uris":[7]})"), 400, "invalid_redirect_uri", "must be a string");
}

TEST_F(RegisterClient, RefusesGrantsOtherThanCodeAndRefresh) {
  expect_oauth_error(registered(R"({"redirect_uris":["http://127.0.0.1/"],"grant_types":["client_credentials"]})"), 400,
                     "invalid_client_metadata", "authorization_code and refresh_token");
  expect_oauth_error(
      registered(R"({"redirect_uris":["http://127.0.0.1/"],"grant_types":["authorization_code","implicit"]})"), 400,
      "invalid_client_metadata");
}

TEST(CorsPreflight, AllowsTheMcpHeadersFromAnyOrigin) {
  auto r = cors_preflight();
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  expect_cors(r);
  EXPECT_EQ(r.headers.get("Access-Control-Allow-Methods"), "GET, POST, DELETE, OPTIONS");
  auto allowed = std::string(r.headers.get("Access-Control-Allow-Headers").value_or(""));
  for (auto name :
       {"Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID"})
    EXPECT_NE(allowed.find(name), std::string::npos) << name;
  EXPECT_EQ(r.headers.get("Access-Control-Max-Age"), "86400");
  EXPECT_NE(std::string(r.headers.get("Access-Control-Expose-Headers").value_or("")).find("WWW-Authenticate"),
            std::string::npos);
}

}  // namespace
}  // namespace mcpgate::proxy
