// `mcpgate gateway` as a real process between a real `mcpgate idp` and a real upstream process,
// driven over loopback HTTP: exchange and caching, streaming, cancellation, key rotation,
// outages, Conditional Access, and the seed's Part 5 discovery checks.
#include <cstdlib>
#include <fstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "binaries.hpp"
#include "common/files.hpp"
#include "gateway_yaml.hpp"
#include "http/client.hpp"
#include "http/form.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

std::string gateway_yaml(int idp_port, int upstream_port, const std::string& audit_file) {
  std::string idp = "http://127.0.0.1:" + std::to_string(idp_port);
  std::string up = "http://127.0.0.1:" + std::to_string(upstream_port);
  return "listen: {host: 127.0.0.1, port: 0}\n"
         "public_url: https://gateway.test\n"
         "entra: {authority: '" +
         idp + "', tenant_id: " + kDemoTenant +
         "}\n"
         "client:\n  client_id: " +
         kDemoGatewayApp +
         "\n  client_secret: ${env:MCPGATE_TEST_GATEWAY_SECRET}\n"
         "obo: {timeout: 5s}\n"
         "registration: {enabled: true}\n"
         "audit_log: '" +
         audit_file +
         "'\n"
         "routes:\n"
         "  - prefix: /context7\n"
         "    upstream: '" +
         up +
         "'\n"
         "    rewrite: [{from: /mcp, to: /mcp/oauth}]\n"
         "    audiences: ['" +
         kDemoGatewayApp +
         "']\n"
         "    scopes: [Mcp.Gateway.Access]\n"
         "    obo_scope: api://" +
         kDemoMcpApiApp +
         "/.default\n"
         "  - prefix: /down\n"
         "    upstream: 'http://127.0.0.1:1'\n"
         "    audiences: ['" +
         kDemoGatewayApp +
         "']\n"
         "    scopes: [Mcp.Gateway.Access]\n"
         "    obo_scope: api://" +
         kDemoMcpApiApp + "/.default\n";
}

class GatewayProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MCPGATE_TEST_GATEWAY_SECRET", kDemoGatewaySecret, 1);
    idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
    upstream = start_server(binary_from_env("MCPGATE_TEST_UPSTREAM"), {}, dir.path(), false);
    write_file_atomically(dir / "gateway.yaml", gateway_yaml(idp.port, upstream.port, (dir / "audit.jsonl").string()));
    gateway = start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path());
    base = "http://127.0.0.1:" + std::to_string(gateway.port);
    ASSERT_TRUE(eventually([&] {
      return http::fetch({"GET", base + "/readyz"}).status == 200;
    })) << gateway.process->output();
  }

  http::Response mcp(const std::string& token, const std::string& path = "/context7/mcp",
                     const std::string& body =
                         R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id"}})") {
    http::ClientRequest r{"POST", base + path, {}, body};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    if (!token.empty()) r.headers.add("Authorization", "Bearer " + token);
    return http::fetch(r);
  }

  long obo_exchanges(const std::string& oid) {
    auto stats = json::parse(http::fetch({"GET", idp_base + "/_dev/stats"}).body);
    auto& by_user = stats.at("on_behalf_of_by_user").as_object();
    auto* n = by_user.if_contains(std::string(kDemoTenant) + "/" + oid);
    return n ? long(n->as_int64()) : 0;
  }

  json::object upstream_stats() {
    return json::parse(http::fetch({"GET", "http://127.0.0.1:" + std::to_string(upstream.port) + "/stats"}).body)
        .as_object();
  }

  TempDir dir;
  RunningServer idp, upstream, gateway;
  std::string idp_base, base;
};

TEST_F(GatewayProcess, ExchangesOnceForwardsTheOboTokenAndCachesIt) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  for (int i = 0; i < 3; ++i) {
    auto r = mcp(alice);
    ASSERT_EQ(r.status, 200) << r.body;
    auto seen = json::parse(r.body).as_object();
    EXPECT_EQ(seen.at("path").as_string(), "/mcp/oauth");  // rewrite-uri
    auto& claims = seen.at("claims").as_object();
    EXPECT_EQ(claims.at("aud").as_string(), kDemoMcpApiApp);  // the OBO token, never the caller's
    EXPECT_EQ(claims.at("oid").as_string(), kAliceOid);
    EXPECT_EQ(claims.at("scp").as_string(), "mcp.access");
    auto& headers = seen.at("headers").as_object();
    EXPECT_EQ(headers.at("x-forwarded-proto").as_string(), "http");
    EXPECT_FALSE(headers.contains("cookie"));
  }
  EXPECT_EQ(obo_exchanges(kAliceOid), 1);
}

TEST_F(GatewayProcess, ConcurrentFirstRequestsOfOneUserShareOneExchange) {
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (mcp(bob).status == 200) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(obo_exchanges(kBobOid), 1);
}

TEST_F(GatewayProcess, TwoUsersNeverShareAToken) {
  auto alice = json::parse(mcp(gateway_token(idp_base, "alice@contoso.dev")).body);
  auto bob = json::parse(mcp(gateway_token(idp_base, "bob@contoso.dev")).body);
  EXPECT_EQ(alice.at("claims").at("oid").as_string(), kAliceOid);
  EXPECT_EQ(bob.at("claims").at("oid").as_string(), kBobOid);
}

TEST_F(GatewayProcess, SseEventReachesTheClientBeforeTheUpstreamFinishes) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  RawConnection c(gateway.port);
  c.send(
      "GET /context7/sse?events=3&hold=1 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer " +
      alice + "\r\n\r\n");
  // The upstream holds the rest of its stream until released: the first event must already be here.
  ASSERT_TRUE(c.read_until("data: {\"n\":0}", std::chrono::seconds(10))) << c.received();
  EXPECT_EQ(c.received().find("data: {\"n\":1}"), std::string::npos);
  EXPECT_NE(c.received().find("text/event-stream"), std::string::npos);
  EXPECT_NE(c.received().find("Mcp-Session-Id: upstream-session"), std::string::npos);
  http::fetch({"POST", "http://127.0.0.1:" + std::to_string(upstream.port) + "/release"});
  EXPECT_TRUE(c.read_until("data: {\"n\":2}", std::chrono::seconds(10))) << c.received();
  EXPECT_TRUE(c.read_until("\r\n0\r\n\r\n", std::chrono::seconds(10)));  // the chunked stream ends cleanly
}

TEST_F(GatewayProcess, ClientDisconnectCancelsTheUpstreamStream) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  {
    RawConnection c(gateway.port);
    c.send("GET /context7/sse?events=0&interval_ms=20 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice +
           "\r\n\r\n");
    ASSERT_TRUE(c.read_until("data: {\"n\":1}", std::chrono::seconds(10))) << c.received();
    EXPECT_EQ(upstream_stats().at("open_streams").as_int64(), 1);
  }
  EXPECT_TRUE(
      eventually([&] { return upstream_stats().at("open_streams").as_int64() == 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(upstream_stats().at("streams_ended_by_client").as_int64(), 1);
}

TEST_F(GatewayProcess, KeyRotationAtTheIdpIsPickedUp) {
  EXPECT_EQ(mcp(gateway_token(idp_base, "alice@contoso.dev")).status, 200);
  ChildProcess rotate(mcpgate_binary(), {"idp", "rotate-keys", "--data-dir", (dir / "idp").string(), "--grace", "0s"},
                      dir / "rotate.log");
  ASSERT_EQ(rotate.wait_exit(std::chrono::seconds(30)), 0);
  auto fresh = gateway_token(idp_base, "bob@contoso.dev");  // signed with a key the gateway has not seen
  auto r = mcp(fresh);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(GatewayProcess, IdpDownKeepsValidatingWithCachedKeysAndColdExchangesFailFast) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  auto carol = gateway_token(idp_base, "carol@contoso.dev");
  ASSERT_EQ(mcp(alice).status, 200);
  idp.process->stop();
  EXPECT_EQ(mcp(alice).status, 200);  // keys and the OBO token are cached
  auto cold = mcp(carol);             // needs an exchange the IdP cannot answer
  EXPECT_EQ(cold.status, 502) << cold.body;
  EXPECT_EQ(json::parse(cold.body).at("error").as_string(), "idp_unavailable");
}

// Two replicas of the MCP server behind one route: the load is shared, and when one dies the
// requests that follow all succeed on the other (a connection refused sent nothing: moved once).
TEST_F(GatewayProcess, TwoUpstreamsShareTheLoadAndOneDyingLosesNoRequest) {
  auto second = start_server(binary_from_env("MCPGATE_TEST_UPSTREAM"), {}, dir.path(), false);
  std::string a = "http://127.0.0.1:" + std::to_string(upstream.port);
  std::string b = "http://127.0.0.1:" + std::to_string(second.port);
  auto yaml =
      demo_gateway_yaml(idp.port, demo_route_yaml("/pair", a, "    health_check: {path: /stats, interval: 1h}\n"),
                        "off", "session_key: a-session-key-of-at-least-thirty-two-chars\n");
  yaml.replace(yaml.find("upstream: '" + a + "'"), ("upstream: '" + a + "'").size(),
               "upstream: ['" + a + "', '" + b + "']");
  write_file_atomically(dir / "pair.yaml", yaml);
  auto pair = start_mcpgate({"gateway", "--config", (dir / "pair.yaml").string()}, dir.path());
  std::string pair_base = "http://127.0.0.1:" + std::to_string(pair.port);
  ASSERT_TRUE(eventually([&] {
    return http::fetch({"GET", pair_base + "/readyz"}).status == 200;
  })) << pair.process->output();
  auto requests_at = [](const RunningServer& s) {
    return json::parse(http::fetch({"GET", "http://127.0.0.1:" + std::to_string(s.port) + "/stats"}).body)
        .at("requests")
        .as_int64();
  };
  // The first health checks (one per replica) have run once the first request is answered.
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  auto post = [&] {
    http::ClientRequest r{"POST", pair_base + "/pair/mcp", {}, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    r.headers.add("Authorization", "Bearer " + alice);
    return http::fetch(r);
  };
  ASSERT_EQ(post().status, 200);
  auto a0 = requests_at(upstream), b0 = requests_at(second);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(post().status, 200);
  // Each /stats read counts itself too.
  EXPECT_EQ(requests_at(upstream) - a0, 2 + 1) << "round robin";
  EXPECT_EQ(requests_at(second) - b0, 2 + 1);

  upstream.process->stop();
  for (int i = 0; i < 6; ++i) {
    auto r = post();
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.body;
  }
  EXPECT_NE(pair.process->output().find("Connection refused"), std::string::npos) << pair.process->output();
}

TEST_F(GatewayProcess, UpstreamDownIs502) {
  auto r = mcp(gateway_token(idp_base, "alice@contoso.dev"), "/down/mcp");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "upstream_unavailable");
}

TEST_F(GatewayProcess, ConditionalAccessBecomesAStepUpChallenge) {
  auto r = mcp(gateway_token(idp_base, "dave@contoso.dev"));
  EXPECT_EQ(r.status, 401) << r.body;
  auto challenge = std::string(r.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_NE(challenge.find("error=\"insufficient_claims\""), std::string::npos) << challenge;
  EXPECT_NE(challenge.find("claims=\""), std::string::npos) << challenge;
}

TEST_F(GatewayProcess, RefusedTokensNameTheirReason) {
  auto missing = mcp("");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(json::parse(missing.body).at("reason").as_string(), "missing");
  auto garbage = mcp("not-a-token");
  EXPECT_EQ(json::parse(garbage.body).at("reason").as_string(), "malformed");
  // A token for the MCP API (what the gateway exchanges for) is not a token for the gateway.
  auto api_token = sign_in(idp_base, "alice@contoso.dev", std::string("api://") + kDemoGatewayApp + "/.default");
  auto wrong = mcp(sign_in(idp_base, "alice@contoso.dev", "openid profile"));
  EXPECT_EQ(json::parse(wrong.body).at("reason").as_string(), "graph_token") << wrong.body;
  EXPECT_EQ(mcp(api_token).status, 200);
  auto header = std::string(wrong.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_NE(header.find("error=\"invalid_token\""), std::string::npos);
  EXPECT_EQ(wrong.body.find("eyJ"), std::string::npos);  // the token is never echoed
}

TEST_F(GatewayProcess, SeedPart5Step4DiscoveryChecks) {
  // curl -s https://<host>/.well-known/oauth-protected-resource
  auto prm = http::fetch({"GET", base + "/.well-known/oauth-protected-resource"});
  ASSERT_EQ(prm.status, 200);
  auto p = json::parse(prm.body);
  EXPECT_EQ(p.at("resource").as_string(), "https://gateway.test/context7/mcp");
  EXPECT_EQ(p.at("authorization_servers").as_array().at(0).as_string(), "https://gateway.test");
  EXPECT_EQ(p.at("scopes_supported").as_array().at(0).as_string(),
            std::string("api://") + kDemoGatewayApp + "/Mcp.Gateway.Access");
  EXPECT_EQ(json::parse(http::fetch({"GET", base + "/.well-known/oauth-protected-resource/context7/mcp"}).body)
                .at("resource")
                .as_string(),
            "https://gateway.test/context7/mcp");
  // curl -s https://<host>/.well-known/oauth-authorization-server
  auto as = json::parse(http::fetch({"GET", base + "/.well-known/oauth-authorization-server"}).body);
  EXPECT_EQ(as.at("issuer").as_string(), "https://gateway.test");
  EXPECT_EQ(as.at("authorization_endpoint").as_string(), "https://gateway.test/authorize");
  EXPECT_EQ(as.at("token_endpoint").as_string(), "https://gateway.test/token");
  EXPECT_EQ(as.at("code_challenge_methods_supported").as_array(), json::array{"S256"});
  EXPECT_EQ(as.at("jwks_uri").as_string(), idp_base + "/" + kDemoTenant + "/discovery/v2.0/keys");
  EXPECT_EQ(as.at("registration_endpoint").as_string(), "https://gateway.test/register");
  // curl -i ".../authorize?client_id=…&resource=…" → 302 to the tenant, resource removed
  auto authorize =
      http::fetch({"GET", base + "/authorize?client_id=" + kDemoGatewayApp +
                              "&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%2F&code_challenge=abc"
                              "&code_challenge_method=S256&scope=api%3A%2F%2Fx%2FMcp.Gateway.Access&state=x"
                              "&resource=https%3A%2F%2Fgateway.test%2Fcontext7%2Fmcp"});
  EXPECT_EQ(authorize.status, 302);
  auto location = std::string(authorize.headers.get("Location").value_or(""));
  EXPECT_EQ(location.rfind(idp_base + "/" + kDemoTenant + "/oauth2/v2.0/authorize?", 0), 0u) << location;
  EXPECT_NE(location.find("state=x"), std::string::npos);
  EXPECT_EQ(location.find("resource="), std::string::npos);
  // curl -i -X POST https://<host>/context7/mcp -d '{}' → 401 with the discovery hint
  auto unauthorized = mcp("", "/context7/mcp", "{}");
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(
      std::string(unauthorized.headers.get("WWW-Authenticate").value_or(""))
          .rfind("Bearer resource_metadata=\"https://gateway.test/.well-known/oauth-protected-resource/context7/mcp\"",
                 0),
      0u);
}

TEST_F(GatewayProcess, TokenBridgeForwardsWithoutTheResourceParameter) {
  // An MCP client's flow through the gateway: authorize (302 to the IdP) → code → /token with resource.
  std::string verifier = "verifier-verifier-verifier-verifier-verifier-0123";
  auto authorize = http::fetch({"GET", base + "/authorize?client_id=" + kDemoGatewayApp +
                                           "&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb"
                                           "&code_challenge=" +
                                           std::string("Qz7Xq1kH8xJ3pJ6s2R6a9xVf3H0bJxV4hQYQk3v2m1E") +
                                           "&code_challenge_method=S256&login_hint=alice%40contoso.dev"
                                           "&scope=api%3A%2F%2F" +
                                           kDemoGatewayApp +
                                           "%2FMcp.Gateway.Access"
                                           "&resource=https%3A%2F%2Fgateway.test%2Fcontext7%2Fmcp"});
  auto at_idp = http::fetch({"GET", std::string(*authorize.headers.get("Location"))});
  ASSERT_EQ(at_idp.status, 302) << at_idp.body;
  auto loc = std::string(*at_idp.headers.get("Location"));
  auto code = std::string(*http::parse_form(loc.substr(loc.find('?') + 1))->get("code"));
  http::Form f;
  f.add("grant_type", "authorization_code");
  f.add("client_id", kDemoGatewayApp);
  f.add("code", code);
  f.add("redirect_uri", "http://127.0.0.1:5000/cb");
  f.add("code_verifier", verifier);
  f.add("resource", "https://gateway.test/context7/mcp");
  http::ClientRequest post{"POST", base + "/token", {}, f.encode()};
  post.headers.add("Content-Type", "application/x-www-form-urlencoded");
  auto token = http::fetch(post);
  // The verifier does not match the challenge above: the IdP's own PKCE error comes back unchanged,
  // which shows the request reached it without the resource parameter (that would be AADSTS9010010).
  EXPECT_EQ(token.status, 400);
  EXPECT_NE(token.body.find("AADSTS501481"), std::string::npos) << token.body;
}

TEST_F(GatewayProcess, RegistrationShimHandsOutThePreRegisteredClient) {
  http::ClientRequest ok{
      "POST",
      base + "/register",
      {},
      R"({"redirect_uris":["http://127.0.0.1:33418/"],"client_name":"VS Code","token_endpoint_auth_method":"none"})"};
  ok.headers.add("Content-Type", "application/json");
  auto r = http::fetch(ok);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body).at("client_id").as_string(), kDemoGatewayApp);
  http::ClientRequest bad{"POST", base + "/register", {}, R"({"redirect_uris":["https://evil.example/cb"]})"};
  auto refused = http::fetch(bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body).at("error").as_string(), "invalid_redirect_uri");
}

TEST_F(GatewayProcess, AuditLineNamesUserAndToolButNoToken) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(mcp(alice).status, 200);
  std::string line;
  ASSERT_TRUE(eventually([&] {
    std::ifstream in(dir / "audit.jsonl");
    return bool(std::getline(in, line));
  }));
  auto a = json::parse(line);
  EXPECT_EQ(a.at("oid").as_string(), kAliceOid);
  EXPECT_EQ(a.at("preferred_username").as_string(), "alice@contoso.dev");
  EXPECT_EQ(a.at("rpc_method").as_string(), "tools/call");
  EXPECT_EQ(a.at("tool").as_string(), "resolve-library-id");
  EXPECT_EQ(a.at("status").as_int64(), 200);
  EXPECT_EQ(line.find("eyJ"), std::string::npos);
}

TEST_F(GatewayProcess, MetricsCountRequestsFailuresAndCacheUse) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  mcp(alice);
  mcp(alice);
  mcp("garbage");
  auto m = http::fetch({"GET", base + "/metrics"}).body;
  EXPECT_NE(m.find("mcpgate_requests_total{route=\"/context7\",status=\"200\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("mcpgate_token_validation_failures_total{reason=\"malformed\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("mcpgate_obo_cache_hits_total 1"), std::string::npos) << m;
  EXPECT_NE(m.find("mcpgate_obo_exchanges_total{outcome=\"ok\"} 1"), std::string::npos) << m;
}

TEST(GatewayCli, ExampleConfigurationValidates) {
  ::setenv("ENTRA_TENANT_ID", kDemoTenant, 1);
  ::setenv("APIM_GATEWAY_APP_ID", kDemoGatewayApp, 1);
  ::setenv("MCP_API_OBO_SCOPE", (std::string("api://") + kDemoMcpApiApp + "/.default").c_str(), 1);
  TempDir dir;
  write_file_atomically(dir / "secret", "s3cret-value-for-the-test");
  auto text = *read_file(std::string(MCPGATE_SOURCE_DIR) + "/examples/gateway.yaml");
  auto pos = text.find("/run/secrets/apim-gateway-client-secret");
  text.replace(pos, std::string("/run/secrets/apim-gateway-client-secret").size(), (dir / "secret").string());
  for (auto key :
       {"    certificate: /etc/mcpgate/tls/fullchain.pem\n", "    key: /etc/mcpgate/tls/privkey.pem\n", "  tls:"})
    (void)key;
  write_file_atomically(dir / "gateway.yaml", text);
  ChildProcess p(mcpgate_binary(), {"check-gateway-config", (dir / "gateway.yaml").string()}, dir / "log");
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(30)), 0) << p.output();
}

TEST(GatewayCli, ConfigurationErrorsNameTheYamlPath) {
  TempDir dir;
  write_file_atomically(dir / "g.yaml", "entra: {tenant_id: 42}\nclient: {client_id: x}\nroutes: []\n");
  ChildProcess p(mcpgate_binary(), {"check-gateway-config", (dir / "g.yaml").string()}, dir / "log");
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(30)), 1);
  EXPECT_NE(p.output().find("entra.tenant_id"), std::string::npos) << p.output();
}

}  // namespace
}  // namespace mcpgate
