// The admin REST API against a real SQLite store, request in, response out.
#include "admin/admin_api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "unit/admin/admin_fixture.hpp"

namespace mcpgate::admin {
namespace {

namespace json = boost::json;
using namespace testing;  // the admin fixture
using std::chrono::hours;

constexpr std::string_view kAdminToken = "admin-token-0123456789abcdef";

std::string entra_body(std::string_view tenant = kTenant) {
  return json::serialize(
      json::object{{"tenant_id", tenant}, {"audience", kAudience}, {"required_scope", "mcp.access"}});
}

std::string user_json(std::string_view email, const std::string& object_id) {
  return json::serialize(json::object{{"email", email}, {"oid", object_id}});
}

class AdminApiTest : public StoreFixture {
 protected:
  static http::Request make_request(std::string method, const std::string& target, std::string body = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.body = std::move(body);
    return r;
  }

  // A JSON request, with the admin token unless another (or none) is given.
  http::Response call(std::string method, const std::string& target, std::string body = {},
                      std::optional<std::string> token = std::string(kAdminToken)) {
    auto r = make_request(std::move(method), target, std::move(body));
    if (token) r.headers.add("Authorization", "Bearer " + *token);
    if (!r.body.empty()) r.headers.add("Content-Type", "application/json");
    return api.handle(r);
  }

  http::Response post_csv(const std::string& target, std::string csv) {
    auto r = make_request("POST", target, std::move(csv));
    r.headers.add("Authorization", "Bearer " + std::string(kAdminToken));
    r.headers.add("Content-Type", "text/csv");
    return api.handle(r);
  }

  static json::object body(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string error_of(const http::Response& r) { return text(body(r).at("error")); }
  static std::string message_of(const http::Response& r) { return text(body(r).at("message")); }
  static std::string text(const json::value& v) { return std::string(v.as_string()); }

  DiscoveryServer idp;
  AdminApi api{*store, {.admin_token = std::string(kAdminToken), .authority = idp.authority()}, clock};
};

// --- Authentication and routing --------------------------------------------------------------

TEST_F(AdminApiTest, RefusesRequestsWithoutTheAdminTokenAndNeverEchoesIt) {
  for (const auto& token : {std::optional<std::string>(), std::optional<std::string>("wrong-token"),
                            std::optional<std::string>(std::string(kAdminToken) + "x")}) {
    auto r = call("GET", "/admin/v1/teamspaces", {}, token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(error_of(r), "unauthorized");
    EXPECT_EQ(r.headers.get("WWW-Authenticate"), "Bearer realm=\"mcpgate-admin\"");
    EXPECT_FALSE(mentions(r.body, "wrong-token"));
    EXPECT_FALSE(mentions(r.body, kAdminToken));
  }
  EXPECT_TRUE(mentions(message_of(call("GET", "/admin/v1/teamspaces", {}, std::nullopt)), "no Authorization header"));
  EXPECT_TRUE(mentions(message_of(call("GET", "/admin/v1/teamspaces", {}, "wrong")), "admin token is wrong"));
  // Unknown routes too: nothing about the API is told to a caller without the token.
  EXPECT_EQ(call("GET", "/admin/v1/nothing-here", {}, std::nullopt).status, 401);
}

TEST_F(AdminApiTest, RefusesBasicAuthAndTwoAuthorizationHeaders) {
  auto r = make_request("GET", "/admin/v1/teamspaces");
  r.headers.add("Authorization", "Basic YWRtaW46YWRtaW4=");
  EXPECT_EQ(api.handle(r).status, 401);
  r.headers = {};
  r.headers.add("Authorization", "Bearer " + std::string(kAdminToken));
  r.headers.add("Authorization", "Bearer " + std::string(kAdminToken));
  auto refused = api.handle(r);
  EXPECT_EQ(refused.status, 401);
  EXPECT_TRUE(mentions(refused.body, "more than one Authorization header"));
}

TEST_F(AdminApiTest, AnEmptyAdminTokenDisablesTheApi) {
  AdminApi disabled(*store, {.admin_token = ""}, clock);
  for (const auto& token : {std::string(), std::string(kAdminToken)}) {
    auto r = make_request("GET", "/admin/v1/teamspaces");
    r.headers.add("Authorization", "Bearer " + token);
    auto answer = disabled.handle(r);
    EXPECT_EQ(answer.status, 404);
    EXPECT_TRUE(mentions(answer.body, "admin_token is not configured")) << answer.body;
  }
}

TEST_F(AdminApiTest, UnknownRoutesAre404AndWrongMethods405WithAllow) {
  EXPECT_EQ(call("GET", "/admin/v1/nothing").status, 404);
  EXPECT_EQ(call("GET", "/admin/v2/teamspaces").status, 404);
  EXPECT_EQ(call("GET", "/teamspaces").status, 404);
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/plan/extra").status, 404);
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces//plan").status, 404);
  EXPECT_EQ(error_of(call("GET", "/admin/v1/nothing")), "not_found");

  auto r = call("DELETE", "/admin/v1/teamspaces");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_of(r), "method_not_allowed");
  EXPECT_EQ(r.headers.get("Allow"), "GET, POST");
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/entra/test").headers.get("Allow"), "POST");
  EXPECT_EQ(call("GET", "/admin/v1/api-keys/1").headers.get("Allow"), "DELETE");
}

TEST_F(AdminApiTest, EveryAnswerIsJsonAndNotCached) {
  for (const auto& r : {call("GET", "/admin/v1/teamspaces"), call("GET", "/admin/v1/nothing"),
                        call("GET", "/admin/v1/teamspaces", {}, std::nullopt)}) {
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  }
}

// --- Teamspaces ------------------------------------------------------------------------------

TEST_F(AdminApiTest, CreatesListsAndShowsTeamspaces) {
  auto created = call("POST", "/admin/v1/teamspaces", R"({"name":"acme","plan":"enterprise"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(body(created).at("name"), "acme");
  EXPECT_EQ(body(created).at("plan"), "enterprise");
  EXPECT_TRUE(body(created).at("trial_ends").is_null());
  EXPECT_EQ(body(created).at("created"), "2027-01-15T08:00:00Z");

  auto trial =
      call("POST", "/admin/v1/teamspaces", R"({"name":"Globex","plan":"Enterprise-Trial","trial_ends":"2027-01-31"})");
  ASSERT_EQ(trial.status, 201) << trial.body;
  EXPECT_EQ(body(trial).at("plan"), "enterprise-trial");
  EXPECT_EQ(body(trial).at("trial_ends"), "2027-01-31T00:00:00Z");

  auto list = body(call("GET", "/admin/v1/teamspaces")).at("teamspaces").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name"), "acme");
  EXPECT_EQ(list[1].at("name"), "Globex");

  auto id = std::to_string(body(created).at("id").as_int64());
  EXPECT_EQ(body(call("GET", "/admin/v1/teamspaces/" + id)).at("name"), "acme");
  EXPECT_EQ(body(call("GET", "/admin/v1/teamspaces/GLOBEX")).at("name"), "Globex");
}

TEST_F(AdminApiTest, TeamspaceNamesArePercentDecoded) {
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces", R"({"name":"Acme Labs","plan":"pro"})").status, 201);
  EXPECT_EQ(body(call("GET", "/admin/v1/teamspaces/Acme%20Labs")).at("plan"), "pro");
}

TEST_F(AdminApiTest, RefusesBadTeamspaceBodiesNamingTheProblem) {
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces", R"({"name":"acme","plan":"free"})").status, 201);
  struct Case {
    std::string body;
    int status;
    std::string_view says;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"name":"ACME","plan":"free"})", 409, "choose another name"},
           {R"({"name":"x","plan":"gold"})", 400, "unknown plan 'gold'; use free, pro, enterprise or enterprise-trial"},
           {R"({"name":"x","plan":"enterprise-trial"})", 400, "needs an end date"},
           {R"({"name":"x","plan":"enterprise-trial","trial_ends":"31/01/2027"})", 400, "write YYYY-MM-DD"},
           {R"({"name":"x","plan":"enterprise-trial","trial_ends":"2027-01-01"})", 400, "must be in the future"},
           {R"({"name":"x","plan":"pro","trial_ends":"2027-03-01"})", 400, "only an enterprise-trial plan"},
           {R"({"name":"x"})", 400, "the body lacks \"plan\""},
           {R"({"name":"x","plan":"pro","tier":"gold"})", 400, "unknown member \"tier\""},
           {R"({"name":42,"plan":"pro"})", 400, "member \"name\" must be a string"},
           {R"(["acme"])", 400, "not a JSON object"},
           {"name=acme", 400, "not a JSON object"},
           {R"({"name":"123","plan":"pro"})", 400, "all digits"},
       }) {
    auto r = call("POST", "/admin/v1/teamspaces", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_TRUE(mentions(message_of(r), c.says)) << c.body << " → " << r.body;
  }
  EXPECT_EQ(error_of(call("POST", "/admin/v1/teamspaces", R"({"name":"acme","plan":"free"})")), "conflict");
  EXPECT_EQ(error_of(call("POST", "/admin/v1/teamspaces", R"({"plan":"free"})")), "invalid");
}

TEST_F(AdminApiTest, UnknownTeamspaceIs404WithAHint) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/admin/v1/teamspaces/nope"},
           {"GET", "/admin/v1/teamspaces/nope/entra"},
           {"GET", "/admin/v1/teamspaces/nope/users"},
           {"GET", "/admin/v1/teamspaces/nope/members"},
           {"GET", "/admin/v1/teamspaces/nope/api-keys"},
           {"GET", "/admin/v1/teamspaces/nope/usage"},
           {"GET", "/admin/v1/teamspaces/99"},
       }) {
    auto r = call(method, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(error_of(r), "not_found") << path;
    EXPECT_TRUE(mentions(message_of(r), "list the teamspaces")) << r.body;
  }
}

TEST_F(AdminApiTest, SetsAPlan) {
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces", R"({"name":"acme","plan":"free"})").status, 201);
  auto r = call("PUT", "/admin/v1/teamspaces/acme/plan",
                R"({"plan":"enterprise-trial","trial_ends":"2027-02-01T12:00:00Z"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("plan"), "enterprise-trial");
  EXPECT_EQ(body(r).at("trial_ends"), "2027-02-01T12:00:00Z");

  auto back = call("PUT", "/admin/v1/teamspaces/acme/plan", R"({"plan":"pro","trial_ends":null})");
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_TRUE(body(back).at("trial_ends").is_null());
  EXPECT_EQ(call("PUT", "/admin/v1/teamspaces/acme/plan", R"({"plan":"platinum"})").status, 400);
  EXPECT_EQ(call("PUT", "/admin/v1/teamspaces/nope/plan", R"({"plan":"pro"})").status, 404);
}

// --- Microsoft Entra ID tenant ---------------------------------------------------------------

TEST_F(AdminApiTest, SetsShowsAndRemovesTheTenant) {
  store->create_teamspace("acme", store::Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/entra").status, 404);
  EXPECT_TRUE(mentions(message_of(call("GET", "/admin/v1/teamspaces/acme/entra")), "set the tenant ID"));

  auto set = call("PUT", "/admin/v1/teamspaces/acme/entra", entra_body("10000000-0000-4000-8000-00000000000B"));
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(body(set).at("tenant_id"), "10000000-0000-4000-8000-00000000000b");

  auto shown = body(call("GET", "/admin/v1/teamspaces/acme/entra"));
  EXPECT_EQ(text(shown.at("audience")), kAudience);
  EXPECT_EQ(shown.at("required_scope"), "mcp.access");
  EXPECT_EQ(shown.at("updated"), "2027-01-15T08:00:00Z");

  auto removed = call("DELETE", "/admin/v1/teamspaces/acme/entra");
  EXPECT_EQ(removed.status, 204);
  EXPECT_TRUE(removed.body.empty());
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/entra").status, 404);
  EXPECT_EQ(call("DELETE", "/admin/v1/teamspaces/acme/entra").status, 404);
}

TEST_F(AdminApiTest, RefusesBadTenantSettings) {
  store->create_teamspace("acme", store::Plan::enterprise, std::nullopt).value();
  auto bad_guid = call("PUT", "/admin/v1/teamspaces/acme/entra", entra_body("contoso.onmicrosoft.com"));
  EXPECT_EQ(bad_guid.status, 400);
  EXPECT_TRUE(mentions(message_of(bad_guid), "tenant ID")) << bad_guid.body;
  auto missing = call("PUT", "/admin/v1/teamspaces/acme/entra", R"({"tenant_id":"x","audience":"y"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(mentions(message_of(missing), "\"required_scope\"")) << missing.body;
}

TEST_F(AdminApiTest, RefusesEntraOnAFreeTeamspace) {
  store->create_teamspace("hobby", store::Plan::free, std::nullopt).value();
  for (const auto& [method, path, request] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PUT", "/admin/v1/teamspaces/hobby/entra", entra_body()},
           {"GET", "/admin/v1/teamspaces/hobby/entra", ""},
           {"DELETE", "/admin/v1/teamspaces/hobby/entra", ""},
           {"POST", "/admin/v1/teamspaces/hobby/entra/test", ""},
           {"POST", "/admin/v1/teamspaces/hobby/users", user_json("a@contoso.com", oid(1))},
       }) {
    auto r = call(method, path, request);
    EXPECT_EQ(r.status, 403) << method << " " << path << " → " << r.body;
    EXPECT_EQ(error_of(r), "plan_refused");
    EXPECT_TRUE(mentions(message_of(r), "is on plan free")) << r.body;
    EXPECT_TRUE(mentions(message_of(r), "change the plan to enterprise or enterprise-trial")) << r.body;
  }
  EXPECT_EQ(post_csv("/admin/v1/teamspaces/hobby/users/import", "a@contoso.com," + oid(1)).status, 403);
}

TEST_F(AdminApiTest, RefusesEntraOnceTheTrialHasEnded) {
  store->create_teamspace("trial", store::Plan::enterprise_trial, clock.now() + hours(24)).value();
  ASSERT_EQ(call("PUT", "/admin/v1/teamspaces/trial/entra", entra_body()).status, 200);
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces/trial/users", user_json("a@contoso.com", oid(1))).status, 201);

  clock.advance(hours(25));
  auto r = call("GET", "/admin/v1/teamspaces/trial/entra");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(mentions(message_of(r), "the enterprise trial of teamspace 'trial' ended at 2027-01-16T08:00:00Z"))
      << r.body;
  EXPECT_TRUE(mentions(message_of(r), "extend the trial")) << r.body;
  EXPECT_EQ(call("PUT", "/admin/v1/teamspaces/trial/entra", entra_body()).status, 403);
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/trial/users", user_json("b@contoso.com", oid(2))).status, 403);
  // Access already granted can still be reviewed and withdrawn.
  EXPECT_EQ(body(call("GET", "/admin/v1/teamspaces/trial/users")).at("users").as_array().size(), 1u);
  EXPECT_EQ(call("DELETE", "/admin/v1/teamspaces/trial/users/a@contoso.com").status, 204);

  // Extending the trial brings the card back.
  ASSERT_EQ(
      call("PUT", "/admin/v1/teamspaces/trial/plan", R"({"plan":"enterprise-trial","trial_ends":"2027-03-01"})").status,
      200);
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/trial/entra").status, 200);
}

TEST_F(AdminApiTest, TestsTheTenantConnection) {
  enterprise("acme");
  idp.serve_issuer(idp.issuer_for(kTenant));
  auto ok = call("POST", "/admin/v1/teamspaces/acme/entra/test");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok).at("ok"), true);
  EXPECT_EQ(body(ok).at("step"), "ok");
  EXPECT_EQ(text(body(ok).at("issuer")), idp.issuer_for(kTenant));
  EXPECT_EQ(idp.paths().back(), "/" + std::string(kTenant) + "/v2.0/.well-known/openid-configuration");

  idp.serve_issuer(idp.issuer_for(kOtherTenant));
  auto mismatch = body(call("POST", "/admin/v1/teamspaces/acme/entra/test"));
  EXPECT_EQ(mismatch.at("ok"), false);
  EXPECT_EQ(mismatch.at("step"), "issuer_mismatch");

  store->create_teamspace("bare", store::Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/bare/entra/test").status, 404);
}

// --- Pre-provisioned users -------------------------------------------------------------------

TEST_F(AdminApiTest, AddsListsAndRemovesUsers) {
  enterprise("acme");
  auto added = call("POST", "/admin/v1/teamspaces/acme/users", user_json("Alice@Contoso.com", oid(1)));
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(body(added).at("email"), "alice@contoso.com");
  EXPECT_EQ(text(body(added).at("oid")), oid(1));
  EXPECT_EQ(text(body(added).at("tenant_id")), kTenant);
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces/acme/users", user_json("bob@contoso.com", oid(2))).status, 201);

  auto users = body(call("GET", "/admin/v1/teamspaces/acme/users")).at("users").as_array();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].at("email"), "alice@contoso.com");
  // Provisioning made them developers.
  auto members = body(call("GET", "/admin/v1/teamspaces/acme/members")).at("members").as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].at("role"), "developer");

  EXPECT_EQ(call("DELETE", "/admin/v1/teamspaces/acme/users/alice%40contoso.com").status, 204);
  EXPECT_EQ(call("DELETE", "/admin/v1/teamspaces/acme/users/" + oid(2)).status, 204);
  EXPECT_TRUE(body(call("GET", "/admin/v1/teamspaces/acme/users")).at("users").as_array().empty());

  auto gone = call("DELETE", "/admin/v1/teamspaces/acme/users/alice@contoso.com");
  EXPECT_EQ(gone.status, 404);
  EXPECT_TRUE(mentions(message_of(gone), "list the teamspace's Entra users")) << gone.body;
  EXPECT_EQ(call("DELETE", "/admin/v1/teamspaces/acme/users/not-an-oid").status, 400);
}

TEST_F(AdminApiTest, RefusesUsersTheStoreRefuses) {
  store->create_teamspace("bare", store::Plan::enterprise, std::nullopt).value();
  auto no_tenant = call("POST", "/admin/v1/teamspaces/bare/users", user_json("a@contoso.com", oid(1)));
  EXPECT_EQ(no_tenant.status, 400);
  EXPECT_TRUE(mentions(message_of(no_tenant), "configure the tenant before adding users")) << no_tenant.body;

  enterprise("acme");
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces/acme/users", user_json("a@contoso.com", oid(1))).status, 201);
  auto taken = call("POST", "/admin/v1/teamspaces/acme/users", user_json("b@contoso.com", oid(1)));
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(error_of(taken), "conflict");
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/acme/users", user_json("not an email", oid(3))).status, 400);
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/acme/users", R"({"email":"c@contoso.com"})").status, 400);
}

TEST_F(AdminApiTest, TheSameEmailMayJoinTwoTeamspaces) {
  enterprise("acme");
  enterprise("globex");
  auto user = user_json("alice@contoso.com", oid(1));
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces/acme/users", user).status, 201);
  auto second = call("POST", "/admin/v1/teamspaces/globex/users", user);
  ASSERT_EQ(second.status, 201) << second.body;
  auto a = body(call("GET", "/admin/v1/teamspaces/acme/users")).at("users").as_array();
  auto g = body(call("GET", "/admin/v1/teamspaces/globex/users")).at("users").as_array();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(a[0].at("user_id"), g[0].at("user_id"));  // one user, two mappings
}

TEST_F(AdminApiTest, ImportsACsvWithAReportPerRow) {
  enterprise("acme");
  std::string csv =
      "email,oid\n"
      "alice@contoso.com," +
      oid(1) +
      "\n"
      "\n"
      "bob@contoso.com,not-a-guid\n"
      "carol@contoso.com," +
      oid(3) + "\n";
  auto r = post_csv("/admin/v1/teamspaces/acme/users/import", csv);
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = body(r);
  EXPECT_EQ(report.at("imported"), 2);
  EXPECT_EQ(report.at("failed"), 1);
  auto rows = report.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].at("line"), 2);
  EXPECT_EQ(rows[0].at("ok"), true);
  EXPECT_EQ(rows[0].at("message"), "added");
  EXPECT_EQ(rows[1].at("line"), 4);
  EXPECT_EQ(rows[1].at("ok"), false);
  EXPECT_TRUE(mentions(text(rows[1].at("message")), "object ID")) << rows[1];
  EXPECT_EQ(rows[2].at("email"), "carol@contoso.com");

  // Again: nothing new.
  auto again = body(post_csv("/admin/v1/teamspaces/acme/users/import", "alice@contoso.com," + oid(1)));
  EXPECT_EQ(again.at("imported"), 0);
  EXPECT_EQ(again.at("rows").as_array()[0].at("message"), "already present");
}

TEST_F(AdminApiTest, AllOrNothingImportWritesNothingWhenARowFails) {
  enterprise("acme");
  std::string csv = "dave@contoso.com," + oid(4) + "\nerin@contoso.com,nope\n";
  auto report = body(post_csv("/admin/v1/teamspaces/acme/users/import?all_or_nothing=true", csv));
  EXPECT_EQ(report.at("imported"), 0);
  EXPECT_EQ(report.at("failed"), 1);
  EXPECT_TRUE(mentions(text(report.at("rows").as_array()[0].at("message")), "not written"));
  EXPECT_TRUE(body(call("GET", "/admin/v1/teamspaces/acme/users")).at("users").as_array().empty());

  auto written =
      body(post_csv("/admin/v1/teamspaces/acme/users/import?all_or_nothing=true", "dave@contoso.com," + oid(4)));
  EXPECT_EQ(written.at("imported"), 1);

  auto bad_flag = post_csv("/admin/v1/teamspaces/acme/users/import?all_or_nothing=yes", csv);
  EXPECT_EQ(bad_flag.status, 400);
  EXPECT_TRUE(mentions(message_of(bad_flag), "all_or_nothing must be true or false"));
}

TEST_F(AdminApiTest, ImportTakesCsvNotJson) {
  enterprise("acme");
  auto r = call("POST", "/admin/v1/teamspaces/acme/users/import", R"({"email":"a@contoso.com"})");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_of(r), "unsupported_media_type");
  EXPECT_TRUE(mentions(message_of(r), "text/csv"));
}

// --- Members ---------------------------------------------------------------------------------

TEST_F(AdminApiTest, AddsAndListsMembers) {
  store->create_teamspace("acme", store::Plan::pro, std::nullopt).value();
  auto owner = call("POST", "/admin/v1/teamspaces/acme/members", R"({"email":"Olivia@Contoso.com","role":"Owner"})");
  ASSERT_EQ(owner.status, 201) << owner.body;
  EXPECT_EQ(body(owner).at("email"), "olivia@contoso.com");
  EXPECT_EQ(body(owner).at("role"), "owner");
  ASSERT_EQ(call("POST", "/admin/v1/teamspaces/acme/members", R"({"email":"adam@contoso.com","role":"admin"})").status,
            201);
  auto members = body(call("GET", "/admin/v1/teamspaces/acme/members")).at("members").as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].at("email"), "adam@contoso.com");
  EXPECT_EQ(members[0].at("role"), "admin");

  auto bad_role = call("POST", "/admin/v1/teamspaces/acme/members", R"({"email":"x@contoso.com","role":"boss"})");
  EXPECT_EQ(bad_role.status, 400);
  EXPECT_TRUE(mentions(message_of(bad_role), "use owner, admin or developer"));
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/acme/members", R"({"email":"x","role":"admin"})").status, 400);
}

// --- API keys --------------------------------------------------------------------------------

TEST_F(AdminApiTest, ShowsAnApiKeySecretOnlyWhenCreatingIt) {
  store->create_teamspace("acme", store::Plan::pro, std::nullopt).value();
  auto created = call("POST", "/admin/v1/teamspaces/acme/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.get("Cache-Control"), "no-store");
  std::string secret = text(body(created).at("secret"));
  EXPECT_TRUE(secret.starts_with(store::kApiKeyScheme));
  EXPECT_TRUE(mentions(text(body(created).at("warning")), "shown only in this answer"));
  EXPECT_TRUE(secret.starts_with(text(body(created).at("prefix"))));
  ASSERT_TRUE(store->find_api_key(secret).value());

  auto list = call("GET", "/admin/v1/teamspaces/acme/api-keys");
  EXPECT_FALSE(mentions(list.body, secret));
  auto keys = body(list).at("api_keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].at("name"), "ci");
  EXPECT_FALSE(keys[0].as_object().contains("secret"));
  EXPECT_TRUE(keys[0].at("revoked").is_null());

  auto id = std::to_string(body(created).at("id").as_int64());
  clock.advance(std::chrono::seconds(60));
  EXPECT_EQ(call("DELETE", "/admin/v1/api-keys/" + id).status, 204);
  EXPECT_FALSE(store->find_api_key(secret).value());
  auto revoked = body(call("GET", "/admin/v1/teamspaces/acme/api-keys")).at("api_keys").as_array();
  EXPECT_EQ(revoked[0].at("revoked"), "2027-01-15T08:01:00Z");
  EXPECT_EQ(call("DELETE", "/admin/v1/api-keys/" + id).status, 204);  // revoking twice changes nothing
}

TEST_F(AdminApiTest, RefusesBadApiKeyRequests) {
  store->create_teamspace("acme", store::Plan::pro, std::nullopt).value();
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/acme/api-keys", R"({"name":""})").status, 400);
  EXPECT_EQ(call("POST", "/admin/v1/teamspaces/acme/api-keys", "{}").status, 400);
  auto bad_id = call("DELETE", "/admin/v1/api-keys/abc");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_TRUE(mentions(message_of(bad_id), "not a positive whole number"));
  auto unknown = call("DELETE", "/admin/v1/api-keys/42");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(mentions(message_of(unknown), "no API key has id 42"));
}

// --- Usage log -------------------------------------------------------------------------------

TEST_F(AdminApiTest, QueriesTheUsageLogNewestFirst) {
  auto ts = store->create_teamspace("acme", store::Plan::pro, std::nullopt).value();
  for (int i = 0; i < 3; ++i) {
    store::UsageRecord record{
        .time = clock.now(), .teamspace_id = ts.id, .user_label = "ci", .tool = "tool" + std::to_string(i)};
    store->record_usage(record).value();
    clock.advance(std::chrono::seconds(1));
  }
  auto all = body(call("GET", "/admin/v1/teamspaces/acme/usage")).at("usage").as_array();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].at("tool"), "tool2");
  EXPECT_EQ(all[0].at("user"), "ci");
  EXPECT_TRUE(all[0].at("user_id").is_null());
  EXPECT_EQ(all[0].at("outcome"), "ok");

  auto one = body(call("GET", "/admin/v1/teamspaces/acme/usage?limit=1")).at("usage").as_array();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].at("time"), "2027-01-15T08:00:02Z");

  for (auto limit : {"0", "-1", "abc", "1001"}) {
    auto r = call("GET", std::string("/admin/v1/teamspaces/acme/usage?limit=") + limit);
    EXPECT_EQ(r.status, 400) << limit;
    EXPECT_TRUE(mentions(message_of(r), "from 1 to 1000")) << r.body;
  }
}

// --- Signed-in callers: roles per teamspace ---------------------------------------------------

class AdminApiCallerTest : public AdminApiTest {
 protected:
  void SetUp() override {
    auto acme = enterprise("acme");
    store->add_member("acme", "owner@contoso.com", store::Role::owner).value();
    store->add_member("acme", "dev@contoso.com", store::Role::developer).value();
    store->add_member("acme", "admin@contoso.com", store::Role::admin).value();
    enterprise("globex");
    acme_id = acme.id;
  }

  Caller person(const std::string& email, std::optional<store::Role> role) const {
    Caller c{Actor{oid(7), email, "dashboard"}, false, {}};
    if (role) c.roles[acme_id] = *role;
    return c;
  }

  http::Response as(const Caller& caller, std::string method, const std::string& target, std::string body = {}) {
    auto r = make_request(std::move(method), target, std::move(body));
    if (!r.body.empty()) r.headers.add("Content-Type", "application/json");
    return api.handle(r, caller);
  }

  int64_t acme_id = 0;
};

TEST_F(AdminApiCallerTest, DevelopersReadTheirTeamspaceButManageNothing) {
  auto dev = person("dev@contoso.com", store::Role::developer);
  EXPECT_EQ(as(dev, "GET", "/admin/v1/teamspaces/acme").status, 200);
  EXPECT_EQ(as(dev, "GET", "/admin/v1/teamspaces/acme/users").status, 403);
  EXPECT_EQ(as(dev, "POST", "/admin/v1/teamspaces/acme/users", user_json("x@contoso.com", oid(9))).status, 403);
  EXPECT_EQ(as(dev, "PUT", "/admin/v1/teamspaces/acme/entra", entra_body()).status, 403);
  EXPECT_EQ(as(dev, "GET", "/admin/v1/teamspaces/acme/audit").status, 403);
  EXPECT_EQ(as(dev, "POST", "/admin/v1/teamspaces", R"({"name":"mine","plan":"free"})").status, 403);
  auto refused = as(dev, "DELETE", "/admin/v1/teamspaces/acme/entra");
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(mentions(message_of(refused), "owner or admin role in teamspace acme; yours is developer"));
  EXPECT_EQ(store->entra_config("acme").value().tenant_id, kTenant);
}

TEST_F(AdminApiCallerTest, ATeamspaceOfOthersDoesNotExistForTheCaller) {
  auto dev = person("dev@contoso.com", store::Role::developer);
  for (auto target :
       {"/admin/v1/teamspaces/globex", "/admin/v1/teamspaces/nowhere", "/admin/v1/teamspaces/2/usage/report"}) {
    auto r = as(dev, "GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_FALSE(mentions(r.body, "globex\" exists")) << target;
  }
  auto listed = body(as(dev, "GET", "/admin/v1/teamspaces")).at("teamspaces").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(text(listed[0].at("name")), "acme");
}

TEST_F(AdminApiCallerTest, AdminsManageButOnlyOwnersMakeOwners) {
  auto admin = person("admin@contoso.com", store::Role::admin);
  EXPECT_EQ(as(admin, "POST", "/admin/v1/teamspaces/acme/users", user_json("x@contoso.com", oid(9))).status, 201);
  EXPECT_EQ(
      as(admin, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"y@contoso.com","role":"owner"})").status,
      403);
  EXPECT_EQ(
      as(admin, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"y@contoso.com","role":"admin"})").status,
      201);
  auto owner = person("owner@contoso.com", store::Role::owner);
  EXPECT_EQ(
      as(owner, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"z@contoso.com","role":"owner"})").status,
      201);
  EXPECT_EQ(as(owner, "PUT", "/admin/v1/teamspaces/acme/plan", R"({"plan":"free"})").status, 403)
      << "plans are the installation's";
}

TEST_F(AdminApiCallerTest, AnAdminCannotDemoteAnOwnerAndTheLastOwnerStays) {
  auto admin = person("admin@contoso.com", store::Role::admin);
  EXPECT_EQ(
      as(admin, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"Owner@contoso.com","role":"developer"})")
          .status,
      403);
  auto owner = person("owner@contoso.com", store::Role::owner);
  auto last = as(owner, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"owner@contoso.com","role":"admin"})");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_TRUE(mentions(message_of(last), "last owner"));
  ASSERT_EQ(
      as(owner, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"admin@contoso.com","role":"owner"})").status,
      201);
  EXPECT_EQ(
      as(owner, "POST", "/admin/v1/teamspaces/acme/members", R"({"email":"owner@contoso.com","role":"admin"})").status,
      201)
      << "with another owner in place, an owner may step down";
}

TEST_F(AdminApiCallerTest, ApiKeysAreTheirOwnersAndAdminsSeeThemAll) {
  auto dev = person("dev@contoso.com", store::Role::developer);
  auto admin = person("admin@contoso.com", store::Role::admin);
  auto mine = body(as(dev, "POST", "/admin/v1/teamspaces/acme/api-keys", R"({"name":"laptop"})"));
  EXPECT_EQ(text(mine.at("owner")), "dev@contoso.com");
  auto theirs = body(as(admin, "POST", "/admin/v1/teamspaces/acme/api-keys", R"({"name":"ci"})"));
  EXPECT_EQ(body(as(dev, "GET", "/admin/v1/teamspaces/acme/api-keys")).at("api_keys").as_array().size(), 1u);
  EXPECT_EQ(body(as(admin, "GET", "/admin/v1/teamspaces/acme/api-keys")).at("api_keys").as_array().size(), 2u);

  auto theirs_path = "/admin/v1/teamspaces/acme/api-keys/" + std::to_string(theirs.at("id").as_int64());
  EXPECT_EQ(as(dev, "DELETE", theirs_path).status, 403);
  EXPECT_EQ(as(dev, "DELETE", "/admin/v1/teamspaces/acme/api-keys/" + std::to_string(mine.at("id").as_int64())).status,
            204);
  EXPECT_EQ(as(admin, "DELETE", theirs_path).status, 204);
  EXPECT_EQ(as(admin, "DELETE", "/admin/v1/teamspaces/globex/api-keys/1").status, 404);
  // The installation-wide route by id stays the admin token's.
  EXPECT_EQ(as(admin, "DELETE", "/admin/v1/api-keys/1").status, 403);
}

TEST_F(AdminApiCallerTest, DevelopersSeeTheirOwnUsageOnly) {
  for (auto who : {"dev@contoso.com", "owner@contoso.com"}) {
    store::UsageRecord r;
    r.time = clock.now();
    r.teamspace_id = acme_id;
    r.user_label = who;
    r.tool = "query-docs";
    store->record_usage(r).value();
  }
  auto dev =
      body(as(person("dev@contoso.com", store::Role::developer), "GET", "/admin/v1/teamspaces/acme/usage/report"));
  EXPECT_TRUE(dev.at("own_only").as_bool());
  ASSERT_EQ(dev.at("counts").as_array().size(), 1u);
  EXPECT_EQ(text(dev.at("counts").as_array()[0].at("user")), "dev@contoso.com");
  auto owner =
      body(as(person("owner@contoso.com", store::Role::owner), "GET", "/admin/v1/teamspaces/acme/usage/report"));
  EXPECT_EQ(owner.at("counts").as_array().size(), 2u);
  EXPECT_EQ(owner.at("recent").as_array().size(), 2u);

  auto csv = as(person("owner@contoso.com", store::Role::owner), "GET", "/admin/v1/teamspaces/acme/usage.csv");
  EXPECT_EQ(csv.headers.get("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(mentions(csv.body, "day,user,tool,calls\r\n2027-01-15,dev@contoso.com,query-docs,1\r\n"));
  EXPECT_EQ(as(person("owner@contoso.com", store::Role::owner), "GET",
               "/admin/v1/teamspaces/acme/usage/report?from=2027-02-01&to=2027-01-01")
                .status,
            400);
}

TEST_F(AdminApiCallerTest, ChangesAreAuditedAsTheCallerMadeThem) {
  auto owner = person("owner@contoso.com", store::Role::owner);
  ASSERT_EQ(as(owner, "POST", "/admin/v1/teamspaces/acme/users", user_json("x@contoso.com", oid(9))).status, 201);
  ASSERT_EQ(call("DELETE", "/admin/v1/teamspaces/acme/users/x@contoso.com").status, 204);
  auto audit = body(as(owner, "GET", "/admin/v1/teamspaces/acme/audit")).at("audit").as_array();
  ASSERT_GE(audit.size(), 2u);
  EXPECT_EQ(text(audit[0].at("action")), "user.remove");
  EXPECT_EQ(text(audit[0].at("actor")), "admin token");
  EXPECT_EQ(text(audit[0].at("channel")), "api");
  EXPECT_EQ(text(audit[1].at("action")), "user.add");
  EXPECT_EQ(text(audit[1].at("actor")), "owner@contoso.com");
  EXPECT_EQ(text(audit[1].at("actor_oid")), oid(7));
  EXPECT_EQ(text(audit[1].at("channel")), "dashboard");
  auto csv = as(owner, "GET", "/admin/v1/teamspaces/acme/audit.csv");
  EXPECT_TRUE(mentions(csv.body, "id,time,teamspace,actor,actor_oid,channel,action,detail\r\n"));
  EXPECT_EQ(call("GET", "/admin/v1/audit").status, 200) << "the admin token reads every teamspace's";
}

TEST_F(AdminApiCallerTest, UsersArePagedSearchedExportedAndImportsCanBeChecked) {
  for (int i = 1; i <= 5; ++i)
    store->add_entra_user("acme", "user" + std::to_string(i) + "@contoso.com", oid(i)).value();
  auto page = body(call("GET", "/admin/v1/teamspaces/acme/users?limit=2&offset=2"));
  EXPECT_EQ(page.at("total").to_number<uint64_t>(), 5u);
  ASSERT_EQ(page.at("users").as_array().size(), 2u);
  EXPECT_EQ(text(page.at("users").as_array()[0].at("email")), "user3@contoso.com");
  auto found = body(call("GET", "/admin/v1/teamspaces/acme/users?q=" + oid(4).substr(24)));
  EXPECT_EQ(found.at("total").to_number<uint64_t>(), 1u);
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/users?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/admin/v1/teamspaces/acme/users?limit=1001").status, 400);

  auto csv = call("GET", "/admin/v1/teamspaces/acme/users.csv");
  EXPECT_TRUE(mentions(csv.body, "email,oid\r\nuser1@contoso.com," + oid(1) + "\r\n"));

  auto checked = post_csv("/admin/v1/teamspaces/acme/users/import?check=true", "new@contoso.com," + oid(20) + "\n");
  ASSERT_EQ(checked.status, 200);
  EXPECT_EQ(text(body(checked).at("rows").as_array()[0].at("message")), "would be added");
  EXPECT_EQ(body(call("GET", "/admin/v1/teamspaces/acme/users")).at("total").to_number<uint64_t>(), 5u)
      << "nothing written";
}

TEST(CsvCell, QuotesWhatNeedsItAndDefusesFormulas) {
  EXPECT_EQ(csv_cell("alice@contoso.com"), "alice@contoso.com");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("@sum"), "'@sum");
}

}  // namespace
}  // namespace mcpgate::admin
