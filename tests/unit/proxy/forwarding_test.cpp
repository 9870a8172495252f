#include "proxy/forwarding.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "common/strings.hpp"
#include "unit/proxy/proxy_fixture.hpp"

namespace mcpgate::proxy {
namespace {

using namespace testing;

// The values of every field named `name`, in order.
std::vector<std::string> all(const http::Headers& headers, std::string_view name) {
  std::vector<std::string> out;
  for (auto [n, v] : headers.fields())
    if (iequals(n, name)) out.emplace_back(v);
  return out;
}

TEST(MatchRoute, PicksTheLongestPrefixOnAPathBoundary) {
  // The shorter prefix comes first, so the first match is not the answer.
  std::vector<RouteConfig> routes{route("/context7"), route("/context7/v2"), route("/docs")};
  auto m = match_route(routes, "/context7/v2/mcp");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->prefix, "/context7/v2");
  EXPECT_EQ(m->suffix, "/mcp");

  m = match_route(routes, "/context7/mcp");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route, &routes[0]);
  EXPECT_EQ(m->suffix, "/mcp");

  m = match_route(routes, "/context7/v2x/mcp");  // v2x is not below /context7/v2
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route, &routes[0]);
  EXPECT_EQ(m->suffix, "/v2x/mcp");
}

TEST(MatchRoute, MatchesTheExactPrefixWithAnEmptySuffix) {
  std::vector<RouteConfig> routes{route("/context7")};
  auto m = match_route(routes, "/context7");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route, &routes[0]);
  EXPECT_EQ(m->suffix, "");
}

TEST(MatchRoute, DoesNotMatchAPrefixOfAPathSegment) {
  std::vector<RouteConfig> routes{route("/context7"), route("/docs")};
  EXPECT_FALSE(match_route(routes, "/context7x"));
  EXPECT_FALSE(match_route(routes, "/context7x/mcp"));
  EXPECT_FALSE(match_route(routes, "/context"));
  EXPECT_FALSE(match_route(routes, "/"));
  EXPECT_FALSE(match_route(routes, ""));
  EXPECT_FALSE(match_route({}, "/context7/mcp"));
}

TEST(RewritePath, RewritesTheExactPathAndItsChildren) {
  auto r = route("/context7");
  r.rewrites = {{"/mcp", "/mcp/oauth"}, {"/mcp", "/never"}, {"/sse", "/events"}};
  EXPECT_EQ(rewrite_path(r, "/mcp"), "/mcp/oauth");
  EXPECT_EQ(rewrite_path(r, "/mcp/messages"), "/mcp/oauth/messages");
  EXPECT_EQ(rewrite_path(r, "/sse"), "/events");
  EXPECT_EQ(rewrite_path(r, "/mcpx"), "/mcpx");  // not a child of /mcp
  EXPECT_EQ(rewrite_path(r, "/other"), "/other");
}

TEST(RewritePath, WithoutRulesThePathPassesAndAnEmptySuffixIsTheRoot) {
  auto r = route("/context7");
  EXPECT_EQ(rewrite_path(r, "/mcp"), "/mcp");
  EXPECT_EQ(rewrite_path(r, ""), "/");
  r.rewrites = {{"/mcp", "/mcp/oauth"}};
  EXPECT_EQ(rewrite_path(r, ""), "/");
}

// What VS Code sends through a corporate proxy, plus everything a gateway must not pass on.
http::Request caller_request() {
  auto r = request("POST", "/context7/mcp",
                   {{"Host", "gw.contoso.dev"},
                    {"Authorization", "Bearer the-users-token-for-the-gateway"},
                    {"Cookie", "session=abc"},
                    {"Proxy-Authorization", "Basic dXNlcjpwYXNz"},
                    {"Connection", "keep-alive, X-Hop-Secret"},
                    {"Keep-Alive", "timeout=5"},
                    {"TE", "trailers"},
                    {"Upgrade", "websocket"},
                    {"Transfer-Encoding", "chunked"},
                    {"Content-Length", "42"},
                    {"X-Hop-Secret", "for the next hop only"},
                    {"Mcp-Session-Id", "session-7"},
                    {"MCP-Protocol-Version", "2025-06-18"},
                    {"Last-Event-ID", "41"},
                    {"Accept", "application/json, text/event-stream"},
                    {"Content-Type", "application/json"},
                    {"User-Agent", "vscode/1.101"},
                    {"X-Forwarded-For", "203.0.113.9"},
                    {"X-Forwarded-Proto", "http"},
                    {"X-Forwarded-Host", "spoofed.example"}},
                   R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  r.scheme = "https";
  r.remote_address = "192.0.2.10";
  return r;
}

TEST(UpstreamRequestHeaders, ReplacesTheCallersAuthorizationWithTheExchangedToken) {
  auto h = upstream_request_headers(caller_request(), "obo-token-for-the-mcp-api");
  EXPECT_EQ(all(h, "Authorization"), std::vector<std::string>{"Bearer obo-token-for-the-mcp-api"});
}

TEST(UpstreamRequestHeaders, DropsCredentialsHopByHopAndFramingHeaders) {
  auto h = upstream_request_headers(caller_request(), "obo");
  for (auto name : {"Cookie", "Proxy-Authorization", "Connection", "Keep-Alive", "TE", "Upgrade", "Transfer-Encoding",
                    "Host", "Content-Length", "X-Hop-Secret"})
    EXPECT_EQ(h.count(name), 0u) << name;
}

TEST(UpstreamRequestHeaders, PassesMcpHeadersUntouched) {
  auto h = upstream_request_headers(caller_request(), "obo");
  for (auto [name, value] :
       std::initializer_list<std::pair<std::string, std::string>>{{"Mcp-Session-Id", "session-7"},
                                                                  {"MCP-Protocol-Version", "2025-06-18"},
                                                                  {"Last-Event-ID", "41"},
                                                                  {"Accept", "application/json, text/event-stream"},
                                                                  {"Content-Type", "application/json"},
                                                                  {"User-Agent", "vscode/1.101"}}) {
    auto field = std::find_if(h.fields().begin(), h.fields().end(), [&](const auto& f) { return f.first == name; });
    ASSERT_NE(field, h.fields().end()) << name << " is missing, or its name was changed";
    EXPECT_EQ((*field).second, value);
    EXPECT_EQ(h.count(name), 1u) << name;
  }
}

TEST(UpstreamRequestHeaders, SetsForwardedHeadersFromWhatTheGatewaySaw) {
  auto h = upstream_request_headers(caller_request(), "obo");
  EXPECT_EQ(all(h, "X-Forwarded-For"), std::vector<std::string>{"203.0.113.9, 192.0.2.10"});
  // The caller claimed http; the gateway's listener was https.
  EXPECT_EQ(all(h, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
  EXPECT_EQ(all(h, "X-Forwarded-Host"), std::vector<std::string>{"gw.contoso.dev"});
}

TEST(UpstreamRequestHeaders, StartsOrJoinsTheForwardedForChain) {
  auto fresh = request("GET", "/context7/mcp", {{"Host", "gw.contoso.dev"}});
  fresh.remote_address = "192.0.2.10";
  EXPECT_EQ(all(upstream_request_headers(fresh, "obo"), "X-Forwarded-For"), std::vector<std::string>{"192.0.2.10"});

  auto twice =
      request("GET", "/context7/mcp", {{"X-Forwarded-For", "203.0.113.9"}, {"x-forwarded-for", "198.51.100.7"}});
  twice.remote_address = "192.0.2.10";
  auto h = upstream_request_headers(twice, "obo");
  EXPECT_EQ(all(h, "X-Forwarded-For"), std::vector<std::string>{"203.0.113.9, 198.51.100.7, 192.0.2.10"});
  EXPECT_EQ(all(h, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(h.count("X-Forwarded-Host"), 0u);  // no Host, nothing to forward
}

TEST(DownstreamResponseHeaders, KeepsTheUpstreamsHeadersButNotItsFraming) {
  http::Headers upstream;
  upstream.add("Content-Type", "text/event-stream");
  upstream.add("Mcp-Session-Id", "session-7");
  upstream.add("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
  upstream.add("Cache-Control", "no-cache");
  upstream.add("Content-Length", "120");
  upstream.add("Transfer-Encoding", "chunked");
  upstream.add("Connection", "keep-alive, X-Upstream-Internal");
  upstream.add("Keep-Alive", "timeout=5");
  upstream.add("Proxy-Authenticate", "Basic");
  upstream.add("Trailer", "Expires");
  upstream.add("X-Upstream-Internal", "node-3");
  auto h = downstream_response_headers(upstream);
  EXPECT_EQ(h.pairs(), (Pairs{{"Content-Type", "text/event-stream"},
                              {"Mcp-Session-Id", "session-7"},
                              {"WWW-Authenticate", "Bearer error=\"insufficient_scope\""},
                              {"Cache-Control", "no-cache"},
                              {"X-Accel-Buffering", "no"}}));
}

TEST(ClaimBearerChallenge, PointsTheUpstreamsChallengeAtTheGatewaysMetadata) {
  const std::string ours = "https://gw.test/.well-known/oauth-protected-resource/context7/mcp";
  http::Headers h;
  h.set("WWW-Authenticate",
        "Bearer resource_metadata=\"http://localhost:8090/.well-known/oauth-protected-resource\", "
        "error=\"invalid_token\", "
        "error_description=\"user_not_provisioned\"");
  claim_bearer_challenge(h, 401, ours);
  EXPECT_EQ(
      h.get("WWW-Authenticate").value_or(""),
      "Bearer resource_metadata=\"" + ours + "\", error=\"invalid_token\", error_description=\"user_not_provisioned\"");
}

TEST(ClaimBearerChallenge, AddsTheMetadataWhenTheUpstreamGaveNone) {
  const std::string ours = "https://gw.test/m";
  http::Headers bare, with_error;
  claim_bearer_challenge(bare, 403, ours);
  EXPECT_EQ(bare.get("WWW-Authenticate").value_or(""), "Bearer resource_metadata=\"https://gw.test/m\"");
  with_error.set("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
  claim_bearer_challenge(with_error, 403, ours);
  EXPECT_EQ(with_error.get("WWW-Authenticate").value_or(""),
            "Bearer resource_metadata=\"https://gw.test/m\", error=\"insufficient_scope\"");
}

TEST(ClaimBearerChallenge, DropsAChallengeFromAnswersThatRefuseNothing) {
  for (int status : {200, 202, 404, 405, 500}) {
    http::Headers h;
    h.set("WWW-Authenticate", "Bearer resource_metadata=\"http://upstream\"");
    claim_bearer_challenge(h, status, "https://gw.test/m");
    EXPECT_FALSE(h.get("WWW-Authenticate")) << status;
  }
}

}  // namespace
}  // namespace mcpgate::proxy
