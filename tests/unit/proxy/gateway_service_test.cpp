// The gateway's request handling without sockets: a fake upstream plays the tenant (discovery,
// keys, the token endpoint) and the MCP server; a recording writer plays the client's connection.
// Each test runs the handler to completion on one io_context.
#include "proxy/gateway_service.hpp"

#include <deque>
#include <map>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "common/files.hpp"
#include "http/upstream.hpp"
#include "support/temp_dir.hpp"
#include "unit/auth/auth_fixture.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using auth::testing::jwk;
using auth::testing::jwks;
using auth::testing::kRsaKid;
using auth::testing::rs256;
using auth::testing::rsa_key;
using http::Task;
using testing::kGatewayApp;
using testing::kTenant;

constexpr const char* kAuthority = "https://login.test";
const std::string kIssuer = std::string(kAuthority) + "/" + kTenant + "/v2.0";
const std::string kDiscovery = kIssuer + "/.well-known/openid-configuration";
const std::string kKeys = std::string(kAuthority) + "/" + kTenant + "/discovery/v2.0/keys";
const std::string kTokenEndpoint = std::string(kAuthority) + "/" + kTenant + "/oauth2/v2.0/token";
constexpr const char* kAlice = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01";
constexpr const char* kBob = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a02";

// A response whose body arrives in the given pieces; without a content length it is a stream.
class ScriptedResponse final : public http::UpstreamResponse {
 public:
  explicit ScriptedResponse(std::deque<std::string> pieces, bool endless = false)
      : pieces_(std::move(pieces)), endless_(endless) {}
  Task<boost::system::result<std::string, http::UpstreamError>> read_some() override {
    if (pieces_.empty() && endless_) {  // a stream that stays open: waits until cancelled
      asio::steady_timer never(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
      co_await never.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return http::UpstreamError::because("cancelled");
    }
    if (pieces_.empty()) co_return std::string();
    std::string piece = std::move(pieces_.front());
    pieces_.pop_front();
    co_return piece;
  }
  bool done() const override { return pieces_.empty() && !endless_; }

 private:
  std::deque<std::string> pieces_;
  bool endless_;
};

struct Forwarded {
  std::string method, url, body;
  http::Headers headers;
};

// The tenant's endpoints and the MCP server behind the route. What each user is exchanged for
// is a token naming them, so a forwarded request shows whose it is.
class FakeUpstream final : public http::Upstream {
 public:
  FakeUpstream() {
    answers[kDiscovery] = http::Response::json(200, json::object{{"issuer", kIssuer},
                                                                 {"jwks_uri", kKeys},
                                                                 {"authorization_endpoint", kIssuer + "/authorize"},
                                                                 {"token_endpoint", kTokenEndpoint}});
    answers[kKeys] = http::Response::json(200, json::parse(jwks({jwk(rsa_key(), kRsaKid)})));
  }

  Task<boost::system::result<http::Response, http::UpstreamError>> fetch(http::ClientRequest request,
                                                                         std::chrono::milliseconds) override {
    ++fetches[request.url];
    if (request.url == kTokenEndpoint) co_return exchange(request.body);
    auto it = answers.find(request.url);
    if (it == answers.end())
      co_return http::UpstreamError::because("cannot connect to the identity provider: connection refused");
    co_return it->second;
  }

  Task<boost::system::result<std::unique_ptr<http::UpstreamResponse>, http::UpstreamError>> open(
      http::ClientRequest request, http::Deadlines) override {
    forwarded.push_back({request.method, request.url, request.body, request.headers});
    if (refuse_connections) co_return http::UpstreamError::because("cannot connect to the MCP server");
    for (const auto& down : down_origins)
      if (request.url.rfind(down, 0) == 0) {
        auto refused = http::UpstreamError::because("cannot connect to upstream " + down + ": Connection refused");
        refused.not_sent = true;
        co_return refused;
      }
    if (refused_tokens.contains(std::string(request.headers.get("Authorization").value_or("")))) {
      const std::string body = R"({"error":"invalid_token"})";
      auto refusal = std::make_unique<ScriptedResponse>(std::deque<std::string>{body});
      refusal->status = 401;
      refusal->headers.add("WWW-Authenticate", refusal_challenge);
      refusal->content_length = body.size();
      co_return std::unique_ptr<http::UpstreamResponse>(std::move(refusal));
    }
    auto response = std::make_unique<ScriptedResponse>(reply_pieces, endless_stream);
    response->status = reply_status;
    response->headers = reply_headers;
    if (!streaming) {
      size_t size = 0;
      for (auto& p : reply_pieces) size += p.size();
      response->content_length = size;
    }
    co_return std::unique_ptr<http::UpstreamResponse>(std::move(response));
  }

  // The On-Behalf-Of answer for the assertion's user, or the configured refusal.
  http::Response exchange(const std::string& form) {
    if (obo_refusal) return *obo_refusal;
    auto assertion = testing::form_pairs(form);
    std::string oid;
    for (auto& [name, value] : assertion)
      if (name == "assertion") oid = auth::parse_jwt(value)->claim_string("oid").value_or("?");
    return http::Response::json(
        200,
        json::object{{"token_type", "Bearer"}, {"access_token", "obo-for-" + oid + obo_suffix}, {"expires_in", 3600}});
  }

  std::map<std::string, http::Response> answers;
  std::map<std::string, int> fetches;
  std::vector<Forwarded> forwarded;
  std::optional<http::Response> obo_refusal;
  std::string obo_suffix;  // appended to exchanged tokens, to tell a re-exchanged one apart
  // The MCP server answers 401 with this challenge to these Authorization values.
  std::set<std::string> refused_tokens;
  std::string refusal_challenge = R"(Bearer resource_metadata="http://10.0.0.5/x", error="invalid_token", )"
                                  R"(error_description="signed by an unknown key")";
  bool refuse_connections = false;
  std::set<std::string> down_origins;  // these refuse connections (nothing sent)
  int reply_status = 200;
  http::Headers reply_headers = [] {
    http::Headers h;
    h.add("Content-Type", "application/json");
    return h;
  }();
  std::deque<std::string> reply_pieces{R"({"jsonrpc":"2.0","id":1,"result":{}})"};
  bool streaming = false;
  bool endless_stream = false;  // the stream stays open after its pieces
};

// The client's side of the connection, recorded.
class RecordingWriter final : public http::ResponseWriter {
 public:
  Task<bool> start(int s, const http::Headers& h, std::optional<size_t> length) override {
    started_ = true;
    status = s;
    headers = h;
    content_length = length;
    co_return true;
  }
  Task<bool> write(std::string_view data) override {
    pieces.emplace_back(data);
    body += data;
    co_return true;
  }
  Task<bool> finish() override {
    finished = true;
    co_return true;
  }
  Task<void> client_gone() override {
    if (server_stopping) {  // the server ends its streams, once what is queued has run
      for (int i = 0; i < 10; ++i) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      co_return;
    }
    // A client that stays: completes only when cancelled.
    asio::steady_timer never(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await never.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  bool shutting_down() const override { return server_stopping; }
  bool server_stopping = false;

  int status = 0;
  http::Headers headers;
  std::optional<size_t> content_length;
  std::vector<std::string> pieces;
  std::string body;
  bool finished = false;
};

class GatewayServiceTest : public ::testing::Test {
 protected:
  GatewayServiceTest() {
    config.authority = kAuthority;
    config.audit_log = (dir / "audit.jsonl").string();
  }

  GatewayService& service() {
    if (!service_) service_ = std::make_unique<GatewayService>(config, clock, upstream);
    return *service_;
  }

  // Runs the request to completion; `server_stopping`: the server ends its streams meanwhile.
  RecordingWriter send(http::Request request, bool server_stopping = false) {
    RecordingWriter out;
    out.server_stopping = server_stopping;
    asio::io_context io;
    auto& s = service();
    asio::co_spawn(io, s.handle(request, out), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io.run();
    return out;
  }

  static std::string token_for(const std::string& oid) {
    return rs256(auth::testing::claims_with(
        {{"iss", kIssuer}, {"oid", oid}, {"preferred_username", oid == kAlice ? "alice@contoso.dev" : "bob"}}));
  }

  static http::Request mcp_post(const std::string& oid, std::string body = R"({"jsonrpc":"2.0","id":1,
      "method":"tools/call","params":{"name":"query-docs","arguments":{"libraryId":"/fastify/fastify"}}})") {
    return testing::request("POST", "/context7/mcp",
                            {{"Authorization", "Bearer " + token_for(oid)},
                             {"Content-Type", "application/json"},
                             {"Accept", "application/json, text/event-stream"}},
                            std::move(body));
  }

  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  GatewayConfig config = testing::gateway_config();
  FakeUpstream upstream;
  std::unique_ptr<GatewayService> service_;
};

TEST_F(GatewayServiceTest, LocalAnswersNeedNoUpstream) {
  EXPECT_EQ(send(testing::request("GET", "/healthz")).status, 200);
  auto prm = send(testing::request("GET", "/.well-known/oauth-protected-resource/context7/mcp"));
  EXPECT_EQ(prm.status, 200);
  EXPECT_EQ(json::parse(prm.body).at("resource").as_string(), std::string(testing::kPublicUrl) + "/context7/mcp");
  EXPECT_EQ(send(testing::request("GET", "/nowhere")).status, 404);
  EXPECT_TRUE(upstream.forwarded.empty());
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 0);
}

TEST_F(GatewayServiceTest, MissingTokenIsAChallengeNamingTheGatewaysMetadata) {
  auto out = send(testing::request("POST", "/context7/mcp", {}, "{}"));
  EXPECT_EQ(out.status, 401);
  auto challenge = std::string(out.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_NE(challenge.find(std::string("resource_metadata=\"") + testing::kPublicUrl +
                           "/.well-known/oauth-protected-resource/context7/mcp\""),
            std::string::npos)
      << challenge;
  EXPECT_TRUE(upstream.forwarded.empty());
}

TEST_F(GatewayServiceTest, AnotherSchemeIsChallengedWithoutAnErrorCode) {
  auto out = send(testing::request("POST", "/context7/mcp", {{"Authorization", "Basic dXNlcjpwYXNz"}}, "{}"));
  EXPECT_EQ(out.status, 401);
  auto challenge = std::string(out.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_EQ(challenge.find("error="), std::string::npos) << "RFC 6750 §3.1: " << challenge;
  EXPECT_NE(challenge.find("resource_metadata="), std::string::npos) << challenge;
  EXPECT_NE(out.body.find("Bearer scheme"), std::string::npos) << out.body;
}

TEST_F(GatewayServiceTest, ValidTokenIsExchangedAndForwardedWithTheRouteRewrite) {
  auto out = send(mcp_post(kAlice));
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.body, R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_EQ(out.content_length, out.body.size());
  ASSERT_EQ(upstream.forwarded.size(), 1u);
  const auto& f = upstream.forwarded[0];
  EXPECT_EQ(f.url, "https://mcp.context7.com/mcp/oauth");
  EXPECT_EQ(f.headers.get("Authorization"), std::string("Bearer obo-for-") + kAlice);
  EXPECT_EQ(f.headers.count("Authorization"), 1u) << "the caller's own token is not forwarded";
  EXPECT_NE(f.body.find("tools/call"), std::string::npos);
}

TEST_F(GatewayServiceTest, OneExchangePerUserAndEachUsersOwnToken) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
    EXPECT_EQ(send(mcp_post(kBob)).status, 200);
  }
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 2) << "one On-Behalf-Of exchange for each user, then the cache";
  ASSERT_EQ(upstream.forwarded.size(), 6u);
  for (size_t i = 0; i < upstream.forwarded.size(); ++i) {
    auto expected = std::string("Bearer obo-for-") + (i % 2 == 0 ? kAlice : kBob);
    EXPECT_EQ(upstream.forwarded[i].headers.get("Authorization"), expected) << "request " << i;
  }
}

TEST_F(GatewayServiceTest, CachedTokenTheServerRefusesIsForgottenAndExchangedAgainOnce) {
  ASSERT_EQ(send(mcp_post(kAlice)).status, 200);
  ASSERT_EQ(send(mcp_post(kBob)).status, 200);
  // The server stops accepting what was exchanged before (keys rotated, the user re-provisioned).
  upstream.refused_tokens = {std::string("Bearer obo-for-") + kAlice};
  upstream.obo_suffix = "-renewed";
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 3) << "one more exchange, for Alice only";
  ASSERT_EQ(upstream.forwarded.size(), 4u);
  EXPECT_EQ(upstream.forwarded[3].headers.get("Authorization"), std::string("Bearer obo-for-") + kAlice + "-renewed");
  EXPECT_EQ(upstream.forwarded[3].body, upstream.forwarded[2].body) << "the same request, sent again";
  // From now on the renewed token is the cached one; Bob's was never touched.
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
  EXPECT_EQ(send(mcp_post(kBob)).status, 200);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 3);
  auto metrics = send(testing::request("GET", "/metrics")).body;
  EXPECT_NE(metrics.find("mcpgate_obo_cache_evictions_total 1\n"), std::string::npos) << metrics;
}

TEST_F(GatewayServiceTest, AFreshTokenTheServerRefusesIsRelayedNotRetried) {
  upstream.refused_tokens = {std::string("Bearer obo-for-") + kAlice};
  auto fresh = send(mcp_post(kAlice));
  EXPECT_EQ(fresh.status, 401);
  EXPECT_EQ(upstream.forwarded.size(), 1u) << "a token exchanged for this very request is not retried";
  // A cached one is retried once; when the renewed one is refused too, that refusal is the answer.
  auto cached = send(mcp_post(kAlice));
  EXPECT_EQ(cached.status, 401);
  EXPECT_EQ(upstream.forwarded.size(), 3u);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 2);
  EXPECT_NE(std::string(cached.headers.get("WWW-Authenticate").value_or("")).find(testing::kPublicUrl),
            std::string::npos);
}

TEST_F(GatewayServiceTest, AServerThatRefusesEveryTokenCostsOneExchangePerUserPerInterval) {
  ASSERT_EQ(send(mcp_post(kAlice)).status, 200);
  upstream.obo_suffix = "-renewed";
  upstream.refused_tokens = {std::string("Bearer obo-for-") + kAlice,
                             std::string("Bearer obo-for-") + kAlice + "-renewed"};
  EXPECT_EQ(send(mcp_post(kAlice)).status, 401);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 2) << "one re-exchange";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send(mcp_post(kAlice)).status, 401);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 2) << "not one per request: the identity provider throttles";
  clock.advance(std::chrono::seconds(31));
  EXPECT_EQ(send(mcp_post(kAlice)).status, 401);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 3) << "and again after the interval";
}

TEST_F(GatewayServiceTest, OtherRefusalsOfACachedTokenKeepIt) {
  ASSERT_EQ(send(mcp_post(kAlice)).status, 200);
  upstream.refused_tokens = {std::string("Bearer obo-for-") + kAlice};
  upstream.refusal_challenge = R"(Bearer error="insufficient_scope", scope="mcp.access")";
  EXPECT_EQ(send(mcp_post(kAlice)).status, 401);
  upstream.refusal_challenge = R"(Bearer resource_metadata="x")";
  EXPECT_EQ(send(mcp_post(kAlice)).status, 401);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 1) << "only invalid_token says the token itself is no good";
  EXPECT_EQ(upstream.forwarded.size(), 3u);
}

TEST_F(GatewayServiceTest, UpstreamChallengeIsReplacedByTheGatewaysOwn) {
  upstream.reply_status = 401;
  upstream.reply_headers.add("WWW-Authenticate",
                             "Bearer resource_metadata=\"http://10.0.0.5:9420/.well-known/oauth-protected-resource\"");
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 401);
  auto challenge = std::string(out.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_EQ(challenge.find("10.0.0.5"), std::string::npos) << "the internal server is not named: " << challenge;
  EXPECT_NE(challenge.find(testing::kPublicUrl), std::string::npos) << challenge;
}

TEST_F(GatewayServiceTest, AnUpstreamChallengeOnAnAnswerThatRefusesNothingIsDropped) {
  upstream.reply_headers.add("WWW-Authenticate",
                             "Bearer resource_metadata=\"http://10.0.0.5:9420/.well-known/oauth-protected-resource\"");
  for (int status : {200, 202, 405}) {
    upstream.reply_status = status;
    auto out = send(mcp_post(kAlice));
    EXPECT_EQ(out.status, status);
    EXPECT_FALSE(out.headers.get("WWW-Authenticate")) << status << ": no challenge, and no internal address";
  }
}

TEST_F(GatewayServiceTest, AVerifiedButUnprovisionedUserGets403NamingTheFixNotAnotherSignIn) {
  upstream.reply_status = 401;
  upstream.reply_headers.add("WWW-Authenticate",
                             R"(Bearer error="invalid_token", error_description="not provisioned")");
  upstream.reply_pieces = {
      R"({"jsonrpc":"2.0","error":{"code":-32001,"message":"User not provisioned","data":{"reason":"user_not_provisioned"}},"id":null})"};
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 403) << out.body;
  EXPECT_FALSE(out.headers.get("WWW-Authenticate")) << "a challenge would start a sign-in that cannot help";
  auto error = json::parse(out.body).at("error").as_object();
  auto message = std::string(error.at("message").as_string());
  EXPECT_NE(message.find(kAlice), std::string::npos) << "the object ID to add: " << message;
  EXPECT_NE(message.find("Microsoft Entra ID users"), std::string::npos) << message;
  EXPECT_EQ(error.at("data").at("reason").as_string(), "user_not_provisioned");

  // Any other refusal is relayed whole, as it came, with the gateway's challenge.
  upstream.reply_pieces = {
      R"({"jsonrpc":"2.0","error":{"code":-32001,"message":"expired","data":{"reason":"token_expired"}},"id":null})"};
  auto other = send(mcp_post(kAlice));
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(other.body, upstream.reply_pieces.front());
  EXPECT_NE(std::string(other.headers.get("WWW-Authenticate").value_or("")).find(testing::kPublicUrl),
            std::string::npos);
}

TEST_F(GatewayServiceTest, McpMethodAndMcpNameMustAgreeWithTheBody) {
  auto agreeing = mcp_post(kAlice);
  agreeing.headers.add("Mcp-Method", "tools/call");
  agreeing.headers.add("Mcp-Name", "query-docs");
  EXPECT_EQ(send(agreeing).status, 200);

  for (auto [header, value] : std::vector<std::pair<std::string, std::string>>{
           {"Mcp-Method", "tools/list"}, {"Mcp-Name", "resolve-library-id"}, {"Mcp-Name", ""}}) {
    auto lying = mcp_post(kAlice);
    lying.headers.add(header, value);
    auto out = send(lying);
    EXPECT_EQ(out.status, 400) << header << ": " << value;
    auto error = json::parse(out.body).at("error").as_object();
    EXPECT_EQ(error.at("code").as_int64(), -32020);
    EXPECT_NE(std::string(error.at("message").as_string()).find("HeaderMismatch"), std::string::npos);
  }
  auto batch = mcp_post(
      kAlice, R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}])");
  batch.headers.add("Mcp-Method", "tools/list");
  EXPECT_EQ(send(batch).status, 400);
  auto twice = mcp_post(kAlice);
  twice.headers.add("Mcp-Method", "tools/call");
  twice.headers.add("Mcp-Method", "tools/call");
  EXPECT_EQ(send(twice).status, 400);
  EXPECT_EQ(upstream.forwarded.size(), 1u) << "only the agreeing request reached the server";
}

TEST_F(GatewayServiceTest, AnEventStreamIsMarkedNotToBeBuffered) {
  upstream.reply_headers.add("Content-Type", "text/event-stream; charset=utf-8");
  upstream.reply_headers.add("X-Accel-Buffering", "yes");
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.headers.count("X-Accel-Buffering"), 1u);
  EXPECT_EQ(out.headers.get("X-Accel-Buffering"), "no");
}

TEST_F(GatewayServiceTest, APerToolPolicyRefusesDeniedCallsAndHidesThemFromTheList) {
  // Alice's demo token carries no group that the rule names.
  config.routes[0].tool_policy = ToolPolicy{{{"query-docs", {"00000000-0000-4000-8000-0000000000aa"}, {}}}};

  auto denied = send(mcp_post(kAlice));
  EXPECT_EQ(denied.status, 200);
  auto body = json::parse(denied.body).as_object();
  EXPECT_EQ(body.at("error").at("data").at("reason"), "tool_denied");
  EXPECT_EQ(upstream.forwarded.size(), 0u) << "nothing forwarded";
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 0) << "nothing exchanged";

  upstream.reply_headers.add("Content-Type", "application/json");
  upstream.reply_pieces = {
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"resolve-library-id"},{"name":"query-docs"}]}})"};
  auto listed = send(mcp_post(kAlice, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto tools = json::parse(listed.body).at("result").at("tools").as_array();
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].at("name"), "resolve-library-id");

  auto batch = send(mcp_post(kAlice, R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"}])"));
  EXPECT_EQ(batch.status, 400) << "a batched list would escape the filter";
  EXPECT_EQ(json::parse(batch.body).at("error").at("code"), -32600);

  upstream.reply_pieces = {"not a tool list"};
  EXPECT_EQ(send(mcp_post(kAlice, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")).status, 502)
      << "a list that cannot be filtered is not passed on";
}

// A resumed stream (GET with Last-Event-ID) may replay a tools/list answer: filtered as well.
TEST_F(GatewayServiceTest, AToolListReplayedOnAResumedStreamIsFilteredToo) {
  config.routes[0].tool_policy = ToolPolicy{{{"query-docs", {"00000000-0000-4000-8000-0000000000aa"}, {}}}};
  upstream.streaming = true;
  upstream.reply_headers = {};
  upstream.reply_headers.add("Content-Type", "text/event-stream");
  std::string list =
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"resolve-library-id"},{"name":"query-docs"}]}})";
  upstream.reply_pieces = {"id: 41\ndata: " + list.substr(0, 30), list.substr(30) + "\n\n",
                           "id: 42\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"};
  auto out = send(testing::request("GET", "/context7/mcp",
                                   {{"Authorization", "Bearer " + token_for(kAlice)},
                                    {"Accept", "text/event-stream"},
                                    {"Mcp-Session-Id", "s1"},
                                    {"Last-Event-ID", "40"}}));
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.body.find("resolve-library-id"), std::string::npos) << out.body;
  EXPECT_EQ(out.body.find("query-docs"), std::string::npos) << "replayed, and still hidden: " << out.body;
  EXPECT_NE(out.body.find("notifications/message"), std::string::npos);
  EXPECT_TRUE(out.finished);
}

// Several MCP servers behind one route: round robin, sessions kept on theirs, a dead one skipped.
TEST_F(GatewayServiceTest, SeveralUpstreamsShareTheLoadAndKeepEachSessionOnItsOwn) {
  config.routes[0].upstreams = {"http://mcp-a.internal", "http://mcp-b.internal"};
  config.routes[0].upstream = config.routes[0].upstreams[0];
  upstream.reply_headers.add("Mcp-Session-Id", "server-session-1");
  auto first = send(mcp_post(kAlice));
  auto second = send(mcp_post(kAlice));
  ASSERT_EQ(upstream.forwarded.size(), 2u);
  EXPECT_EQ(upstream.forwarded[0].url.rfind("http://mcp-a.internal/mcp/oauth", 0), 0u) << upstream.forwarded[0].url;
  EXPECT_EQ(upstream.forwarded[1].url.rfind("http://mcp-b.internal/mcp/oauth", 0), 0u) << upstream.forwarded[1].url;

  // The client sees a session ID that names the server holding it; the server sees its own.
  auto sealed = std::string(second.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_NE(sealed, "server-session-1");
  EXPECT_NE(sealed.find("server-session-1"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    auto again = mcp_post(kAlice);
    again.headers.add("Mcp-Session-Id", sealed);
    EXPECT_EQ(send(again).status, 200);
    EXPECT_EQ(upstream.forwarded.back().url.rfind("http://mcp-b.internal", 0), 0u) << "always b, which holds it";
    EXPECT_EQ(upstream.forwarded.back().headers.get("Mcp-Session-Id").value_or(""), "server-session-1");
  }

  // A session ID the gateway did not seal: 404, so the client starts a new session.
  auto forged = mcp_post(kAlice);
  forged.headers.add("Mcp-Session-Id", "server-session-1");
  auto before = upstream.forwarded.size();
  EXPECT_EQ(send(forged).status, 404);
  EXPECT_EQ(upstream.forwarded.size(), before) << "nothing forwarded";

  // a refuses connections: a new request moves to b; the session held by a ends (404).
  upstream.down_origins = {"http://mcp-a.internal"};
  for (int i = 0; i < 3; ++i) {
    auto out = send(mcp_post(kAlice));
    EXPECT_EQ(out.status, 200) << out.body;
    EXPECT_EQ(upstream.forwarded.back().url.rfind("http://mcp-b.internal", 0), 0u);
  }
  auto on_a = mcp_post(kAlice);
  on_a.headers.add("Mcp-Session-Id", std::string(first.headers.get("Mcp-Session-Id").value_or("")));
  auto lost = send(on_a);
  EXPECT_EQ(lost.status, 404) << lost.body;
  EXPECT_NE(lost.body.find("start a new session"), std::string::npos);

  // Operators see it: a is ejected, b takes everything, and the gateway stays ready.
  auto metrics = send(testing::request("GET", "/metrics")).body;
  EXPECT_NE(metrics.find(R"(mcpgate_upstream_available{route="/context7",upstream="http://mcp-a.internal"} 0)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(mcpgate_upstream_available{route="/context7",upstream="http://mcp-b.internal"} 1)"),
            std::string::npos);
  auto ready = send(testing::request("GET", "/readyz"));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body).at("upstreams").at("/context7").at("http://mcp-a.internal"), "out");
}

// Per user, not per address: alice's budget is hers alone, and a refusal reaches no one upstream.
TEST_F(GatewayServiceTest, ARouteRateLimitsEachUserWith429AndRetryAfter) {
  config.routes[0].rate_limit_requests = 2;
  config.routes[0].rate_limit_window = std::chrono::seconds(60);
  auto first = send(mcp_post(kAlice));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.headers.get("RateLimit-Limit").value_or(""), "2");
  EXPECT_EQ(first.headers.get("RateLimit-Remaining").value_or(""), "1");
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
  auto forwarded = upstream.forwarded.size();
  auto refused = send(mcp_post(kAlice));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers.get("Retry-After").value_or(""), "30");
  EXPECT_EQ(json::parse(refused.body).at("error"), "rate_limit_exceeded");
  EXPECT_EQ(upstream.forwarded.size(), forwarded) << "nothing forwarded";
  EXPECT_EQ(send(mcp_post(kBob)).status, 200) << "bob has his own budget";
  clock.advance(std::chrono::seconds(30));
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200) << "refilled";
  EXPECT_NE(send(testing::request("GET", "/metrics")).body.find(R"(route="/context7",status="429"})"),
            std::string::npos);
}

TEST_F(GatewayServiceTest, AQuotaRefusesTheRestOfItsWindowAndNamesWhenItStartsOver) {
  config.routes[0].quota_requests = 2;
  config.routes[0].quota_window = std::chrono::minutes(1);  // short enough for the test's tokens to outlive it
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
  auto forwarded = upstream.forwarded.size();
  auto refused = send(mcp_post(kAlice));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(json::parse(refused.body).at("error"), "quota_exceeded");
  EXPECT_EQ(refused.headers.get("Retry-After").value_or(""), "60");  // the clock says 08:00:00 UTC
  EXPECT_NE(std::string(json::parse(refused.body).at("message").as_string()).find("per 1m"), std::string::npos)
      << refused.body;
  EXPECT_EQ(upstream.forwarded.size(), forwarded) << "nothing forwarded";
  EXPECT_EQ(send(mcp_post(kBob)).status, 200) << "bob has his own quota";
  clock.advance(std::chrono::minutes(1));
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200) << "a new window";
}

TEST_F(GatewayServiceTest, StreamIsRelayedPieceByPieceWithoutALength) {
  upstream.streaming = true;
  upstream.reply_headers = {};
  upstream.reply_headers.add("Content-Type", "text/event-stream");
  upstream.reply_pieces = {"event: message\ndata: {\"id\":1}\n\n", "event: message\ndata: {\"id\":2}\n\n"};
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 200);
  EXPECT_FALSE(out.content_length.has_value());
  EXPECT_EQ(out.pieces, (std::vector<std::string>{upstream.reply_pieces.begin(), upstream.reply_pieces.end()}));
  EXPECT_TRUE(out.finished);
}

TEST_F(GatewayServiceTest, UnreachableMcpServerIs502) {
  upstream.refuse_connections = true;
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 502);
  EXPECT_EQ(json::parse(out.body).at("error").as_string(), "upstream_unavailable");
}

TEST_F(GatewayServiceTest, RefusedExchangeIsAnInvalidTokenWithTheAadstsCode) {
  upstream.obo_refusal = http::Response::json(
      400, json::object{{"error", "invalid_grant"},
                        {"error_description", "AADSTS50013: Assertion failed signature validation."},
                        {"error_codes", json::array{50013}}});
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 401);
  EXPECT_NE(out.body.find("50013"), std::string::npos) << out.body;
  EXPECT_TRUE(upstream.forwarded.empty());
}

TEST_F(GatewayServiceTest, TenantKeysUnreachableIs503ThenRecovers) {
  auto discovery = upstream.answers[kDiscovery];
  upstream.answers.erase(kDiscovery);
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(json::parse(out.body).at("error").as_string(), "keys_unavailable");
  upstream.answers[kDiscovery] = discovery;
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
}

TEST_F(GatewayServiceTest, TokensOfARetiredKeyAreVerifiedAgainNotServedFromTheCache) {
  ASSERT_EQ(send(mcp_post(kAlice)).status, 200) << "Alice's token is verified and cached";
  // The tenant rotates without grace (say, after a leak): only a new key is published, and the
  // first token it signed makes the gateway refetch.
  upstream.answers[kKeys] =
      http::Response::json(200, json::parse(jwks({jwk(auth::testing::stranger_rsa_key(), "rsa-key-2")})));
  auto renewed = rs256(auth::testing::claims_with({{"iss", kIssuer}, {"oid", kBob}}), "rsa-key-2",
                       auth::testing::stranger_rsa_key());
  auto bob = send(testing::request("POST", "/context7/mcp", {{"Authorization", "Bearer " + renewed}}, "{}"));
  EXPECT_EQ(bob.status, 200) << bob.body;
  auto alice = send(mcp_post(kAlice));
  EXPECT_EQ(alice.status, 401) << "signed by a key the tenant no longer publishes";
  EXPECT_NE(std::string(alice.headers.get("WWW-Authenticate").value_or("")).find("invalid_token"), std::string::npos);
}

TEST_F(GatewayServiceTest, TokenForAnotherAudienceIsRefusedBeforeAnyExchange) {
  auto wrong = rs256(auth::testing::claims_with({{"iss", kIssuer}, {"oid", kAlice}, {"aud", testing::kMcpApi}}));
  auto out = send(testing::request("POST", "/context7/mcp", {{"Authorization", "Bearer " + wrong}}, "{}"));
  EXPECT_EQ(out.status, 401);
  EXPECT_EQ(upstream.fetches[kTokenEndpoint], 0);
  EXPECT_TRUE(upstream.forwarded.empty());
}

TEST_F(GatewayServiceTest, AuditLineNamesTheUserTheMethodAndTheTool) {
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);
  auto line = json::parse(read_file(dir / "audit.jsonl").value_or("")).as_object();
  EXPECT_EQ(line.at("oid").as_string(), kAlice);
  EXPECT_EQ(line.at("rpc_method").as_string(), "tools/call");
  EXPECT_EQ(line.at("tool").as_string(), "query-docs");
  EXPECT_EQ(line.at("status").as_int64(), 200);
}

TEST_F(GatewayServiceTest, AStreamOpenAtShutdownEndsWithAReconnectHintAndIsAudited) {
  upstream.streaming = true;
  upstream.endless_stream = true;
  upstream.reply_headers = {};
  upstream.reply_headers.add("Content-Type", "text/event-stream");
  upstream.reply_pieces = {"event: message\ndata: {\"id\":1}\n\n"};
  auto out = send(mcp_post(kAlice), true);
  EXPECT_EQ(out.status, 200);
  EXPECT_TRUE(out.body.starts_with("event: message\ndata: {\"id\":1}\n\n")) << out.body;
  EXPECT_TRUE(out.body.ends_with("\nretry: 1000\n\n")) << out.body;
  EXPECT_TRUE(out.finished) << "the chunked body is ended properly, not cut";
  auto line = json::parse(read_file(dir / "audit.jsonl").value_or("")).as_object();
  EXPECT_EQ(line.at("outcome").as_string(), "ended_by_shutdown");
}

TEST_F(GatewayServiceTest, AChunkedAnswerThatIsNoEventStreamIsLeftCutAtShutdown) {
  upstream.streaming = true;
  upstream.endless_stream = true;
  upstream.reply_pieces = {R"({"jsonrpc":"2.0","id":1,"result":{"content":[)"};
  auto out = send(mcp_post(kAlice), true);
  EXPECT_FALSE(out.finished) << "ending it properly would make half a JSON answer look whole";
  EXPECT_EQ(out.body.find("retry:"), std::string::npos);
  auto line = json::parse(read_file(dir / "audit.jsonl").value_or("")).as_object();
  EXPECT_EQ(line.at("outcome").as_string(), "cut_by_shutdown");
}

TEST_F(GatewayServiceTest, ReadinessTurnsUnreadyWhenADrainBegins) {
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200) << "keys loaded";
  EXPECT_EQ(send(testing::request("GET", "/readyz")).status, 200);
  service().begin_drain();
  auto draining = send(testing::request("GET", "/readyz"));
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(json::parse(draining.body).at("status").as_string(), "draining");
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200) << "requests still reaching it are served";
}

// ---- hostile requests ------------------------------------------------------------------------

TEST_F(GatewayServiceTest, DotSegmentsAreResolvedBeforeRouting) {
  auto escape = mcp_post(kAlice);
  escape.path = "/context7/mcp/../../admin";
  EXPECT_EQ(send(escape).status, 404) << "normalised to /admin, which no route serves";
  auto encoded = mcp_post(kAlice);
  encoded.path = "/context7/mcp/%2e%2e/%2e%2e/admin";
  EXPECT_EQ(send(encoded).status, 404);
  EXPECT_TRUE(upstream.forwarded.empty()) << "nothing left its route";
  auto doubled = mcp_post(kAlice);
  doubled.path = "//context7//mcp";
  EXPECT_EQ(send(doubled).status, 200);
  ASSERT_EQ(upstream.forwarded.size(), 1u);
  EXPECT_EQ(upstream.forwarded[0].url, "https://mcp.context7.com/mcp/oauth");
}

TEST_F(GatewayServiceTest, EncodedSlashesAreRefused) {
  auto slash = mcp_post(kAlice);
  slash.path = "/context7/mcp%2F..%2F..%2Fadmin";
  auto out = send(slash);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(json::parse(out.body).at("error").as_string(), "invalid_request");
  EXPECT_TRUE(upstream.forwarded.empty());
}

TEST_F(GatewayServiceTest, TokenInTheQueryIsRefusedAndNeverForwarded) {
  auto request = mcp_post(kAlice);
  request.query = "access_token=" + token_for(kAlice);
  auto out = send(request);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("Authorization header"), std::string::npos) << out.body;
  EXPECT_EQ(out.body.find(token_for(kAlice)), std::string::npos);
  EXPECT_TRUE(upstream.forwarded.empty());
  auto form = testing::request(
      "POST", "/context7/mcp",
      {{"Authorization", "Bearer " + token_for(kAlice)}, {"Content-Type", "application/x-www-form-urlencoded"}},
      "access_token=" + token_for(kAlice));
  EXPECT_EQ(send(form).status, 400);
  EXPECT_TRUE(upstream.forwarded.empty());
}

TEST_F(GatewayServiceTest, ErrorAnswersNameNoInternalAddressOrRoute) {
  auto missing = send(testing::request("GET", "/nowhere"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.find("/context7"), std::string::npos) << "404s do not list the routes: " << missing.body;
  upstream.refuse_connections = true;
  auto unreachable = send(mcp_post(kAlice));
  EXPECT_EQ(unreachable.status, 502);
  EXPECT_EQ(unreachable.body.find("mcp.context7.com"), std::string::npos) << unreachable.body;
}

TEST_F(GatewayServiceTest, AadstsCodeIsSaidOnce) {
  upstream.obo_refusal = http::Response::json(
      400, json::object{{"error", "invalid_grant"},
                        {"error_description", "AADSTS50013: Assertion failed signature validation."},
                        {"error_codes", json::array{50013}}});
  auto out = send(mcp_post(kAlice));
  EXPECT_EQ(out.body.find("AADSTS50013: AADSTS50013"), std::string::npos) << out.body;
}

TEST_F(GatewayServiceTest, WhatTheAuditCannotReadIsNotForwarded) {
  auto out = send(
      mcp_post(kAlice, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"q\xff\"}}"));
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(json::parse(out.body).at("error").at("code").as_int64(), -32700);
  EXPECT_TRUE(upstream.forwarded.empty());
  auto line = json::parse(read_file(dir / "audit.jsonl").value_or("")).as_object();
  EXPECT_EQ(line.at("outcome").as_string(), "unparsable_body");
}

TEST_F(GatewayServiceTest, ABatchIsAuditedCallByCall) {
  EXPECT_EQ(send(mcp_post(kAlice, R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query-docs"}},
                                      {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"resolve-library-id"}}])"))
                .status,
            200);
  auto line = json::parse(read_file(dir / "audit.jsonl").value_or("")).as_object();
  EXPECT_EQ(line.at("rpc_method").as_string(), "tools/call,tools/call");
  EXPECT_EQ(line.at("tool").as_string(), "query-docs,resolve-library-id");
}

TEST_F(GatewayServiceTest, TheRoutesTenantIsRequiredEvenWhenTheRouteDoesNotNameIt) {
  ASSERT_FALSE(config.routes[0].required_tenant.has_value());
  auto other =
      rs256(auth::testing::claims_with({{"iss", kIssuer}, {"oid", kAlice}, {"tid", auth::testing::kOtherTenant}}));
  auto out = send(testing::request("POST", "/context7/mcp", {{"Authorization", "Bearer " + other}}, "{}"));
  EXPECT_EQ(out.status, 401);
  EXPECT_NE(out.body.find("tenant_mismatch"), std::string::npos) << out.body;
}

TEST_F(GatewayServiceTest, AdmissionJudgesTheTokenBeforeTheBody) {
  EXPECT_EQ(send(mcp_post(kAlice)).status, 200);  // the keys are loaded from here on
  auto head = mcp_post(kAlice);
  head.body.clear();
  EXPECT_FALSE(service().admit(head)) << "a valid token is admitted";
  auto anonymous = testing::request("POST", "/context7/mcp", {{"Content-Length", "4194304"}});
  auto refused = service().admit(anonymous);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_TRUE(refused->headers.get("WWW-Authenticate").has_value());
  auto forged = testing::request("POST", "/context7/mcp",
                                 {{"Authorization", "Bearer " + rs256(auth::testing::claims_with({{"iss", kIssuer}}),
                                                                      kRsaKid, auth::testing::stranger_rsa_key())}});
  ASSERT_TRUE(service().admit(forged));
  EXPECT_EQ(service().admit(forged)->status, 401);
  auto traversal = testing::request("POST", "/context7/%2f..%2fadmin");
  ASSERT_TRUE(service().admit(traversal));
  EXPECT_EQ(service().admit(traversal)->status, 400);
  EXPECT_FALSE(service().admit(testing::request("GET", "/healthz"))) << "local endpoints need no token";
  auto rotated =
      testing::request("POST", "/context7/mcp",
                       {{"Authorization", "Bearer " + rs256(auth::testing::claims_with({{"iss", kIssuer}}),
                                                            "rotated-key", auth::testing::stranger_rsa_key())}});
  EXPECT_FALSE(service().admit(rotated)) << "an unknown key may be a rotation: handle() refetches";
}

}  // namespace
}  // namespace mcpgate::proxy
