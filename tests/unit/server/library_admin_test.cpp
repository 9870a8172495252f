#include "server/library_admin.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::server {
namespace {
namespace json = boost::json;

constexpr std::string_view kGroup = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01";

class LibraryAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto id : {"/acme/widgets", "/acme/gadgets"}) {
      docs::LibraryInfo info{id, "Widgets", "Dashboards", 8, "", {}, {}};
      auto row = index.begin_version(info, "", "/src");
      docs::Snippet s;
      s.title = "Charts";
      s.content = "Charts are drawn with render.";
      s.source_path = "README.md";
      index.add_snippets(row, {s});
      index.finalize_version(row, 75);
    }
    acme = store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt).value().id;
    add_library_routes(api, index, [this](std::function<void()> job) { jobs.push_back(std::move(job)); });
  }

  admin::Caller as(store::Role role) const {
    return admin::Caller{admin::Actor{"oid", "someone@contoso.dev", "dashboard"}, false, {{acme, role}}};
  }

  http::Response call(const admin::Caller& caller, std::string method, const std::string& path, std::string body = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = r.path = path;
    r.body = std::move(body);
    return api.handle(r, caller);
  }

  std::vector<std::string> listed(store::Role role) {
    std::vector<std::string> ids;
    auto r = call(as(role), "GET", "/admin/v1/teamspaces/contoso/libraries");
    auto answer = json::parse(r.body);
    for (const auto& l : answer.at("libraries").as_array()) ids.emplace_back(l.at("id").as_string());
    return ids;
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  docs::DocIndex index{dir / "docs.db", clock};
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "mcpgate.db", clock);
  admin::AdminApi api{*store, {.admin_token = ""}, clock};
  int64_t acme = 0;
  std::vector<std::function<void()>> jobs;  // refreshes, run when the test says
};

TEST_F(LibraryAdminTest, ListsLibrariesWithTheirVersionsAndScores) {
  auto r = call(as(store::Role::developer), "GET", "/admin/v1/teamspaces/contoso/libraries");
  ASSERT_EQ(r.status, 200) << r.body;
  auto libraries = json::parse(r.body).at("libraries").as_array();
  ASSERT_EQ(libraries.size(), 2u);
  auto version = libraries[0].at("versions").as_array().at(0);
  EXPECT_EQ(version.at("state").as_string(), "finalized");
  EXPECT_EQ(version.at("snippets").as_int64(), 1);
  EXPECT_EQ(version.at("benchmark_score").as_double(), 75);
}

TEST_F(LibraryAdminTest, ManagersRestrictALibraryToAGroupAndLiftIt) {
  auto path = "/admin/v1/teamspaces/contoso/libraries/%2Facme%2Fwidgets/groups";
  auto body = json::serialize(json::object{{"group", kGroup}});
  EXPECT_EQ(call(as(store::Role::developer), "POST", path, body).status, 403);
  ASSERT_EQ(call(as(store::Role::admin), "POST", path, body).status, 201);
  EXPECT_EQ(index.restrictions(acme).at(0).first, "/acme/widgets");

  EXPECT_EQ(listed(store::Role::developer), std::vector<std::string>{"/acme/gadgets"}) << "hidden from developers";
  EXPECT_EQ(listed(store::Role::owner).size(), 2u);

  auto audit = store->audit_log("contoso", 10).value();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "library.restrict");
  EXPECT_EQ(audit[0].actor_email, "someone@contoso.dev");

  EXPECT_EQ(call(as(store::Role::admin), "DELETE", std::string(path) + "/" + std::string(kGroup)).status, 204);
  EXPECT_TRUE(index.restrictions(acme).empty());
  EXPECT_EQ(call(as(store::Role::admin), "DELETE", std::string(path) + "/" + std::string(kGroup)).status, 404);
  EXPECT_EQ(store->audit_log("contoso", 10).value().size(), 2u);
}

TEST_F(LibraryAdminTest, RefusesUnknownLibrariesAndGroupsThatAreNoObjectIds) {
  auto admin = as(store::Role::admin);
  EXPECT_EQ(call(admin, "POST", "/admin/v1/teamspaces/contoso/libraries/%2Fnobody%2Fnothing/groups",
                 json::serialize(json::object{{"group", kGroup}}))
                .status,
            404);
  for (auto body : {R"({"group":"Platform engineers"})", R"({"group":1})", "not json", R"({"group":"x","more":1})"}) {
    auto r = call(admin, "POST", "/admin/v1/teamspaces/contoso/libraries/%2Facme%2Fwidgets/groups", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find("object ID"), std::string::npos);
  }
  EXPECT_TRUE(index.restrictions(acme).empty());
}

TEST_F(LibraryAdminTest, InstallationOwnersRefreshALibraryOnceAtATime) {
  auto path = "/admin/v1/libraries/%2Facme%2Fwidgets/refresh";
  EXPECT_EQ(call(as(store::Role::owner), "POST", path).status, 403) << "a teamspace owner is not the installation's";
  admin::Caller installation{admin::Actor{"oid", "root@contoso.dev", "dashboard"}, true, {}};
  EXPECT_EQ(call(installation, "POST", "/admin/v1/libraries/%2Fnobody%2Fnothing/refresh").status, 404);
  auto accepted = call(installation, "POST", path);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(call(installation, "POST", path).status, 409);
  ASSERT_EQ(jobs.size(), 1u);
  jobs[0]();  // the recorded folder (/src) is gone: the version keeps serving, the error is logged
  EXPECT_EQ(index.library("/acme/widgets")->default_version()->snippets, 1);
  EXPECT_EQ(call(installation, "POST", path).status, 202) << "free again once the first is done";
  EXPECT_EQ(store->audit_log("", 10).value().at(0).action, "library.refresh");
}

}  // namespace
}  // namespace mcpgate::server
