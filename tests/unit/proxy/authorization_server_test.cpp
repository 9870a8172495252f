// The gateway as the authorization server, without sockets: a fake Entra token endpoint, a fake
// web for client metadata documents, and a browser played by hand (cookies carried explicitly).
#include "proxy/authorization_server.hpp"

#include <deque>
#include <map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "http/form.hpp"
#include "http/upstream.hpp"
#include "support/manual_clock.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Task;
using testing::kPublicUrl;
using testing::request;

constexpr const char* kEntraAuthorize = "https://login.test/t/oauth2/v2.0/authorize";
constexpr const char* kEntraToken = "https://login.test/t/oauth2/v2.0/token";
constexpr const char* kRedirect = "http://127.0.0.1:33418/callback";
constexpr const char* kDocUrl = "https://editor.example.com/oauth/client.json";
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more";

class BodyResponse final : public http::UpstreamResponse {
 public:
  explicit BodyResponse(std::string body) : body_(std::move(body)) {}
  Task<boost::system::result<std::string, http::UpstreamError>> read_some() override {
    std::string out = std::move(body_);
    body_.clear();
    done_ = true;
    co_return out;
  }
  bool done() const override { return done_; }

 private:
  std::string body_;
  bool done_ = false;
};

// Entra's token endpoint: a code "entra-code-<oid>" redeems to "at-<oid>"; refresh tokens too.
// Metadata documents: whatever `documents` holds for a URL.
class FakeWeb final : public http::Upstream {
 public:
  Task<boost::system::result<http::Response, http::UpstreamError>> fetch(http::ClientRequest r,
                                                                         std::chrono::milliseconds) override {
    token_requests.push_back(testing::form_pairs(r.body));
    auto form = http::parse_form(r.body);
    if (entra_refusal) co_return *entra_refusal;
    std::string access_token = "a-token-for-another-audience";
    auto code = form->get("code").value_or("");
    if (code.starts_with("entra-code-")) access_token = "at-" + std::string(code.substr(11));
    auto refresh = form->get("refresh_token").value_or("");
    // "rt-stale" refreshes to a token no route accepts (as if Entra had changed its mind).
    if (form->get("grant_type") == "refresh_token" && refresh.starts_with("rt-") && refresh != "rt-stale")
      access_token = "at-" + std::string(refresh.substr(3));
    auto oid = access_token.substr(3);
    co_return http::Response::json(200, json::object{{"token_type", "Bearer"},
                                                     {"access_token", access_token},
                                                     {"refresh_token", "rt-" + oid},
                                                     {"id_token", "id-token-for-the-gateway"},
                                                     {"expires_in", 3600},
                                                     {"scope", form->get("scope").value_or("")}});
  }

  Task<boost::system::result<std::unique_ptr<http::UpstreamResponse>, http::UpstreamError>> open(
      http::ClientRequest r, http::Deadlines) override {
    ++document_fetches[r.url];
    auto it = documents.find(r.url);
    if (it == documents.end()) co_return http::UpstreamError::because("cannot connect to " + r.url);
    auto response = std::make_unique<BodyResponse>(it->second);
    response->status = 200;
    response->headers.add("Cache-Control", "max-age=600");
    co_return std::unique_ptr<http::UpstreamResponse>(std::move(response));
  }

  std::vector<testing::Pairs> token_requests;
  std::optional<http::Response> entra_refusal;
  std::map<std::string, std::string> documents;
  std::map<std::string, int> document_fetches;
};

std::string value_of(const testing::Pairs& pairs, std::string_view name) {
  for (const auto& [n, v] : pairs)
    if (n == name) return v;
  return "";
}

std::string location(const http::Response& r) { return std::string(r.headers.get("Location").value_or("")); }

testing::Pairs query_of(const std::string& url) {
  auto q = url.find('?');
  return q == std::string::npos ? testing::Pairs{} : testing::form_pairs(url.substr(q + 1));
}

// name=value of a Set-Cookie line named `name`, or empty.
std::string cookie_from(const http::Response& r, std::string_view name) {
  for (auto [field, value] : r.headers.fields())
    if (iequals(field, "Set-Cookie") && std::string_view(value).starts_with(std::string(name) + "="))
      return std::string(value.substr(0, value.find(";")));
  return "";
}

class AuthorizationServerTest : public ::testing::Test {
 protected:
  AuthorizationServerTest() {
    config.registration.enabled = true;
    config.registration.client_id = testing::kGatewayApp;
    config.authorization_server.enabled = true;
    config.authorization_server.key = "a-test-key-of-at-least-thirty-two-characters";
  }

  AuthorizationServer& server() {
    if (!server_)
      server_ = std::make_unique<AuthorizationServer>(AuthorizationServer::Context{
          config, clock, web, web,
          [] {
            return TenantEndpoints{"https://login.test/t/v2.0", kEntraAuthorize, kEntraToken, ""};
          },
          [this](size_t, std::string token)
              -> Task<boost::system::result<std::shared_ptr<const auth::VerifiedToken>, auth::VerifyError>> {
            if (token.rfind("at-", 0) != 0)
              co_return auth::VerifyError{auth::TokenFailure::audience_mismatch, "wrong audience"};
            auto v = std::make_shared<auth::VerifiedToken>();
            v->tid = testing::kTenant;
            v->oid = token.substr(3);
            v->preferred_username = v->oid + "@contoso.dev";
            ++verified;
            co_return std::shared_ptr<const auth::VerifiedToken>(v);
          }});
    return *server_;
  }

  http::Response send(http::Request r) {
    r.remote_address = "192.0.2.7";
    asio::io_context io;
    std::optional<http::Response> out;
    asio::co_spawn(io, server().handle(r), [&](std::exception_ptr e, http::Response response) {
      if (e) std::rethrow_exception(e);
      out = std::move(response);
    });
    io.run();
    return *out;
  }

  std::string registered_client(const std::string& redirect = kRedirect) {
    auto r = send(request("POST", "/register", {{"Content-Type", "application/json"}},
                          R"({"client_name":"Test Editor","redirect_uris":[")" + redirect + R"("]})"));
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(testing::json_body(r).at("client_id").as_string());
  }

  static std::string authorize_query(const std::string& client_id, const std::string& redirect = kRedirect) {
    http::Form f;
    f.add("response_type", "code");
    f.add("client_id", client_id);
    f.add("redirect_uri", redirect);
    f.add("state", "client-state");
    f.add("code_challenge", base64url_encode(crypto::sha256(kVerifier)));
    f.add("code_challenge_method", "S256");
    f.add("resource", std::string(kPublicUrl) + "/context7/mcp");
    f.add("login_hint", "alice@contoso.dev");
    return f.encode();
  }

  struct Started {
    std::string state;   // ours, toward Entra
    std::string cookie;  // the browser binding
  };
  Started start(const std::string& client_id, const std::string& browser_cookies = "") {
    auto r =
        send(request("GET", "/authorize?" + authorize_query(client_id),
                     browser_cookies.empty()
                         ? std::initializer_list<std::pair<std::string, std::string>>{}
                         : std::initializer_list<std::pair<std::string, std::string>>{{"Cookie", browser_cookies}}));
    EXPECT_EQ(r.status, 302) << r.body;
    auto to = location(r);
    EXPECT_EQ(to.rfind(kEntraAuthorize, 0), 0U) << to;
    auto q = query_of(to);
    auto cookie = cookie_from(r, "__Host-mcpgate_oauth");
    return {value_of(q, "state"), cookie.empty() ? browser_cookies : cookie};
  }

  http::Response callback(const Started& s, const std::string& oid, const std::string& extra_cookies = "") {
    std::string cookies = s.cookie + (extra_cookies.empty() ? "" : "; " + extra_cookies);
    return send(request("GET", "/oauth/callback?code=entra-code-" + oid + "&state=" + s.state, {{"Cookie", cookies}}));
  }

  http::Response consent(const http::Response& page, const Started& s, const std::string& decision,
                         const std::string& origin = kPublicUrl) {
    auto at = page.body.find("name=\"consent\" value=\"");
    EXPECT_NE(at, std::string::npos) << page.body;
    auto begin = at + 22;
    auto id = page.body.substr(begin, page.body.find('"', begin) - begin);
    return send(
        request("POST", "/oauth/consent",
                {{"Cookie", s.cookie}, {"Origin", origin}, {"Content-Type", "application/x-www-form-urlencoded"}},
                "consent=" + id + "&decision=" + decision));
  }

  http::Response redeem(const std::string& code, const std::string& client_id, const std::string& verifier = kVerifier,
                        const std::string& redirect = kRedirect) {
    http::Form f;
    f.add("grant_type", "authorization_code");
    f.add("code", code);
    f.add("client_id", client_id);
    f.add("redirect_uri", redirect);
    f.add("code_verifier", verifier);
    f.add("resource", std::string(kPublicUrl) + "/context7/mcp");
    return send(request("POST", "/token", {{"Content-Type", "application/x-www-form-urlencoded"}}, f.encode()));
  }

  // alice signs in through `client_id`; the refresh token the client gets (wrapped).
  std::string refresh_token_of(const std::string& client_id, const std::string& oid = "alice") {
    auto s = start(client_id);
    auto code = value_of(query_of(location(consent(callback(s, oid), s, "allow"))), "code");
    auto tokens = redeem(code, client_id);
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    return std::string(testing::json_body(tokens).at("refresh_token").as_string());
  }

  mcpgate::testing::ManualClock clock;
  GatewayConfig config = testing::gateway_config();
  FakeWeb web;
  int verified = 0;
  std::unique_ptr<AuthorizationServer> server_;
};

TEST_F(AuthorizationServerTest, RegisteredClientSignsInWithConsentAndGetsItsOwnCodeWithIss) {
  auto client_id = registered_client();
  auto s = start(client_id);
  ASSERT_FALSE(s.cookie.empty()) << "the sign-in is bound to the browser";

  // Toward Entra: the gateway's app, its own callback and PKCE; the client's login_hint.
  const auto& out = query_of(location(send(request("GET", "/authorize?" + authorize_query(client_id)))));
  EXPECT_EQ(value_of(out, "client_id"), testing::kGatewayApp);
  EXPECT_EQ(value_of(out, "redirect_uri"), std::string(kPublicUrl) + "/oauth/callback");
  EXPECT_EQ(value_of(out, "code_challenge_method"), "S256");
  EXPECT_NE(value_of(out, "code_challenge"), base64url_encode(crypto::sha256(kVerifier)));
  EXPECT_EQ(value_of(out, "login_hint"), "alice@contoso.dev");
  EXPECT_EQ(value_of(out, "resource"), "");
  EXPECT_NE(value_of(out, "scope").find(testing::kClientScope), std::string::npos);
  EXPECT_NE(value_of(out, "scope").find("offline_access"), std::string::npos);

  auto page = callback(s, "alice");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Test Editor"), std::string::npos);
  EXPECT_NE(page.body.find("not verified"), std::string::npos);
  EXPECT_NE(page.body.find("alice@contoso.dev"), std::string::npos);
  EXPECT_NE(page.body.find("an application on this computer (127.0.0.1:33418)"), std::string::npos);
  EXPECT_NE(std::string(page.headers.get("Content-Security-Policy").value_or("")).find("frame-ancestors 'none'"),
            std::string::npos);
  // Entra's code was redeemed with the gateway's credential and verifier.
  ASSERT_EQ(web.token_requests.size(), 1U);
  EXPECT_EQ(value_of(web.token_requests[0], "client_secret"), "a-test-secret-not-used");
  EXPECT_EQ(value_of(web.token_requests[0], "redirect_uri"), std::string(kPublicUrl) + "/oauth/callback");
  EXPECT_FALSE(value_of(web.token_requests[0], "code_verifier").empty());

  auto allowed = consent(page, s, "allow");
  ASSERT_EQ(allowed.status, 302) << allowed.body;
  auto back = query_of(location(allowed));
  EXPECT_EQ(location(allowed).rfind(kRedirect, 0), 0U);
  EXPECT_EQ(value_of(back, "state"), "client-state");
  EXPECT_EQ(value_of(back, "iss"), kPublicUrl);
  auto code = value_of(back, "code");
  ASSERT_FALSE(code.empty());
  EXPECT_FALSE(cookie_from(allowed, "__Host-mcpgate_consent").empty());

  auto tokens = redeem(code, client_id);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  auto body = testing::json_body(tokens);
  EXPECT_EQ(body.at("access_token").as_string(), "at-alice");
  auto refresh_token = std::string(body.at("refresh_token").as_string());
  EXPECT_EQ(refresh_token.rfind("mgr1.", 0), 0u) << "Entra's refresh token leaves only wrapped for this client";
  EXPECT_EQ(refresh_token.find("rt-alice"), std::string::npos);
  EXPECT_FALSE(body.contains("id_token")) << "the ID token was issued to the gateway, not the client";
  EXPECT_EQ(tokens.headers.get("Cache-Control").value_or(""), "no-store");
  // Single use.
  EXPECT_EQ(testing::json_body(redeem(code, client_id)).at("error").as_string(), "invalid_grant");
}

TEST_F(AuthorizationServerTest, ConsentIsRememberedForThatUserAndClientOnly) {
  auto client_id = registered_client();
  auto s = start(client_id);
  auto allowed = consent(callback(s, "alice"), s, "allow");
  auto consent_cookie = cookie_from(allowed, "__Host-mcpgate_consent");
  ASSERT_FALSE(consent_cookie.empty());

  // alice again, same browser: straight back to the client.
  auto again = start(client_id, s.cookie);
  auto direct = callback(again, "alice", consent_cookie);
  EXPECT_EQ(direct.status, 302) << direct.body;
  EXPECT_FALSE(value_of(query_of(location(direct)), "code").empty());

  // bob in that browser, or alice through another client: asked.
  auto bob = start(client_id, s.cookie);
  EXPECT_EQ(callback(bob, "bob", consent_cookie).status, 200);
  auto other = registered_client("http://127.0.0.1:1/other");
  auto through_other =
      send(request("GET", "/authorize?" + authorize_query(other, "http://127.0.0.1:1/other"), {{"Cookie", s.cookie}}));
  Started o{value_of(query_of(location(through_other)), "state"), s.cookie};
  EXPECT_EQ(callback(o, "alice", consent_cookie).status, 200);

  // The mark expires.
  clock.advance(config.authorization_server.consent_lifetime + std::chrono::seconds(1));
  auto late = start(client_id, s.cookie);
  EXPECT_EQ(callback(late, "alice", consent_cookie).status, 200);
}

TEST_F(AuthorizationServerTest, DecliningSendsAccessDeniedWithIss) {
  auto client_id = registered_client();
  auto s = start(client_id);
  auto declined = consent(callback(s, "alice"), s, "deny");
  ASSERT_EQ(declined.status, 302);
  auto back = query_of(location(declined));
  EXPECT_EQ(value_of(back, "error"), "access_denied");
  EXPECT_EQ(value_of(back, "iss"), kPublicUrl);
  EXPECT_EQ(value_of(back, "code"), "");
}

TEST_F(AuthorizationServerTest, ConsentFromAnotherOriginIsRefused) {
  auto client_id = registered_client();
  auto s = start(client_id);
  auto page = callback(s, "alice");
  EXPECT_EQ(consent(page, s, "allow", "https://evil.example").status, 403);
}

// Browsers leave the default port out of Origin: a public_url that names it must still match.
TEST_F(AuthorizationServerTest, ConsentAcceptsTheOriginOfAPublicUrlWithItsDefaultPort) {
  config.public_url = std::string(kPublicUrl) + ":443";
  auto client_id = registered_client();
  auto s = start(client_id);
  auto page = callback(s, "alice");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(consent(page, s, "allow", kPublicUrl).status, 302);
}

TEST_F(AuthorizationServerTest, CallbackNeedsTheBrowserThatStartedAndOnlyOnce) {
  auto client_id = registered_client();
  auto s = start(client_id);
  Started stranger{s.state, "__Host-mcpgate_oauth=" + std::string(43, 'x')};
  EXPECT_EQ(callback(stranger, "alice").status, 400);
  EXPECT_EQ(callback(s, "alice").status, 400) << "the state was used up by the failed attempt";
  auto fresh = start(client_id);
  EXPECT_EQ(callback(fresh, "alice").status, 200);
  EXPECT_EQ(callback(fresh, "alice").status, 400);
  auto expired = start(client_id);
  clock.advance(std::chrono::minutes(11));
  EXPECT_EQ(callback(expired, "alice").status, 400);
}

TEST_F(AuthorizationServerTest, UnknownClientsAndRedirectsGetAPageNotARedirect) {
  auto bad_client = send(request("GET", "/authorize?" + authorize_query("no-such-client")));
  EXPECT_EQ(bad_client.status, 400);
  EXPECT_TRUE(location(bad_client).empty());
  auto client_id = registered_client();
  auto tampered = client_id;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(send(request("GET", "/authorize?" + authorize_query(tampered))).status, 400);
  auto elsewhere = send(request("GET", "/authorize?" + authorize_query(client_id, "https://evil.example/cb")));
  EXPECT_EQ(elsewhere.status, 400);
  EXPECT_TRUE(location(elsewhere).empty());
  EXPECT_NE(elsewhere.body.find("is not one this application registered"), std::string::npos);
}

// Anyone may register a redirect URI: before the person has agreed to a client, its errors are
// shown on the gateway's page, never sent to the client (no open redirector). The administrator's
// pre-registered client hears them at its redirect URI, with iss.
TEST_F(AuthorizationServerTest, WithoutPkceTheRequestStopsOnAPageUnlessTheClientIsTheAdministrators) {
  auto client_id = registered_client("https://evil.example/phish");
  auto page = send(request("GET", "/authorize?response_type=code&client_id=" + client_id +
                                      "&redirect_uri=https%3A%2F%2Fevil.example%2Fphish&state=s1"));
  EXPECT_EQ(page.status, 400);
  EXPECT_TRUE(location(page).empty()) << "no redirect to a URI anyone could have registered";
  EXPECT_NE(page.body.find("PKCE is required"), std::string::npos);

  auto r = send(request("GET", "/authorize?response_type=code&client_id=" + std::string(testing::kGatewayApp) +
                                   "&redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2Fcallback&state=s1"));
  ASSERT_EQ(r.status, 302);
  auto back = query_of(location(r));
  EXPECT_EQ(value_of(back, "error"), "invalid_request");
  EXPECT_EQ(value_of(back, "state"), "s1");
  EXPECT_EQ(value_of(back, "iss"), kPublicUrl);
}

TEST_F(AuthorizationServerTest, TheCodeIsBoundToClientRedirectAndVerifier) {
  auto client_id = registered_client();
  auto get_code = [&] {
    auto s = start(client_id);
    return value_of(query_of(location(consent(callback(s, "alice"), s, "allow"))), "code");
  };
  EXPECT_EQ(testing::json_body(redeem(get_code(), client_id, "wrong-verifier-wrong-verifier-wrong-verifier-xx"))
                .at("error")
                .as_string(),
            "invalid_grant");
  EXPECT_EQ(testing::json_body(redeem(get_code(), registered_client())).at("error").as_string(), "invalid_grant");
  EXPECT_EQ(testing::json_body(redeem(get_code(), client_id, kVerifier, "http://127.0.0.1:33418/other"))
                .at("error")
                .as_string(),
            "invalid_grant");
  auto late = get_code();
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(testing::json_body(redeem(late, client_id)).at("error").as_string(), "invalid_grant");
}

TEST_F(AuthorizationServerTest, EntraErrorsAreShownToThePersonNotSentToAnUnagreedClient) {
  auto client_id = registered_client();
  auto s = start(client_id);
  auto r = send(request("GET", "/oauth/callback?error=access_denied&error_description=AADSTS65004&state=" + s.state,
                        {{"Cookie", s.cookie}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(location(r).empty());
  EXPECT_NE(r.body.find("AADSTS65004"), std::string::npos);

  web.entra_refusal =
      http::Response::json(401, json::object{{"error", "invalid_client"},
                                             {"error_description", "AADSTS7000215: Invalid client secret provided."},
                                             {"error_codes", json::array{7000215}}});
  auto s2 = start(client_id);
  auto failed = callback(s2, "alice");
  EXPECT_EQ(failed.status, 400);
  EXPECT_NE(failed.body.find("AADSTS7000215"), std::string::npos) << failed.body;
  EXPECT_EQ(failed.body.find("a-test-secret-not-used"), std::string::npos);

  // The administrator's pre-registered client hears it at its redirect URI, with iss.
  auto r2 = send(request("GET", "/authorize?" + authorize_query(testing::kGatewayApp)));
  Started pre{value_of(query_of(location(r2)), "state"), cookie_from(r2, "__Host-mcpgate_oauth")};
  auto told = callback(pre, "alice");
  ASSERT_EQ(told.status, 302) << told.body;
  EXPECT_EQ(value_of(query_of(location(told)), "error"), "server_error");
  EXPECT_EQ(value_of(query_of(location(told)), "iss"), kPublicUrl);
}

TEST_F(AuthorizationServerTest, ATokenTheRouteWouldRefuseStopsTheSignIn) {
  auto client_id = registered_client();
  auto s = start(client_id);
  auto r = send(request("GET", "/oauth/callback?code=wrong-shape&state=" + s.state, {{"Cookie", s.cookie}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("wrong audience"), std::string::npos) << r.body;
}

// A client cannot turn the gateway's credential into a token for another API: the scope is the
// gateway's own, and a refreshed token must pass the route's validation like any other.
TEST_F(AuthorizationServerTest, OnlyTheGatewaysOwnScopesAreAskedForAndRefreshedTokensAreChecked) {
  auto out = query_of(location(send(request(
      "GET",
      "/authorize?" + authorize_query(registered_client()) +
          "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default%20api%3A%2F%2Fmcp%2F.default%20offline_access"))));
  auto asked = value_of(out, "scope");
  EXPECT_EQ(asked.find("graph.microsoft.com"), std::string::npos) << asked;
  EXPECT_EQ(asked.find("api://mcp"), std::string::npos) << asked;
  EXPECT_NE(asked.find(testing::kClientScope), std::string::npos) << asked;

  auto client_id = registered_client();
  auto refresh = [&](const std::string& token, const std::string& scope) {
    return send(request("POST", "/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
                        "grant_type=refresh_token&refresh_token=" + token + "&client_id=" + client_id +
                            "&scope=" + http::Form::url_encode(scope)));
  };
  auto r = refresh(refresh_token_of(client_id), "https://graph.microsoft.com/.default");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(value_of(web.token_requests.back(), "scope").find("graph"), std::string::npos);
  // Entra answers with a token the route refuses: it does not leave the gateway.
  auto refused = refresh(refresh_token_of(client_id, "stale"), "");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(testing::json_body(refused).at("error").as_string(), "invalid_grant");
  EXPECT_EQ(refused.body.find("access_token"), std::string::npos);
}

TEST_F(AuthorizationServerTest, MetadataDocumentClientsAreFetchedCheckedAndCached) {
  web.documents[kDocUrl] = R"({"client_id":")" + std::string(kDocUrl) +
                           R"(","client_name":"Editor","redirect_uris":[")" + kRedirect + R"("]})";
  auto s = start(kDocUrl);
  auto page = callback(s, "alice");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Published by</dt><dd>editor.example.com"), std::string::npos) << page.body;
  auto code = value_of(query_of(location(consent(page, s, "allow"))), "code");
  EXPECT_EQ(redeem(code, kDocUrl).status, 200);
  start(kDocUrl);
  EXPECT_EQ(web.document_fetches[kDocUrl], 1) << "cached by its Cache-Control";

  const std::string liar = "https://editor.example.com/oauth/liar.json";
  web.documents[liar] = web.documents[kDocUrl];  // claims another client_id
  auto refused = send(request("GET", "/authorize?" + authorize_query(liar)));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("must be its own URL"), std::string::npos) << refused.body;

  config.authorization_server.metadata_documents.allowed_hosts = {"*.trusted.example"};
  server_.reset();
  auto outside = send(request("GET", "/authorize?" + authorize_query(kDocUrl)));
  EXPECT_EQ(outside.status, 400);
  EXPECT_NE(outside.body.find("allowed_hosts"), std::string::npos);
}

TEST_F(AuthorizationServerTest, RefreshGoesToEntraWithTheGatewaysCredentialAndFullScope) {
  auto client_id = registered_client();
  auto wrapped = refresh_token_of(client_id);
  auto refresh = [&](const std::string& id, const std::string& token) {
    return send(request("POST", "/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
                        "grant_type=refresh_token&refresh_token=" + token + "&client_id=" + id +
                            "&resource=https%3A%2F%2Fgw.contoso.dev%2Fcontext7%2Fmcp"));
  };
  auto r = refresh(client_id, wrapped);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(testing::json_body(r).at("access_token").as_string(), "at-alice");
  EXPECT_FALSE(testing::json_body(r).contains("id_token"));
  const auto& sent = web.token_requests.back();
  EXPECT_EQ(value_of(sent, "client_id"), testing::kGatewayApp);
  EXPECT_EQ(value_of(sent, "client_secret"), "a-test-secret-not-used");
  EXPECT_EQ(value_of(sent, "resource"), "");
  EXPECT_NE(value_of(sent, "scope").find(testing::kClientScope), std::string::npos);
  EXPECT_EQ(value_of(sent, "refresh_token"), "rt-alice") << "unwrapped for Entra";
  EXPECT_EQ(testing::json_body(r).at("refresh_token").as_string().subview(0, 5), "mgr1.") << "and wrapped again";
  EXPECT_EQ(refresh("someone-else", wrapped).status, 401);
  auto other_client = registered_client();
  EXPECT_EQ(testing::json_body(refresh(other_client, wrapped)).at("error").as_string(), "invalid_grant")
      << "a refresh token works only for the client it was issued to";
  EXPECT_EQ(testing::json_body(refresh(client_id, "rt-alice")).at("error").as_string(), "invalid_grant")
      << "Entra's own token is of no use here";
}

TEST_F(AuthorizationServerTest, MetadataAdvertisesIssAndMetadataDocuments) {
  json::object m;
  server().describe(m);
  EXPECT_EQ(m.at("authorization_response_iss_parameter_supported"), true);
  EXPECT_EQ(m.at("client_id_metadata_document_supported"), true);
  EXPECT_EQ(m.at("registration_endpoint").as_string(), std::string(kPublicUrl) + "/register");
}

}  // namespace
}  // namespace mcpgate::proxy
