#include "unit/idp/idp_fixture.hpp"

namespace mcpgate::idp::testing {
namespace {

TEST_F(IdpTest, LoginHintSignsInWithoutAPageAndRedirectsWithCodeAndState) {
  auto r = get(authorize_query({{"client_info", "1"}}));
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.headers.get("Location")->rfind("http://localhost:53682/callback?", 0), 0u);
  auto p = redirect_params(r);
  EXPECT_FALSE(p["code"].empty());
  EXPECT_EQ(p["state"], "st4te");
  EXPECT_FALSE(p["client_info"].empty());
}

TEST_F(IdpTest, UnknownClientIsShownOnAPageNotRedirected) {
  auto r = get(authorize_query({{"client_id", "11111111-2222-3333-4444-555555555555"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.headers.get("Location"));
  EXPECT_NE(r.body.find("AADSTS700016"), std::string::npos);
}

TEST_F(IdpTest, UnregisteredRedirectUriIsAADSTS50011OnAPage) {
  auto r = get(authorize_query({{"redirect_uri", "https://attacker.example/cb"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.headers.get("Location"));
  EXPECT_NE(r.body.find("AADSTS50011"), std::string::npos);
}

TEST_F(IdpTest, PublicClientWithoutPkceIsRefused) {
  auto r = get(authorize_query({{"code_challenge", "<drop>"}, {"code_challenge_method", "<drop>"}}));
  ASSERT_EQ(r.status, 302);
  auto p = redirect_params(r);
  EXPECT_EQ(p["error"], "invalid_request");
  EXPECT_NE(p["error_description"].find("AADSTS9002325"), std::string::npos);
  EXPECT_EQ(p["state"], "st4te");
}

TEST_F(IdpTest, PlainPkceIsRefusedForPublicClients) {
  auto r = get(authorize_query({{"code_challenge", kVerifier}, {"code_challenge_method", "plain"}}));
  EXPECT_EQ(redirect_params(r)["error"], "invalid_request");
}

TEST_F(IdpTest, ResourceParameterNamingTheMcpUrlIsRejectedLikeEntra) {
  auto r = get(authorize_query({{"resource", "http://127.0.0.1:8080/context7/mcp"}}));
  auto p = redirect_params(r);
  EXPECT_EQ(p["error"], "invalid_target");
  EXPECT_NE(p["error_description"].find("AADSTS9010010"), std::string::npos);
}

TEST_F(IdpTest, ResourceParameterNamingTheScopesResourceIsAccepted) {
  auto r = get(authorize_query({{"resource", std::string("api://") + kGateway}}));
  EXPECT_FALSE(redirect_params(r)["code"].empty()) << r.headers.get("Location").value_or("");
}

TEST_F(IdpTest, ClientNotAuthorizedForTheScopeGetsAADSTS65005) {
  // VS Code is pre-authorized on the gateway's scope, not on the MCP API's.
  auto r = get(authorize_query({{"client_id", kVsCode}, {"scope", std::string("api://") + kMcpApi + "/mcp.access"}}));
  auto p = redirect_params(r);
  EXPECT_EQ(p["error"], "invalid_client");
  EXPECT_NE(p["error_description"].find("AADSTS65005"), std::string::npos);
  EXPECT_NE(p["error_description"].find("Authorized client applications"), std::string::npos);
}

TEST_F(IdpTest, AuthorizedClientApplicationMaySignInToTheGatewayScope) {
  auto r = get(authorize_query({{"client_id", kVsCode}}));
  EXPECT_FALSE(redirect_params(r)["code"].empty()) << r.headers.get("Location").value_or("");
}

TEST_F(IdpTest, UnknownScopeIsAADSTS70011) {
  auto r = get(authorize_query({{"scope", std::string("api://") + kGateway + "/Nope.Read"}}));
  auto p = redirect_params(r);
  EXPECT_EQ(p["error"], "invalid_scope");
  EXPECT_NE(p["error_description"].find("AADSTS70011"), std::string::npos);
}

TEST_F(IdpTest, UnsupportedResponseTypeIsRedirectedAsAnError) {
  EXPECT_EQ(redirect_params(get(authorize_query({{"response_type", "token"}})))["error"], "unsupported_response_type");
}

TEST_F(IdpTest, RepeatedParameterIsRefused) {
  auto r = get(authorize_query() + "&client_id=" + kGateway);
  EXPECT_EQ(r.status, 400);
}

TEST_F(IdpTest, FragmentAndFormPostResponseModes) {
  auto r = get(authorize_query({{"response_mode", "fragment"}}));
  EXPECT_NE(r.headers.get("Location")->find("#code="), std::string::npos);
  auto f = get(authorize_query({{"response_mode", "form_post"}}));
  EXPECT_EQ(f.status, 200);
  EXPECT_NE(f.body.find("name=\"code\""), std::string::npos);
}

TEST_F(IdpTest, WithoutAutoLoginASignInPageListsUsersAndTheChoiceCompletesSignIn) {
  auto config = demo_config();
  config.auto_login = false;
  start(std::move(config));
  auto page = get(authorize_query());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("alice@contoso.dev"), std::string::npos);
  auto pos = page.body.find("name=pending value=\"");
  ASSERT_NE(pos, std::string::npos);
  auto start_at = pos + std::string("name=pending value=\"").size();
  auto pending = page.body.substr(start_at, page.body.find('"', start_at) - start_at);
  auto done = post_form(std::string("/") + kTenant + "/login", {{"pending", pending}, {"user", kAliceOid}});
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_FALSE(redirect_params(done)["code"].empty());
  // The page cannot be submitted twice.
  EXPECT_EQ(post_form(std::string("/") + kTenant + "/login", {{"pending", pending}, {"user", kAliceOid}}).status, 400);
}

TEST_F(IdpTest, PromptNoneWithoutAUserIsLoginRequired) {
  auto config = demo_config();
  config.auto_login = false;
  start(std::move(config));
  auto p = redirect_params(get(authorize_query({{"prompt", "none"}})));
  EXPECT_EQ(p["error"], "login_required");
}

}  // namespace
}  // namespace mcpgate::idp::testing
