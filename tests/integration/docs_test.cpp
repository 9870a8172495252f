// The documentation API and tools of `mcpgate server` over HTTP: every route and error of the
// Context7 surface, API keys and Entra tokens, group-restricted libraries and the per-user limit.
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/files.hpp"
#include "docs/indexer.hpp"
#include "http/client.hpp"
#include "store/sqlite_store.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace testing;

constexpr const char* kPlatformGroup = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01";  // Alice's, not Bob's

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class DocsApiProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
    {
      auto store = store::open_sqlite_store(dir / "server/mcpgate.db", SystemClock::instance());
      ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
      ASSERT_TRUE(store->set_entra_config("contoso", {kDemoTenant, kDemoMcpApiApp, "mcp.access"}));
      ASSERT_TRUE(store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid));
      ASSERT_TRUE(store->add_entra_user("contoso", "bob@contoso.dev", kBobOid));
      auto key = store->create_api_key("contoso", "ci");
      ASSERT_TRUE(key);
      api_key = key->secret;
      teamspace_id = key->key.teamspace_id;
    }
    build_index();
    write_file_atomically(dir / "server.yaml",
                          "listen: {host: 127.0.0.1, port: 0}\n"
                          "public_url: https://mcp.test\n"
                          "data_dir: '" +
                              (dir / "server").string() +
                              "'\n"
                              "entra: {authority: '" +
                              idp_base +
                              "'}\n"
                              "docs: {public_search: true, rate_limit: {requests: 40, window: 1h}}\n");
    server = start_mcpgate({"server", "--config", (dir / "server.yaml").string()}, dir.path());
    base = "http://127.0.0.1:" + std::to_string(server.port);
  }

  void build_index() {
    write(
        dir / "src/widgets/README.md",
        "# Widgets\n\nWidgets renders dashboards from small composable parts.\n\n## Install\n\nInstall the package "
        "from the registry before use.\n\n```sh\nnpm install widgets\n```\n\n## Rendering a chart\n\nCall render with "
        "a chart definition to draw it on the page.\n\n```js\nwidgets.render({ type: 'bar' })\n```\n");
    write(dir / "src/widgets-v1/README.md",
          "# Widgets\n\n## Rendering a chart\n\nVersion one draws charts with "
          "draw().\n\n```js\nwidgets.draw('bar')\n```\n");
    write(dir / "src/secret/README.md",
          "# Secret\n\n## Launch codes\n\nThe launch sequence is documented for platform engineers only.\n\n```sh\n"
          "launch --now\n```\n");
    docs::DocIndex index(dir / "server/docs.db", SystemClock::instance());
    docs::IndexRequest widgets{dir / "src/widgets", "/acme/widgets", "v2.0.0"};
    widgets.source_url = "https://git.example/acme/widgets/blob/v2.0.0";
    widgets.trust_score = 8;
    ASSERT_TRUE(docs::index_folder(index, widgets));
    ASSERT_TRUE(docs::index_folder(index, docs::IndexRequest{dir / "src/widgets-v1", "/acme/widgets", "v1.0.0"}));
    ASSERT_TRUE(docs::index_folder(index, docs::IndexRequest{dir / "src/secret", "/acme/secret"}));
    index.restrict_library(teamspace_id, "/acme/secret", kPlatformGroup);
  }

  http::Response get(const std::string& target, const std::string& credential = "") {
    http::ClientRequest r{"GET", base + target, {}, ""};
    if (!credential.empty()) r.headers.add("Authorization", "Bearer " + credential);
    return http::fetch(r);
  }

  std::string token_for(const std::string& upn) {
    return sign_in(idp_base, upn, std::string("api://") + kDemoMcpApiApp + "/mcp.access");
  }

  static std::string error_code(const http::Response& r) {
    return std::string(json::parse(r.body).at("error").as_string());
  }

  // One tools/call over /mcp with the API key, returning the text and isError.
  std::pair<std::string, bool> call_tool(const std::string& name, const json::object& arguments,
                                         const std::string& path = "/mcp", const std::string& credential = "") {
    json::object request{{"jsonrpc", "2.0"},
                         {"id", 2},
                         {"method", "tools/call"},
                         {"params", json::object{{"name", name}, {"arguments", arguments}}}};
    std::string session = initialize(path, credential);
    http::ClientRequest r{"POST", base + path, {}, json::serialize(request)};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    r.headers.add("Authorization", "Bearer " + (credential.empty() ? api_key : credential));
    r.headers.add("Mcp-Session-Id", session);
    auto response = http::fetch(r);
    EXPECT_EQ(response.status, 200) << response.body;
    auto result = json::parse(response.body).at("result").as_object();
    bool is_error = result.contains("isError") && result.at("isError").as_bool();
    return {std::string(result.at("content").as_array().at(0).at("text").as_string()), is_error};
  }

  std::string initialize(const std::string& path, const std::string& credential) {
    http::ClientRequest r{
        "POST",
        base + path,
        {},
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    r.headers.add("Authorization", "Bearer " + (credential.empty() ? api_key : credential));
    auto response = http::fetch(r);
    EXPECT_EQ(response.status, 200) << response.body;
    return std::string(response.headers.get("Mcp-Session-Id").value_or(""));
  }

  TempDir dir;
  RunningServer idp, server;
  std::string idp_base, base, api_key;
  int64_t teamspace_id = 0;
};

TEST_F(DocsApiProcess, SearchFindsLibrariesWithContext7Fields) {
  auto r = get("/api/v2/libs/search?libraryName=widgets&query=chart", api_key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(std::string(r.headers.get("Content-Type").value_or("")).rfind("application/json", 0), 0u);
  auto body = json::parse(r.body).as_object();
  auto& first = body.at("results").as_array().at(0).as_object();
  EXPECT_EQ(first.at("id").as_string(), "/acme/widgets");
  EXPECT_EQ(first.at("state").as_string(), "finalized");
  EXPECT_EQ(first.at("trustScore").as_int64(), 8);
  EXPECT_EQ(first.at("versions").as_array().size(), 2u);
  // An API key carries no groups, so the teamspace's restricted library is left out.
  EXPECT_TRUE(body.at("searchFilterApplied").as_bool());
  // Typos still find it; public search answers without credentials when configured.
  auto typo = get("/api/v2/libs/search?libraryName=widgts");
  ASSERT_EQ(typo.status, 200);
  EXPECT_EQ(json::parse(typo.body).at("results").at(0).at("id").as_string(), "/acme/widgets");
  EXPECT_EQ(error_code(get("/api/v2/libs/search", api_key)), "validation_error");
  EXPECT_EQ(get("/api/v2/libs/search?libraryName=" + std::string(501, 'a'), api_key).status, 400);
}

TEST_F(DocsApiProcess, ContextAsMarkdownAndJsonWithVersionPinning) {
  auto txt = get("/api/v2/context?libraryId=%2Facme%2Fwidgets&query=render%20a%20chart", api_key);
  ASSERT_EQ(txt.status, 200) << txt.body;
  EXPECT_EQ(txt.headers.get("Content-Type").value_or(""), "text/plain; charset=utf-8");
  EXPECT_EQ(
      txt.body.rfind(
          "### Rendering a chart\n\nSource: https://git.example/acme/widgets/blob/v2.0.0/README.md#rendering-a-chart",
          0),
      0u)
      << txt.body;
  EXPECT_NE(txt.body.find("```js\nwidgets.render"), std::string::npos);
  auto pinned = get("/api/v2/context?libraryId=/acme/widgets/v1.0.0&query=render%20chart&type=json", api_key);
  ASSERT_EQ(pinned.status, 200) << pinned.body;
  auto j = json::parse(pinned.body).as_object();
  EXPECT_EQ(j.at("codeSnippets").at(0).at("codeList").at(0).at("code").as_string(), "widgets.draw('bar')");
  EXPECT_TRUE(j.at("infoSnippets").is_array());
  auto at_form = get("/api/v2/context?libraryId=/acme/widgets@v1.0.0&query=chart", api_key);
  EXPECT_EQ(at_form.status, 200);
}

TEST_F(DocsApiProcess, ContextErrorsCarryCodesAndMessages) {
  auto tag = get("/api/v2/context?libraryId=/acme/widgets/v9&query=chart", api_key);
  EXPECT_EQ(tag.status, 404);
  EXPECT_EQ(error_code(tag), "tag_not_found");
  EXPECT_NE(tag.body.find("v2.0.0, v1.0.0"), std::string::npos);
  auto missing = get("/api/v2/context?libraryId=/acme/nothing&query=chart", api_key);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error_code(missing), "library_not_found");
  EXPECT_EQ(error_code(get("/api/v2/context?libraryId=acme&query=x", api_key)), "invalid_library_id");
  EXPECT_EQ(error_code(get("/api/v2/context?libraryId=/acme/widgets", api_key)), "validation_error");
  EXPECT_EQ(error_code(get("/api/v2/context?libraryId=/acme/widgets&query=x&type=xml", api_key)), "validation_error");
  auto none = get("/api/v2/context?libraryId=/acme/widgets&query=zebra%20quantum", api_key);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(error_code(none), "no_snippets_found");
  auto body = json::parse(none.body).as_object();
  EXPECT_FALSE(body.at("message").as_string().empty());
}

TEST_F(DocsApiProcess, LegacyV1Route) {
  auto r = get("/api/v1/acme/widgets?topic=install&tokens=1500", api_key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("npm install widgets"), std::string::npos);
  auto pinned = get("/api/v1/acme/widgets/v1.0.0?topic=chart&type=json", api_key);
  ASSERT_EQ(pinned.status, 200);
  EXPECT_NE(pinned.body.find("widgets.draw"), std::string::npos);
  EXPECT_EQ(error_code(get("/api/v1/acme/widgets?tokens=lots", api_key)), "validation_error");
}

TEST_F(DocsApiProcess, CredentialsRequiredExceptForPublicRoutes) {
  auto none = get("/api/v2/context?libraryId=/acme/widgets&query=chart");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error_code(none), "invalid_api_key");
  EXPECT_EQ(error_code(get("/api/v2/context?libraryId=/acme/widgets&query=chart", "ctx7sk-wrong")), "invalid_api_key");
  EXPECT_EQ(get("/api/health").status, 200);
  EXPECT_EQ(json::parse(get("/api/auth/mcp").body).at("enabled").as_bool(), true);
  auto entra = get(std::string("/api/v2/entra/config/") + kDemoMcpApiApp);
  ASSERT_EQ(entra.status, 200);
  EXPECT_EQ(json::parse(entra.body).at("tenantId").as_string(), kDemoTenant);
  EXPECT_EQ(json::parse(entra.body).at("requiredScope").as_string(), "mcp.access");
  EXPECT_EQ(get("/api/v2/entra/config/unknown-audience").status, 404);
  EXPECT_EQ(get("/api/v3/anything", api_key).status, 404);
}

TEST_F(DocsApiProcess, EntraTokensAndGroupRestrictedLibraries) {
  auto alice = token_for("alice@contoso.dev");
  auto bob = token_for("bob@contoso.dev");
  auto carol = token_for("carol@contoso.dev");
  auto for_alice = get("/api/v2/libs/search?libraryName=secret", alice);
  ASSERT_EQ(for_alice.status, 200) << for_alice.body;
  EXPECT_EQ(json::parse(for_alice.body).at("results").at(0).at("id").as_string(), "/acme/secret");
  auto for_bob = get("/api/v2/libs/search?libraryName=secret", bob);
  ASSERT_EQ(for_bob.status, 200);
  EXPECT_TRUE(json::parse(for_bob.body).at("results").as_array().empty());
  EXPECT_TRUE(json::parse(for_bob.body).at("searchFilterApplied").as_bool());
  EXPECT_EQ(error_code(get("/api/v2/context?libraryId=/acme/secret&query=launch", bob)), "library_not_found");
  EXPECT_EQ(get("/api/v2/context?libraryId=/acme/secret&query=launch", alice).status, 200);
  auto refused = get("/api/v2/context?libraryId=/acme/widgets&query=chart", carol);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("user_not_provisioned"), std::string::npos);
  // The tools filter the same way.
  auto [text, is_error] =
      call_tool("resolve-library-id", {{"libraryName", "secret"}, {"query", "launch"}}, "/mcp/oauth", bob);
  EXPECT_FALSE(is_error);
  EXPECT_EQ(text.rfind("**Note:**", 0), 0u) << text;
  EXPECT_NE(text.find("No libraries found") == std::string::npos ? text.find("/acme/secret") : 1, std::string::npos);
}

TEST_F(DocsApiProcess, ToolsAnswerInContext7Formats) {
  auto [resolved, resolve_error] = call_tool("resolve-library-id", {{"libraryName", "Widgets"}, {"query", "charts"}});
  EXPECT_FALSE(resolve_error);
  // The API key has no groups, so the note about the teamspace's filter comes first.
  EXPECT_EQ(resolved.rfind("**Note:**", 0), 0u) << resolved;
  EXPECT_NE(resolved.find("Available Libraries:\n\n- Title: Widgets\n- Context7-compatible library ID: /acme/widgets\n"
                          "- Description: Widgets renders dashboards from small composable parts.\n"),
            std::string::npos)
      << resolved;
  EXPECT_NE(resolved.find("- Source Reputation: High\n"), std::string::npos);
  EXPECT_NE(resolved.find("- Versions: v2.0.0, v1.0.0"), std::string::npos);
  auto [docs_text, docs_error] = call_tool("query-docs", {{"libraryId", "/acme/widgets"}, {"query", "render a chart"}});
  EXPECT_FALSE(docs_error);
  EXPECT_EQ(docs_text.rfind("### Rendering a chart", 0), 0u) << docs_text;
  // Aliases of older clients, and the deprecated tool.
  auto [aliased, aliased_error] =
      call_tool("query-docs", {{"context7CompatibleLibraryID", "/acme/widgets/v1.0.0"}, {"question", "chart"}});
  EXPECT_NE(aliased.find("widgets.draw"), std::string::npos) << aliased;
  auto [legacy, legacy_error] = call_tool(
      "get-library-docs", {{"context7CompatibleLibraryID", "/acme/widgets"}, {"topic", "install"}, {"tokens", 2000}});
  EXPECT_NE(legacy.find("npm install widgets"), std::string::npos) << legacy;
  auto [invalid, invalid_error] = call_tool("query-docs", {{"libraryId", "/acme/widgets"}});
  EXPECT_TRUE(invalid_error);
  EXPECT_EQ(invalid,
            "Input validation error: Invalid arguments for tool query-docs: query: Invalid input: expected string, "
            "received undefined");
  auto [unknown, unknown_error] = call_tool("query-docs", {{"libraryId", "/acme/unknown"}, {"query", "x"}});
  EXPECT_TRUE(unknown_error);
  EXPECT_NE(unknown.find("/acme/unknown"), std::string::npos);
}

TEST_F(DocsApiProcess, PerUserRateLimitWithHeaders) {
  auto alice = token_for("alice@contoso.dev");
  auto bob = token_for("bob@contoso.dev");
  http::Response last;
  int allowed = 0;
  for (int i = 0; i < 45; ++i) {
    last = get("/api/v2/libs/search?libraryName=widgets", alice);
    if (last.status == 200)
      ++allowed;
    else
      break;
  }
  EXPECT_EQ(allowed, 40);
  EXPECT_EQ(last.status, 429);
  EXPECT_EQ(error_code(last), "rate_limit_exceeded");
  EXPECT_TRUE(last.headers.get("Retry-After"));
  EXPECT_EQ(last.headers.get("RateLimit-Limit").value_or(""), "40");
  EXPECT_EQ(last.headers.get("RateLimit-Remaining").value_or(""), "0");
  // Another user of the same teamspace (and the same address) is not affected.
  auto other = get("/api/v2/libs/search?libraryName=widgets", bob);
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.headers.get("RateLimit-Remaining").value_or(""), "39");
}

}  // namespace
}  // namespace mcpgate
