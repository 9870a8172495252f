#include "server/docs_api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::server {
namespace {
namespace json = boost::json;

class DocsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docs::LibraryInfo info{"/acme/widgets", "Widgets", "Dashboards", 8, "", {}, {}};
    auto row = index.begin_version(info, "", "/src");
    docs::Snippet s;
    s.title = "Charts";
    s.breadcrumb = {"Widgets", "Charts"};
    s.content = "Charts are drawn with render.";
    s.source_path = "README.md";
    index.add_snippets(row, {s});
    index.finalize_version(row, 0);
    ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
    ASSERT_TRUE(store->set_entra_config(
        "contoso", {"4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b", "3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01", "mcp.access"}));
  }

  http::Response get(const std::string& target,
                     std::optional<Principal> caller = Principal{1, std::nullopt, "k", "", "", {}}) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.remote_address = "127.0.0.1";
    return api.handle(r, caller);
  }

  static std::string code(const http::Response& r) { return std::string(json::parse(r.body).at("error").as_string()); }

  testing::TempDir dir;
  testing::ManualClock clock;
  docs::DocIndex index{dir / "docs.db", clock};
  docs::DocsService service{index};
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "mcpgate.db", clock);
  http::RateLimiter limiter{100, std::chrono::seconds(60), clock};
  DocsApi api{service, *store, limiter, DocsApiOptions{}};
};

TEST_F(DocsApiTest, PublicRoutes) {
  http::Request r;
  for (auto [path, expected] :
       {std::pair{"/api/health", true}, std::pair{"/api/auth/mcp", true}, std::pair{"/api/v2/entra/config/x", true},
        std::pair{"/api/v2/libs/search", false}, std::pair{"/api/v2/context", false}}) {
    r.path = path;
    EXPECT_EQ(api.is_public(r), expected) << path;
  }
  DocsApi open{service, *store, limiter, DocsApiOptions{true}};
  r.path = "/api/v2/libs/search";
  EXPECT_TRUE(open.is_public(r));
}

TEST_F(DocsApiTest, EntraConfigByAudience) {
  auto found = get("/api/v2/entra/config/3f0c2a0e-6b7d-4c1e-9a55-7b2f4d8e1c01", std::nullopt);
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(json::parse(found.body),
            (json::value{{"tenantId", "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b"}, {"requiredScope", "mcp.access"}}));
  EXPECT_EQ(get("/api/v2/entra/config/3f0c2a0e%2D6b7d-4c1e-9a55-7b2f4d8e1c01", std::nullopt).status,
            200);  // percent-encoded path
  EXPECT_EQ(get("/api/v2/entra/config/other", std::nullopt).status, 404);
}

TEST_F(DocsApiTest, SearchContextAndErrors) {
  auto search = get("/api/v2/libs/search?libraryName=widgets&query=charts");
  ASSERT_EQ(search.status, 200);
  EXPECT_EQ(json::parse(search.body).at("results").at(0).at("id").as_string(), "/acme/widgets");
  EXPECT_EQ(search.headers.get("RateLimit-Limit").value_or(""), "100");
  auto context = get("/api/v2/context?libraryId=%2Facme%2Fwidgets&query=charts&type=json");
  ASSERT_EQ(context.status, 200) << context.body;
  EXPECT_EQ(json::parse(context.body).at("infoSnippets").at(0).at("content").as_string(),
            "Charts are drawn with render.");
  EXPECT_EQ(code(get("/api/v2/context?libraryId=/acme/widgets&query=charts&tokens=x")), "validation_error");
  EXPECT_EQ(code(get("/api/v2/context?libraryId=/acme/widgets&query=%ZZ")), "validation_error");
  EXPECT_EQ(get("/api/v1/acme/widgets?topic=charts").status, 200);
  http::Request post;
  post.method = "POST";
  post.path = "/api/v2/libs/search";
  EXPECT_EQ(api.handle(post, Principal{}).status, 405);
}

TEST_F(DocsApiTest, RateLimitedCallersGet429WithHeaders) {
  http::RateLimiter tight{1, std::chrono::seconds(60), clock};
  DocsApi limited{service, *store, tight, DocsApiOptions{}};
  http::Request r;
  r.method = "GET";
  r.path = "/api/v2/libs/search";
  r.query = "libraryName=widgets";
  Principal alice{1, std::nullopt, "alice", "t", "oid-a", {}};
  EXPECT_EQ(limited.handle(r, alice).status, 200);
  auto refused = limited.handle(r, alice);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(code(refused), "rate_limit_exceeded");
  EXPECT_EQ(refused.headers.get("Retry-After").value_or(""), "60");
  Principal bob{1, std::nullopt, "bob", "t", "oid-b", {}};
  EXPECT_EQ(limited.handle(r, bob).status, 200);
}

}  // namespace
}  // namespace mcpgate::server
