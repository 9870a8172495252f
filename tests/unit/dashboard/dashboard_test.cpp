// The dashboard's sign-in and sessions, request in, response out, against a real SQLite store.
// The identity provider's side is played by two narrow fakes: the token endpoint and the ID
// token check (signature checks are the auth library's, tested there).
#include "dashboard/dashboard.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "crypto/hash.hpp"
#include "http/form.hpp"
#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::dashboard {
namespace {

namespace json = boost::json;
using std::chrono::hours;

constexpr std::string_view kTenant = "10000000-0000-4000-8000-000000000001";
constexpr std::string_view kClient = "40000000-0000-4000-8000-000000000001";
constexpr std::string_view kOwnerOid = "30000000-0000-4000-8000-000000000001";
constexpr std::string_view kDevOid = "30000000-0000-4000-8000-000000000002";

bool mentions(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// An unsigned compact JWS carrying `claims`: the fake check below trusts it as it is.
std::string id_token(const json::object& claims) {
  return base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." + base64url_encode(json::serialize(claims)) + ".sig";
}

http::Request get(const std::string& target) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  return r;
}

std::string param(const std::string& url, std::string_view name) {
  auto parsed = boost::urls::parse_uri(url).value();
  auto form = *http::parse_form(parsed.encoded_query());
  return std::string(form.get(name).value_or(""));
}

// "name=value" of a Set-Cookie field, by name.
std::optional<std::string> set_cookie(const http::Response& r, std::string_view name) {
  for (auto [field, value] : r.headers.fields())
    if (field == "Set-Cookie" && value.starts_with(std::string(name) + "=")) return std::string(value);
  return std::nullopt;
}

std::string cookie_pair(const std::string& set_cookie_value) {
  return set_cookie_value.substr(0, set_cookie_value.find(';'));
}

class DashboardTest : public ::testing::Test {
 protected:
  DashboardTest() {
    DashboardOptions options;
    options.public_url = "https://mcp.contoso.com/";
    options.authority = "https://login.example";
    options.tenant_id = std::string(kTenant);
    options.client_id = std::string(kClient);
    options.owners = {std::string(kOwnerOid)};
    dashboard = std::make_unique<Dashboard>(
        options, *store,
        [this](const std::string& token) -> boost::system::result<auth::VerifiedToken, std::string> {
          if (refuse_token)
            return boost::system::result<auth::VerifiedToken, std::string>(boost::system::in_place_error,
                                                                           "the ID token was refused: expired");
          auto payload =
              json::parse(
                  base64url_decode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1)).value())
                  .as_object();
          auth::VerifiedToken v;
          v.oid = std::string(payload.at("oid").as_string());
          v.tid = std::string(kTenant);
          v.preferred_username = std::string(payload.at("preferred_username").as_string());
          v.name = "Someone";
          return v;
        },
        clock,
        [this](const http::ClientRequest& r) {
          token_requests.push_back(r);
          return token_answer;
        });
  }

  // Runs a whole sign-in as `upn` with `oid` and returns the session cookie pair ("name=value").
  std::string sign_in(std::string_view upn, std::string_view oid) {
    auto start = dashboard->handle(get("/dashboard/login?login_hint=" + std::string(upn)));
    auto location = std::string(start.headers.get("Location").value());
    auto state = param(location, "state");
    token_answer = http::Response::json(
        200,
        json::object{
            {"id_token", id_token({{"oid", oid}, {"preferred_username", upn}, {"nonce", param(location, "nonce")}})}});
    auto callback = get("/dashboard/callback?code=the-code&state=" + state);
    callback.headers.add("Cookie", cookie_pair(*set_cookie(start, "__Host-mcpgate_sign_in")));
    auto done = dashboard->handle(callback);
    EXPECT_EQ(done.status, 302) << done.body;
    return cookie_pair(set_cookie(done, "__Host-mcpgate_session").value_or(""));
  }

  // Starts a sign-in and brings its callback back with an ID token for `oid` whose nonce is the
  // one given (or the right one); the callback's answer.
  http::Response come_back(const std::string& start_target, std::string_view oid,
                           std::optional<std::string> nonce = std::nullopt) {
    auto start = dashboard->handle(get(start_target));
    auto location = std::string(start.headers.get("Location").value());
    token_answer = http::Response::json(
        200, json::object{{"id_token", id_token({{"oid", oid},
                                                 {"preferred_username", "a@b.c"},
                                                 {"nonce", nonce.value_or(param(location, "nonce"))}})}});
    last_location = location;
    last_callback = get("/dashboard/callback?code=c&state=" + param(location, "state"));
    last_callback.headers.add("Cookie", cookie_pair(*set_cookie(start, "__Host-mcpgate_sign_in")));
    return dashboard->handle(last_callback);
  }

  http::Request admin_request(std::string method, const std::string& path, const std::string& cookie) {
    auto r = get(path);
    r.method = std::move(method);
    r.headers.add("Cookie", "theme=dark; " + cookie);
    return r;
  }

  std::string csrf_of(const std::string& cookie) {
    auto r = get("/dashboard/session");
    r.headers.add("Cookie", cookie);
    return std::string(json::parse(dashboard->handle(r).body).at("csrf_token").as_string());
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "store.db", clock);
  std::unique_ptr<Dashboard> dashboard;
  std::vector<http::ClientRequest> token_requests;
  http::Response token_answer = http::Response::text(500, "not set");
  bool refuse_token = false;
  std::string last_location;
  http::Request last_callback;
};

TEST_F(DashboardTest, SignInStartsWithPkceStateAndNonceBoundToTheBrowser) {
  auto r = dashboard->handle(get("/dashboard/login?login_hint=alice@contoso.dev&return_to=/dashboard/%23/t/acme"));
  ASSERT_EQ(r.status, 302);
  auto location = std::string(r.headers.get("Location").value());
  EXPECT_TRUE(location.starts_with("https://login.example/" + std::string(kTenant) + "/oauth2/v2.0/authorize?"));
  EXPECT_EQ(param(location, "client_id"), kClient);
  EXPECT_EQ(param(location, "redirect_uri"), "https://mcp.contoso.com/dashboard/callback");
  EXPECT_EQ(param(location, "code_challenge_method"), "S256");
  EXPECT_EQ(param(location, "code_challenge").size(), 43u);
  EXPECT_EQ(param(location, "scope"), "openid profile email");
  EXPECT_EQ(param(location, "login_hint"), "alice@contoso.dev");
  EXPECT_FALSE(param(location, "nonce").empty());
  auto cookie = set_cookie(r, "__Host-mcpgate_sign_in").value();
  EXPECT_EQ(cookie_pair(cookie), "__Host-mcpgate_sign_in=" + param(location, "state"));
  EXPECT_TRUE(mentions(cookie, "HttpOnly"));
  EXPECT_TRUE(mentions(cookie, "SameSite=Lax"));
  EXPECT_TRUE(mentions(cookie, "Secure")) << "the public URL is https";
  EXPECT_TRUE(mentions(std::string(r.headers.get("Content-Security-Policy").value()), "frame-ancestors 'none'"));
}

TEST_F(DashboardTest, ASignInRedeemsTheCodeWithItsVerifierAndOpensASession) {
  store->create_teamspace("acme", store::Plan::enterprise, std::nullopt).value();
  store->add_member("acme", "alice@contoso.dev", store::Role::admin).value();
  auto cookie = sign_in("Alice@Contoso.dev", kDevOid);
  ASSERT_FALSE(cookie.empty());
  ASSERT_EQ(token_requests.size(), 1u);
  auto form = *http::parse_form(token_requests[0].body);
  EXPECT_EQ(form.get("grant_type"), "authorization_code");
  EXPECT_EQ(form.get("code"), "the-code");
  EXPECT_FALSE(form.get("client_secret")) << "a public client with PKCE";
  EXPECT_EQ(token_requests[0].url, "https://login.example/" + std::string(kTenant) + "/oauth2/v2.0/token");

  auto who = get("/dashboard/session");
  who.headers.add("Cookie", cookie);
  auto session = json::parse(dashboard->handle(who).body).as_object();
  EXPECT_EQ(session.at("email").as_string(), "alice@contoso.dev");
  EXPECT_FALSE(session.at("installation_owner").as_bool());

  auto caller = dashboard->session_caller(admin_request("GET", "/admin/v1/me", cookie));
  ASSERT_TRUE(caller && *caller);
  EXPECT_EQ((**caller).actor.channel, "dashboard");
  EXPECT_EQ((**caller).actor.oid, kDevOid);
  EXPECT_FALSE((**caller).installation_admin);
  ASSERT_EQ((**caller).roles.size(), 1u);
  EXPECT_EQ((**caller).roles.begin()->second, store::Role::admin);
}

// Roles follow the object ID: a user name alone cannot take over a provisioned member's role.
TEST_F(DashboardTest, RolesFollowTheObjectIdNotTheUserName) {
  const std::string other_oid = "30000000-0000-4000-8000-000000000009";
  store->create_teamspace("acme", store::Plan::enterprise, std::nullopt).value();
  store->set_entra_config("acme", {std::string(kTenant), "20000000-0000-4000-8000-000000000001", "mcp.access"}).value();
  store->add_entra_user("acme", "alice@contoso.dev", kDevOid).value();
  store->add_member("acme", "alice@contoso.dev", store::Role::owner).value();
  store->add_member("acme", "bob@contoso.dev", store::Role::admin).value();  // by name only
  auto roles = [&](std::string_view upn, std::string_view oid) {
    auto caller = dashboard->session_caller(admin_request("GET", "/admin/v1/me", sign_in(upn, oid)));
    EXPECT_TRUE(caller && *caller);
    return caller && *caller ? (**caller).roles : std::map<int64_t, store::Role>{};
  };
  auto alice = roles("alice@contoso.dev", kDevOid);
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice.begin()->second, store::Role::owner);
  EXPECT_TRUE(roles("alice@contoso.dev", other_oid).empty()) << "alice's name with someone else's object ID";
  auto renamed = roles("alice.smith@contoso.dev", kDevOid);
  ASSERT_EQ(renamed.size(), 1u) << "a renamed alice is still alice";
  EXPECT_EQ(renamed.begin()->second, store::Role::owner);
  auto bob = roles("bob@contoso.dev", other_oid);
  ASSERT_EQ(bob.size(), 1u) << "a member added by name, with no mapping, is matched by name";
  EXPECT_EQ(bob.begin()->second, store::Role::admin);
}

TEST_F(DashboardTest, TheVerifierMatchesTheChallenge) {
  come_back("/dashboard/login", kDevOid);
  ASSERT_EQ(token_requests.size(), 1u);
  auto verifier = std::string((*http::parse_form(token_requests[0].body)).get("code_verifier").value());
  EXPECT_EQ(base64url_encode(crypto::sha256(verifier)), param(last_location, "code_challenge"));
}

TEST_F(DashboardTest, InstallationOwnersAreNamedByObjectId) {
  auto cookie = sign_in("owner@contoso.dev", kOwnerOid);
  auto caller = dashboard->session_caller(admin_request("GET", "/admin/v1/me", cookie));
  ASSERT_TRUE(caller && *caller);
  EXPECT_TRUE((**caller).installation_admin);
}

TEST_F(DashboardTest, ACallbackNotStartedInThisBrowserIsRefused) {
  auto start = dashboard->handle(get("/dashboard/login"));
  auto state = param(std::string(start.headers.get("Location").value()), "state");
  // No cookie: a link planted by someone else (login CSRF).
  EXPECT_EQ(dashboard->handle(get("/dashboard/callback?code=c&state=" + state)).status, 400);
  // Another browser's state.
  auto other = get("/dashboard/callback?code=c&state=" + state);
  other.headers.add("Cookie", "__Host-mcpgate_sign_in=somebody-elses");
  EXPECT_EQ(dashboard->handle(other).status, 400);
  EXPECT_TRUE(token_requests.empty()) << "no code is redeemed for a refused callback";
}

TEST_F(DashboardTest, AStateIsGoodOnceAndTheNonceMustMatch) {
  auto refused = come_back("/dashboard/login", kDevOid, "replayed");
  EXPECT_EQ(refused.status, 401);
  EXPECT_TRUE(mentions(refused.body, "nonce"));
  EXPECT_FALSE(set_cookie(refused, "__Host-mcpgate_session"));
  EXPECT_EQ(dashboard->handle(last_callback).status, 400) << "the state was used";
}

TEST_F(DashboardTest, RefusalsFromTheIdentityProviderAreShownNotSwallowed) {
  auto error =
      dashboard->handle(get("/dashboard/callback?error=access_denied&error_description=AADSTS50105%3A+not+assigned"));
  EXPECT_EQ(error.status, 401);
  EXPECT_TRUE(mentions(error.body, "(access_denied AADSTS50105)"));
  EXPECT_FALSE(mentions(error.body, "not assigned")) << "only codes: the rest is anyone's text";
  auto hostile =
      dashboard->handle(get("/dashboard/callback?error=x&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
  EXPECT_FALSE(mentions(hostile.body, "<script>")) << "escaped";

  refuse_token = true;
  auto refused = come_back("/dashboard/login", kDevOid);
  EXPECT_EQ(refused.status, 401);
  EXPECT_TRUE(mentions(refused.body, "expired"));
}

TEST_F(DashboardTest, ReturnPathsStayOnTheDashboard) {
  for (auto wanted : {"https://evil.example/", "//evil.example/dashboard/", "/dashboard//evil.example", "/admin/v1/me",
                      "/dashboard/\\evil", "/dashboard/\r\nSet-Cookie: __Host-mcpgate_session=planted",
                      "/dashboard/%0d%0a", "/dashboard/a b"}) {
    EXPECT_EQ(
        come_back("/dashboard/login?return_to=" + http::Form::url_encode(wanted), kDevOid).headers.get("Location"),
        "/dashboard/")
        << wanted;
  }
}

TEST_F(DashboardTest, ChangesNeedTheCsrfTokenAndTheDashboardsOrigin) {
  auto cookie = sign_in("alice@contoso.dev", kDevOid);
  auto post = admin_request("POST", "/admin/v1/teamspaces", cookie);
  auto refused = dashboard->session_caller(post);
  ASSERT_TRUE(refused && !*refused);
  EXPECT_EQ(refused->error().status, 403);

  post.headers.add("X-CSRF-Token", csrf_of(cookie));
  post.headers.add("Origin", "https://evil.example");
  auto cross = dashboard->session_caller(post);
  ASSERT_TRUE(cross && !*cross);
  EXPECT_EQ(cross->error().status, 403);

  post.headers.set("Origin", "https://MCP.contoso.com");
  auto accepted = dashboard->session_caller(post);
  ASSERT_TRUE(accepted && *accepted);
  post.headers.set("Origin", "https://mcp.contoso.com:443");
  ASSERT_TRUE(*dashboard->session_caller(post)) << "the default port is the same origin";
  post.headers.set("Origin", "https://mcp.contoso.com:8443");
  EXPECT_EQ(dashboard->session_caller(post)->error().status, 403);

  post.headers.set("X-CSRF-Token", "guess");
  EXPECT_EQ(dashboard->session_caller(post)->error().status, 403);
}

TEST_F(DashboardTest, RequestsWithoutASessionAreNotSessionRequests) {
  EXPECT_FALSE(dashboard->session_caller(get("/admin/v1/me")));
  auto token = get("/admin/v1/me");
  token.headers.add("Authorization", "Bearer admin-token");
  token.headers.add("Cookie", "__Host-mcpgate_session=whatever");
  EXPECT_FALSE(dashboard->session_caller(token)) << "the admin token path decides";
  auto stale = get("/admin/v1/me");
  stale.headers.add("Cookie", "__Host-mcpgate_session=ended");
  auto refused = dashboard->session_caller(stale);
  ASSERT_TRUE(refused && !*refused);
  EXPECT_EQ(refused->error().status, 401);
}

TEST_F(DashboardTest, SessionsEndAfterTheirLifetimeAndOnSignOut) {
  auto cookie = sign_in("alice@contoso.dev", kDevOid);
  auto out = admin_request("POST", "/dashboard/logout", cookie);
  EXPECT_EQ(dashboard->handle(out).status, 403) << "signing out is a change: it needs the CSRF token";
  out.headers.add("X-CSRF-Token", csrf_of(cookie));
  auto done = dashboard->handle(out);
  EXPECT_EQ(done.status, 204);
  EXPECT_TRUE(mentions(set_cookie(done, "__Host-mcpgate_session").value(), "Max-Age=0"));
  EXPECT_EQ(dashboard->session_caller(admin_request("GET", "/admin/v1/me", cookie))->error().status, 401);

  auto later = sign_in("alice@contoso.dev", kDevOid);
  clock.advance(hours(8));
  EXPECT_EQ(dashboard->session_caller(admin_request("GET", "/admin/v1/me", later))->error().status, 401);
}

TEST_F(DashboardTest, ServesOnlyItsBuiltFilesWithAStrictPolicy) {
  auto page = dashboard->handle(get("/dashboard/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.headers.get("Cache-Control"), "no-cache");
  auto csp = std::string(page.headers.get("Content-Security-Policy").value());
  EXPECT_TRUE(mentions(csp, "script-src 'self'"));
  EXPECT_FALSE(mentions(csp, "unsafe-inline"));
  EXPECT_FALSE(mentions(page.body, "<script>")) << "no inline script";
  for (const auto& asset : built_assets()) {
    if (asset.path == "index.html") continue;
    auto file = dashboard->handle(get("/dashboard/" + std::string(asset.path)));
    EXPECT_EQ(file.status, 200) << asset.path;
    EXPECT_TRUE(mentions(std::string(file.headers.get("Cache-Control").value()), "immutable"));
  }
  EXPECT_EQ(dashboard->handle(get("/dashboard/assets/../../etc/passwd")).status, 404);
  EXPECT_EQ(dashboard->handle(get("/dashboard")).status, 301);
  auto put = get("/dashboard/");
  put.method = "PUT";
  EXPECT_EQ(dashboard->handle(put).status, 405);
  EXPECT_TRUE(Dashboard::serves("/dashboard/x"));
  EXPECT_FALSE(Dashboard::serves("/dashboards"));
}

}  // namespace
}  // namespace mcpgate::dashboard
