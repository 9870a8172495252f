#include "mcp/transport.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/manual_clock.hpp"
#include "unit/mcp/mcp_fixture.hpp"

namespace mcpgate::mcp::testing {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kBothAccepted = "application/json, text/event-stream";
constexpr std::string_view kMethodNotAllowedBody =
    R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Method not allowed."},"id":null})";
constexpr std::string_view kPing = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
constexpr std::string_view kToolsList = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
constexpr std::string_view kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

std::string initialize_body(std::string_view version) {
  return R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" + std::string(version) +
         R"(","capabilities":{},"clientInfo":{"name":"test-client","version":"1.0"}}})";
}

// A request as the HTTP server would hand it over; `fields` replace the defaults of a POST
// (Accept both, Content-Type JSON) and an empty value removes a field.
http::Request request(std::string method, std::string body = {}, const Fields& fields = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = r.path = "/mcp";
  r.body = std::move(body);
  if (r.method == "POST") {
    r.headers.add("Accept", std::string(kBothAccepted));
    r.headers.add("Content-Type", "application/json");
  }
  for (const auto& [name, value] : fields)
    if (value.empty())
      r.headers.remove(name);
    else
      r.headers.set(name, value);
  return r;
}

json::object error_of(const http::Response& r) {
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("jsonrpc"), "2.0");
  return body.at("error").as_object();
}

class Transport : public ::testing::Test {
 protected:
  http::Response send(const http::Request& r) {
    return handle_mcp_http(r, options_, dispatcher_, sessions_, alice(), clock_.now());
  }
  http::Response post(std::string body, const Fields& fields = {}) {
    return send(request("POST", std::move(body), fields));
  }
  // A session opened as a client does it: initialize, then notifications/initialized.
  std::string open_session(std::string_view version = "2025-06-18") {
    auto r = post(initialize_body(version));
    EXPECT_EQ(r.status, 200) << r.body;
    auto id = r.headers.get("Mcp-Session-Id");
    EXPECT_TRUE(id);
    if (!id) return {};
    std::string session(*id);
    EXPECT_EQ(
        post(std::string(kInitialized), {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", std::string(version)}})
            .status,
        202);
    return session;
  }

  ToolRegistry tools_ = sample_tools();
  McpDispatcher dispatcher_{{"mcpgate-docs", "1.2.3", "Ask me about libraries."}, tools_};
  mcpgate::testing::ManualClock clock_;
  SessionStore sessions_{{.idle_timeout = std::chrono::minutes(30)}};
  TransportOptions options_;
};

// --- Accept negotiation -----------------------------------------------------------------------

TEST(NegotiateAccept, PicksAFormatOrRefuses) {
  using enum BodyFormat;
  EXPECT_EQ(negotiate_accept(std::nullopt, false), json);
  EXPECT_EQ(negotiate_accept(std::nullopt, true), sse);
  EXPECT_EQ(negotiate_accept("", false), json);
  EXPECT_EQ(negotiate_accept("*/*", false), json);
  EXPECT_EQ(negotiate_accept("*/*", true), sse);
  EXPECT_EQ(negotiate_accept("application/json, text/event-stream", false), json);
  EXPECT_EQ(negotiate_accept("text/event-stream, application/json", false), json) << "order is no preference";
  EXPECT_EQ(negotiate_accept("application/json, text/event-stream", true), sse);
  EXPECT_EQ(negotiate_accept("text/event-stream", false), sse);
  EXPECT_EQ(negotiate_accept("Application/JSON; charset=utf-8", true), json);
  EXPECT_EQ(negotiate_accept("application/json;q=0.5, text/event-stream", false), sse);
  EXPECT_EQ(negotiate_accept("application/json, text/event-stream;q=0.9", true), json);
  EXPECT_EQ(negotiate_accept("application/*, text/*;q=0.1", false), json);
  EXPECT_EQ(negotiate_accept("text/*", false), sse);
  EXPECT_EQ(negotiate_accept("*/*;q=0.2, text/event-stream", false), sse);
  EXPECT_EQ(negotiate_accept("*/*, application/json;q=0", false), sse) << "the specific range decides";
  EXPECT_EQ(negotiate_accept("text/html", false), std::nullopt);
  EXPECT_EQ(negotiate_accept("application/xml, text/plain", false), std::nullopt);
  EXPECT_EQ(negotiate_accept("application/json;q=0, text/event-stream;q=0", false), std::nullopt);
}

TEST_F(Transport, NotAcceptableIs406WithAJsonRpcBody) {
  auto r = post(std::string(kPing), {{"Accept", "text/html"}});
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(error_of(r).at("code"), kServerError);
}

TEST_F(Transport, AnswersJsonWhenBothOrAnythingIsAccepted) {
  options_.stateless = true;
  for (std::string accept :
       {std::string(kBothAccepted), std::string("*/*"), std::string("application/json"), std::string()}) {
    auto r = post(std::string(kPing), {{"Accept", accept}});
    EXPECT_EQ(r.status, 200) << accept;
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8") << accept;
    EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","id":1,"result":{}})");
  }
}

TEST_F(Transport, AnswersOneSseEventWhenOnlySseIsAccepted) {
  options_.stateless = true;
  auto r = post(std::string(kPing), {{"Accept", "text/event-stream"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/event-stream");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache");
  EXPECT_EQ(r.body, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
}

TEST_F(Transport, PreferSseAnswersSseWhenBothAreAccepted) {
  options_.stateless = true;
  options_.prefer_sse = true;
  auto r = post(std::string(kToolsList));
  EXPECT_EQ(r.headers.get("Content-Type"), "text/event-stream");
  ASSERT_TRUE(r.body.starts_with("event: message\ndata: ")) << r.body;
  ASSERT_TRUE(r.body.ends_with("\n\n"));
  auto data = r.body.substr(21, r.body.size() - 23);
  EXPECT_EQ(data.find('\n'), std::string::npos) << "one data line";
  EXPECT_EQ(json::parse(data).at("result").at("tools").as_array().size(), 4u);
}

// --- Origin --------------------------------------------------------------------------------------

TEST(OriginAllowed, LoopbackOnlyWithoutAList) {
  for (auto o : {"http://localhost", "http://localhost:6274", "https://127.0.0.1:8443", "http://[::1]:3000",
                 "http://LOCALHOST:1"})
    EXPECT_TRUE(origin_allowed(o, {})) << o;
  for (auto o : {"https://evil.example", "http://localhost.evil.example", "null", "file://", "ftp://localhost",
                 "http://user@localhost", "http://localhost/path", "localhost", ""})
    EXPECT_FALSE(origin_allowed(o, {})) << o;
}

TEST(OriginAllowed, OnlyListedOriginsWithAList) {
  const std::vector<std::string> list{"https://app.example", "https://other.example:8443"};
  EXPECT_TRUE(origin_allowed("https://app.example", list));
  EXPECT_TRUE(origin_allowed("HTTPS://APP.EXAMPLE", list));
  EXPECT_TRUE(origin_allowed("https://other.example:8443", list));
  EXPECT_FALSE(origin_allowed("https://other.example", list));
  EXPECT_FALSE(origin_allowed("http://localhost:6274", list)) << "a list replaces the loopback default";
  EXPECT_TRUE(origin_allowed("https://anything.example", {"*"}));
}

TEST_F(Transport, AForeignOriginIs403OnEveryMethod) {
  for (auto method : {"POST", "GET", "DELETE", "OPTIONS"}) {
    auto r = send(request(method, std::string(kPing), {{"Origin", "https://evil.example"}}));
    EXPECT_EQ(r.status, 403) << method;
    EXPECT_EQ(error_of(r).at("code"), kServerError);
  }
}

TEST_F(Transport, ALoopbackOriginOrNoneIsServed) {
  options_.stateless = true;
  EXPECT_EQ(post(std::string(kPing), {{"Origin", "http://localhost:6274"}}).status, 200);
  EXPECT_EQ(post(std::string(kPing)).status, 200);
  options_.allowed_origins = {"https://app.example"};
  EXPECT_EQ(post(std::string(kPing), {{"Origin", "https://app.example"}}).status, 200);
  EXPECT_EQ(post(std::string(kPing), {{"Origin", "http://localhost:6274"}}).status, 403);
}

// --- Methods other than POST ----------------------------------------------------------------

TEST_F(Transport, GetIs405WithTheJsonRpcBody) {
  auto r = send(request("GET", "", {{"Accept", "text/event-stream"}}));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, kMethodNotAllowedBody);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.headers.get("Allow"), "POST, DELETE, OPTIONS");
}

TEST_F(Transport, UnknownMethodsAre405) {
  for (auto method : {"PUT", "PATCH", "HEAD"}) {
    auto r = send(request(method));
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.body, kMethodNotAllowedBody);
  }
}

TEST_F(Transport, OptionsIs204WithAllow) {
  auto r = send(request("OPTIONS"));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.headers.get("Allow"), "POST, DELETE, OPTIONS");
}

// --- Body ------------------------------------------------------------------------------------------

TEST_F(Transport, NotJsonIs400ParseError) {
  auto r = post("{\"jsonrpc\":");
  EXPECT_EQ(r.status, 400);
  auto body = json::parse(r.body).as_object();
  EXPECT_TRUE(body.at("id").is_null());
  EXPECT_EQ(body.at("error").at("code"), kParseError);
}

TEST_F(Transport, AMalformedMessageIs400InvalidRequestWithItsId) {
  auto r = post(R"({"jsonrpc":"2.0","id":"q","method":"tools/list","params":[]})");
  EXPECT_EQ(r.status, 400);
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("id"), "q");
  EXPECT_EQ(body.at("error").at("code"), kInvalidRequest);
}

TEST_F(Transport, ANonJsonContentTypeIs415) {
  auto r = post(std::string(kPing), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_of(r).at("code"), kServerError);
  options_.stateless = true;
  EXPECT_EQ(post(std::string(kPing), {{"Content-Type", "application/json; charset=utf-8"}}).status, 200);
  EXPECT_EQ(post(std::string(kPing), {{"Content-Type", ""}}).status, 200) << "absent is tolerated";
}

// --- Sessions --------------------------------------------------------------------------------------

TEST_F(Transport, InitializeIssuesASessionId) {
  auto r = post(initialize_body("2025-06-18"));
  EXPECT_EQ(r.status, 200);
  auto id = r.headers.get("Mcp-Session-Id");
  ASSERT_TRUE(id);
  EXPECT_GE(id->size(), 32u);
  EXPECT_TRUE(std::all_of(id->begin(), id->end(), [](char c) { return c >= 0x21 && c <= 0x7E; }));
  auto result = json::parse(r.body).at("result");
  EXPECT_EQ(result.at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(result.at("serverInfo").at("name"), "mcpgate-docs");
  auto session = sessions_.find(*id, clock_.now());
  ASSERT_TRUE(session);
  EXPECT_EQ(session->protocol_version, "2025-06-18");
  EXPECT_EQ(session->client_name, "test-client");
}

TEST_F(Transport, InitializeNegotiatesEachVersion) {
  for (auto [asked, answered] : {std::pair{"2025-03-26", "2025-03-26"}, std::pair{"2025-06-18", "2025-06-18"},
                                 std::pair{"2025-11-25", "2025-11-25"}, std::pair{"2024-11-05", "2025-11-25"}}) {
    auto r = post(initialize_body(asked));
    ASSERT_EQ(r.status, 200) << asked;
    EXPECT_EQ(json::parse(r.body).at("result").at("protocolVersion"), answered) << asked;
    EXPECT_EQ(sessions_.find(*r.headers.get("Mcp-Session-Id"), clock_.now())->protocol_version, answered);
  }
}

TEST_F(Transport, AFailedInitializeOpensNoSession) {
  auto r = post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("error").at("code"), kInvalidParams);
  EXPECT_FALSE(r.headers.get("Mcp-Session-Id"));
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(Transport, SessionLifecycle) {
  auto id = open_session("2025-06-18");
  EXPECT_TRUE(sessions_.find(id, clock_.now())->initialized) << "notifications/initialized was recorded";

  auto r = post(std::string(kToolsList), {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-06-18"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("result").at("tools").as_array().size(), 4u);

  r = post(std::string(kToolsList), {{"MCP-Protocol-Version", "2025-06-18"}});
  EXPECT_EQ(r.status, 400) << "no session id";
  EXPECT_EQ(error_of(r).at("code"), kServerError);

  r = post(std::string(kToolsList), {{"Mcp-Session-Id", "not-a-session"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r), json::parse(R"({"code":-32001,"message":"Session not found"})"));

  r = send(request("DELETE", "", {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-06-18"}}));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());

  r = post(std::string(kToolsList), {{"Mcp-Session-Id", id}});
  EXPECT_EQ(r.status, 404) << "a client must initialize again";
  EXPECT_EQ(send(request("DELETE", "", {{"Mcp-Session-Id", id}})).status, 404);
}

TEST_F(Transport, DeleteNeedsASessionId) {
  auto r = send(request("DELETE"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r).at("code"), kServerError);
}

TEST_F(Transport, NotificationsNeedTheSessionToo) {
  EXPECT_EQ(post(std::string(kInitialized)).status, 400);
  EXPECT_EQ(post(std::string(kInitialized), {{"Mcp-Session-Id", "gone"}}).status, 404);
}

TEST_F(Transport, AnIdleSessionExpires) {
  auto id = open_session();
  clock_.advance(std::chrono::minutes(29));
  EXPECT_EQ(post(std::string(kPing), {{"Mcp-Session-Id", id}}).status, 200);
  clock_.advance(std::chrono::minutes(30));
  EXPECT_EQ(post(std::string(kPing), {{"Mcp-Session-Id", id}}).status, 404);
}

// --- MCP-Protocol-Version --------------------------------------------------------------------------

TEST_F(Transport, AnUnsupportedVersionHeaderIs400NamingTheSupportedOnes) {
  auto id = open_session();
  auto r = post(std::string(kPing), {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2024-11-05"}});
  EXPECT_EQ(r.status, 400);
  auto error = error_of(r);
  EXPECT_EQ(error.at("code"), kServerError);
  EXPECT_EQ(error.at("message"),
            "Bad Request: Unsupported protocol version: 2024-11-05 (supported versions: 2025-03-26, 2025-06-18, "
            "2025-11-25, 2026-07-28)");
  r = send(request("DELETE", "", {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "1.0"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(sessions_.find(id, clock_.now())) << "the refused DELETE ended nothing";
}

TEST_F(Transport, EachSupportedVersionHeaderOrNoneIsServed) {
  auto id = open_session();
  for (auto v : {"2025-03-26", "2025-06-18", "2025-11-25", ""})
    EXPECT_EQ(post(std::string(kPing), {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", v}}).status, 200) << v;
}

TEST_F(Transport, InitializeIgnoresAVersionHeader) {
  auto r = post(initialize_body("2025-03-26"), {{"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("result").at("protocolVersion"), "2025-03-26");
}

// --- Notifications, responses, requests --------------------------------------------------------

TEST_F(Transport, NotificationsAndResponsesGet202WithoutABody) {
  auto id = open_session();
  for (auto body : {kInitialized, std::string_view(R"({"jsonrpc":"2.0","id":"srv-1","result":{}})"),
                    std::string_view(R"({"jsonrpc":"2.0","id":"srv-2","error":{"code":-1,"message":"no"}})")}) {
    auto r = post(std::string(body), {{"Mcp-Session-Id", id}});
    EXPECT_EQ(r.status, 202) << body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_FALSE(r.headers.get("Content-Type"));
  }
}

TEST_F(Transport, ToolCallsOverHttp) {
  auto id = open_session();
  const Fields session{{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-06-18"}};
  auto r = post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})",
                session);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"hi for alice@contoso.example in 42"}]}})");

  r = post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"fail","arguments":{}}})", session);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("result").at("isError"), true);

  r = post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope","arguments":{}}})", session);
  EXPECT_EQ(r.status, 200) << "a JSON-RPC error travels in a 200";
  EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Unknown tool: nope"},"id":5})");

  r = post(R"({"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":"info"}})", session);
  EXPECT_EQ(json::parse(r.body).at("error").at("code"), kMethodNotFound);
}

// --- Batches ---------------------------------------------------------------------------------------

TEST_F(Transport, BatchesAreRefusedFrom2025_06_18On) {
  const std::string batch = "[" + std::string(kPing) + "," + std::string(kToolsList) + "]";
  for (auto v : {"2025-06-18", "2025-11-25"}) {
    auto id = open_session(v);
    auto r = post(batch, {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", v}});
    EXPECT_EQ(r.status, 400) << v;
    EXPECT_EQ(json::parse(r.body).at("error").at("code"), kInvalidRequest);
    r = post(batch, {{"Mcp-Session-Id", id}});
    EXPECT_EQ(r.status, 400) << "without the header the session's version counts: " << v;
  }
}

TEST_F(Transport, BatchesAreAnsweredIn2025_03_26) {
  auto id = open_session("2025-03-26");
  auto r = post("[" + std::string(kPing) + "," + std::string(kInitialized) + "," + std::string(kToolsList) + ",7]",
                {{"Mcp-Session-Id", id}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto answers = json::parse(r.body).as_array();
  ASSERT_EQ(answers.size(), 3u) << "the notification needs no answer";
  EXPECT_EQ(answers[0], json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
  EXPECT_EQ(answers[1].at("id"), 2);
  EXPECT_EQ(answers[2].at("error").at("code"), kInvalidRequest);
  EXPECT_TRUE(answers[2].at("id").is_null());

  r = post("[" + std::string(kInitialized) + "]", {{"Mcp-Session-Id", id}});
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());

  r = post("[]", {{"Mcp-Session-Id", id}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r).at("code"), kInvalidRequest);

  r = post("[" + initialize_body("2025-03-26") + "]", {{"Mcp-Session-Id", id}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at(0).at("error").at("code"), kInvalidRequest);
  EXPECT_EQ(sessions_.size(), 1u) << "initialize inside a batch opened nothing";
}

TEST_F(Transport, ABatchAsSseIsOneEvent) {
  auto id = open_session("2025-03-26");
  auto r = post("[" + std::string(kPing) + "]", {{"Mcp-Session-Id", id}, {"Accept", "text/event-stream"}});
  EXPECT_EQ(r.body, "event: message\ndata: [{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]\n\n");
}

TEST_F(Transport, ABatchWithoutASessionIs400) { EXPECT_EQ(post("[" + std::string(kPing) + "]").status, 400); }

// --- Stateless -------------------------------------------------------------------------------------

TEST_F(Transport, StatelessIssuesAndAsksForNoSession) {
  options_.stateless = true;
  auto r = post(initialize_body("2025-11-25"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.get("Mcp-Session-Id"));
  EXPECT_EQ(sessions_.size(), 0u);

  r = post(std::string(kToolsList), {{"MCP-Protocol-Version", "2025-11-25"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(post(std::string(kInitialized)).status, 202);
  EXPECT_EQ(post(std::string(kPing), {{"Mcp-Session-Id", "anything"}}).status, 200);
  EXPECT_EQ(post(std::string(kPing), {{"MCP-Protocol-Version", "2024-11-05"}}).status, 400);
}

TEST_F(Transport, StatelessAnswersGetAndDeleteWith405) {
  options_.stateless = true;
  for (auto method : {"GET", "DELETE"}) {
    auto r = send(request(method, "", {{"Mcp-Session-Id", "x"}}));
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.body, kMethodNotAllowedBody);
    EXPECT_EQ(r.headers.get("Allow"), "POST, OPTIONS");
  }
}

TEST_F(Transport, StatelessBatchesFollowTheVersionHeader) {
  options_.stateless = true;
  const std::string batch = "[" + std::string(kPing) + "]";
  EXPECT_EQ(post(batch).status, 200) << "no header: 2025-03-26";
  EXPECT_EQ(post(batch, {{"MCP-Protocol-Version", "2025-03-26"}}).status, 200);
  EXPECT_EQ(post(batch, {{"MCP-Protocol-Version", "2025-11-25"}}).status, 400);
}

// --- 2026-07-28: stateless, every request names its revision ---------------------------------

std::string modern(std::string_view method, std::string params = "", std::string_view version = "2026-07-28",
                   int id = 7) {
  std::string envelope =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":")" + std::string(version) +
      R"(","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"2"}})";
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + std::string(method) + R"(","params":{)" +
         params + (params.empty() ? "" : ",") + envelope + "}}";
}

Fields modern_headers(std::string_view method, std::string name = "") {
  Fields f{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", std::string(method)}};
  if (!name.empty()) f.emplace_back("Mcp-Name", std::move(name));
  return f;
}

TEST_F(Transport, ServerDiscoverNamesEveryRevisionWithoutASession) {
  auto r = post(modern("server/discover"), modern_headers("server/discover"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.headers.get("Mcp-Session-Id")) << "stateless: no session is issued";
  auto result = json::parse(r.body).at("result").as_object();
  EXPECT_EQ(json::serialize(result.at("supportedVersions")),
            R"(["2025-03-26","2025-06-18","2025-11-25","2026-07-28"])");
  EXPECT_TRUE(result.at("capabilities").as_object().contains("tools"));
  EXPECT_EQ(result.at("instructions"), "Ask me about libraries.");
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_EQ(result.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name"), "mcpgate-docs");
  EXPECT_EQ(result.at("cacheScope"), "public") << "the schema requires the cache hints on DiscoverResult";
  EXPECT_GT(result.at("ttlMs").as_int64(), 0);
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(Transport, AModernListCarriesItsCacheHintsAndACallItsResultType) {
  auto list = post(modern("tools/list"), modern_headers("tools/list"));
  ASSERT_EQ(list.status, 200) << list.body;
  auto result = json::parse(list.body).at("result").as_object();
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_EQ(result.at("cacheScope"), "public");
  EXPECT_GT(result.at("ttlMs").as_int64(), 0);
  EXPECT_FALSE(result.at("tools").as_array().empty());
  auto first = std::string(result.at("tools").as_array()[0].at("name").as_string());

  auto call = post(modern("tools/call", R"("name":")" + first + R"(","arguments":{"text":"x"})"),
                   modern_headers("tools/call", first));
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_EQ(json::parse(call.body).at("result").at("resultType"), "complete");
}

TEST_F(Transport, StandardHeadersMustBeThereAndAgreeWithTheBody) {
  auto missing_method = post(modern("tools/list"), {{"MCP-Protocol-Version", "2026-07-28"}});
  EXPECT_EQ(missing_method.status, 400);
  EXPECT_EQ(error_of(missing_method).at("code"), kHeaderMismatch);
  auto missing_version = post(modern("tools/list"), {{"Mcp-Method", "tools/list"}});
  EXPECT_EQ(error_of(missing_version).at("code"), kHeaderMismatch);
  auto other_method = post(modern("tools/list"), modern_headers("prompts/list"));
  EXPECT_EQ(error_of(other_method).at("code"), kHeaderMismatch);
  auto other_name = post(modern("tools/call", R"("name":"a","arguments":{})"), modern_headers("tools/call", "b"));
  EXPECT_EQ(other_name.status, 400);
  EXPECT_EQ(error_of(other_name).at("code"), kHeaderMismatch);
  auto no_name = post(modern("tools/call", R"("name":"a","arguments":{})"), modern_headers("tools/call"));
  EXPECT_EQ(error_of(no_name).at("code"), kHeaderMismatch);
  auto header_version =
      post(modern("tools/list"), {{"MCP-Protocol-Version", "2025-11-25"}, {"Mcp-Method", "tools/list"}});
  EXPECT_EQ(error_of(header_version).at("code"), kHeaderMismatch) << "the header and the envelope disagree";
}

TEST_F(Transport, AnUnknownModernRevisionIsRefusedNamingTheSupportedOnes) {
  auto r = post(modern("tools/list", "", "2027-03-01"),
                {{"MCP-Protocol-Version", "2027-03-01"}, {"Mcp-Method", "tools/list"}});
  EXPECT_EQ(r.status, 400);
  auto error = error_of(r);
  EXPECT_EQ(error.at("code"), kUnsupportedProtocolVersion);
  EXPECT_EQ(error.at("data").at("requested"), "2027-03-01");
  EXPECT_EQ(error.at("data").at("supported").as_array().back(), "2026-07-28");
}

TEST_F(Transport, AModernHeaderWithoutAnEnvelopeIsInvalidParams) {
  auto r = post(std::string(kToolsList), modern_headers("tools/list"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r).at("code"), kInvalidParams);
  auto no_capabilities = post(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})",
      modern_headers("tools/list"));
  EXPECT_EQ(error_of(no_capabilities).at("code"), kInvalidParams);
}

// Over HTTP, 2026-07-28 answers a method not found with 404 (the conformance suite's
// server-stateless scenario holds servers to it).
TEST_F(Transport, WhatTheRevisionRemovedIsNotFoundAndNotificationsAreAccepted) {
  for (auto method : {"ping", "initialize", "logging/setLevel", "subscriptions/listen", "no/such/method"}) {
    auto r = post(modern(method), modern_headers(method));
    EXPECT_EQ(r.status, 404) << method;
    EXPECT_EQ(json::parse(r.body).at("error").at("code"), kMethodNotFound) << method;
  }
  auto note = post(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})");
  EXPECT_EQ(note.status, 202);
}

TEST_F(Transport, TheOlderRevisionsAreServedAsBefore) {
  auto id = open_session("2025-11-25");
  auto r = post(std::string(kToolsList), {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-11-25"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(json::parse(r.body).at("result").as_object().contains("resultType"));
  auto init = post(initialize_body("2026-07-28"));
  EXPECT_EQ(json::parse(init.body).at("result").at("protocolVersion"), "2025-11-25")
      << "initialize is the 2025 handshake: it negotiates a 2025 revision";
}

}  // namespace
}  // namespace mcpgate::mcp::testing
