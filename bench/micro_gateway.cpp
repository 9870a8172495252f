// The rest of the gateway's per-request work, piece by piece: what a request costs once its
// token is known (cache hits), what a new token costs (full verification), and the small
// transformations every request or SSE event goes through.
#include <benchmark/benchmark.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "auth/key_set.hpp"
#include "auth/verified_cache.hpp"
#include "auth/verifier.hpp"
#include "crypto/aead.hpp"
#include "crypto/key.hpp"
#include "exchange/token_cache.hpp"
#include "idp/demo_tenant.hpp"
#include "mcp/peek.hpp"
#include "proxy/forwarding.hpp"
#include "proxy/upstream_set.hpp"

namespace {

using namespace mcpgate;

constexpr const char* kIssuer = "https://login.microsoftonline.com/72f988bf-0000-4000-8000-000000000000/v2.0";
constexpr const char* kAudience = "6e1f9a3c-0000-4000-8000-000000000001";

// An Entra-shaped access token (the claims Entra v2 puts in one, at about its size).
struct Fixture {
  crypto::Key key = crypto::Key::generate_rsa(2048);
  std::string token;
  auth::KeySet keys;
  auth::VerificationPolicy policy;
  SysTime now = SysTime::clock::now();
  Fixture() {
    boost::json::object header{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", "bench"}};
    auto t = unix_seconds(now);
    boost::json::object payload{{"aud", kAudience},
                                {"iss", kIssuer},
                                {"iat", t},
                                {"nbf", t},
                                {"exp", t + 3600},
                                {"aio", "AWQAm/8XAAAAbench0000000000000000000000000000000000000000000000000000"},
                                {"azp", "aebc6443-996d-45c2-90f0-388ff96faa56"},
                                {"azpacr", "0"},
                                {"name", "Bench User"},
                                {"oid", "0f1e2d3c-0000-4000-8000-000000000002"},
                                {"preferred_username", "bench@contoso.example"},
                                {"rh", "0.AXEAv4j5cvGGr0GRqy180BHbR-bench-0000000000000000000000."},
                                {"scp", "Mcp.Gateway.Access"},
                                {"sub", "vA9vE8pq0000000000000000000000000000000000"},
                                {"tid", "72f988bf-0000-4000-8000-000000000000"},
                                {"uti", "AbCdEfGhIjKlMnOpQrStAA"},
                                {"ver", "2.0"}};
    token = auth::sign_jwt(header, payload, key, crypto::JwsAlg::RS256);
    auto jwk = key.public_jwk();
    jwk["kid"] = "bench";
    jwk["use"] = "sig";
    boost::json::object jwks{{"keys", boost::json::array{jwk}}};
    if (auto e = keys.update(boost::json::serialize(jwks), now)) throw std::runtime_error(*e);
    policy.issuer = kIssuer;
    policy.tenant_id = "72f988bf-0000-4000-8000-000000000000";
    policy.audiences = {kAudience};
    policy.required_scopes = {"Mcp.Gateway.Access"};
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// parse → claims → key → RS256: what the first request with a new token pays.
void BM_VerifyTokenCold(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(auth::verify_token(f.token, f.policy, f.keys, f.now));
}
BENCHMARK(BM_VerifyTokenCold);

// What every later request with that token pays instead.
void BM_VerifiedCacheHit(benchmark::State& state) {
  auto& f = fixture();
  auth::VerifiedTokenCache cache;
  cache.insert(f.token, *auth::verify_token(f.token, f.policy, f.keys, f.now), f.now);
  for (auto _ : state) benchmark::DoNotOptimize(cache.find_shared(f.token, f.now));
}
BENCHMARK(BM_VerifiedCacheHit);
BENCHMARK(BM_VerifiedCacheHit)->Threads(2);

void BM_OboCacheHit(benchmark::State& state) {
  auto& f = fixture();
  exchange::TokenCache cache({});
  exchange::TokenCache::Key key{"72f988bf-0000-4000-8000-000000000000", "0f1e2d3c-0000-4000-8000-000000000002",
                                std::string("api://") + idp::demo::kMcpApiApp + "/.default"};
  cache.store_token(key, exchange::OboToken{f.token, std::chrono::seconds(3600), "mcp.access"}, f.now);
  for (auto _ : state) benchmark::DoNotOptimize(cache.find_token(key, f.now));
}
BENCHMARK(BM_OboCacheHit);

// Session affinity across MCP server replicas: the upstream's index and the server's session ID
// sealed into the ID the client holds, and opened again on each of its requests (one HMAC-SHA-256
// each way, under a key derived once when the route is set up).
void BM_SessionSealOpen(benchmark::State& state) {
  proxy::UpstreamSet set({"http://10.0.1.11:9420", "http://10.0.1.12:9420"}, {},
                         "a-session-key-shared-by-every-gateway-0\n/context7");
  const std::string session = "6f9a3c1e-2b7d-4e5f-8a1b-9c0d1e2f3a4b";
  for (auto _ : state) {
    auto sealed = set.seal_session(1, session);
    benchmark::DoNotOptimize(set.open_session(sealed));
  }
}
BENCHMARK(BM_SessionSealOpen);

// The sealed On-Behalf-Of token as Redis holds it: sealed once per exchange, opened when a
// gateway takes a token another one exchanged (AES-256-GCM, a 1.4 KB token).
void BM_SharedTokenSealOpen(benchmark::State& state) {
  auto& f = fixture();
  const std::string key(32, 'k');
  for (auto _ : state) {
    auto sealed = crypto::seal(key, f.token, "mcpgate:obo:0123456789abcdef:fedcba9876543210");
    benchmark::DoNotOptimize(crypto::open(key, sealed, "mcpgate:obo:0123456789abcdef:fedcba9876543210"));
  }
}
BENCHMARK(BM_SharedTokenSealOpen);

// The upstream request's headers: the caller's minus credentials and hop-by-hop ones, plus
// X-Forwarded-* and the exchanged token.
void BM_HeaderRewrite(benchmark::State& state) {
  auto& f = fixture();
  http::Request req;
  req.method = "POST";
  req.path = "/context7/mcp";
  req.remote_address = "127.0.0.1";
  req.headers.add("Host", "mcp-gateway.contoso.com");
  req.headers.add("User-Agent", "node");
  req.headers.add("Accept", "application/json, text/event-stream");
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Content-Length", "120");
  req.headers.add("Authorization", "Bearer " + f.token);
  req.headers.add("Mcp-Session-Id", "3f1c0d2e-0000-4000-8000-000000000003");
  req.headers.add("MCP-Protocol-Version", "2025-06-18");
  req.headers.add("Connection", "keep-alive");
  for (auto _ : state) benchmark::DoNotOptimize(proxy::upstream_request_headers(req, f.token));
}
BENCHMARK(BM_HeaderRewrite);

void BM_ResponseHeaderFilter(benchmark::State& state) {
  http::Headers up;
  up.add("Server", "nginx/1.22.1");
  up.add("Date", "Mon, 01 Jan 2024 00:00:00 GMT");
  up.add("Content-Type", "application/json");
  up.add("Content-Length", "300");
  up.add("Connection", "keep-alive");
  up.add("Mcp-Session-Id", "upstream-session");
  for (auto _ : state) benchmark::DoNotOptimize(proxy::downstream_response_headers(up));
}
BENCHMARK(BM_ResponseHeaderFilter);

// One SSE event relayed to the client: the piece read from the upstream becomes an HTTP/1.1
// chunk (size line, data, CRLF) in the connection's output.
void BM_SseChunkFraming(benchmark::State& state) {
  std::string event =
      "id: 42\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"t\":"
      "1234567890123}}\n\n";
  boost::beast::flat_buffer out;
  for (auto _ : state) {
    std::string piece(event);  // what the upstream reader hands over
    auto chunk = boost::beast::http::make_chunk(boost::asio::buffer(piece));
    out.consume(out.size());
    auto n = boost::asio::buffer_copy(out.prepare(boost::asio::buffer_size(chunk)), chunk);
    out.commit(n);
    benchmark::DoNotOptimize(out.data().data());
  }
}
BENCHMARK(BM_SseChunkFraming);

void BM_JsonRpcMethod(benchmark::State& state) {
  std::string body =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id","arguments":{"libraryName":"asio"}}})";
  for (auto _ : state) benchmark::DoNotOptimize(mcp::peek_mcp_call(body));
}
BENCHMARK(BM_JsonRpcMethod);

void BM_RouteMatch(benchmark::State& state) {
  std::vector<proxy::RouteConfig> routes(3);
  routes[0].prefix = "/context7";
  routes[1].prefix = "/github";
  routes[2].prefix = "/docs";
  for (auto _ : state) benchmark::DoNotOptimize(proxy::match_route(routes, "/context7/mcp"));
}
BENCHMARK(BM_RouteMatch);

}  // namespace
