// `mcpgate dev` as a real process: the identity provider, the MCP server and the gateway of one
// command, driven as an MCP client would drive them, stopped with SIGTERM and started again.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/clock.hpp"
#include "common/files.hpp"
#include "http/client.hpp"
#include "http/form.hpp"
#include "store/sqlite_store.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
using namespace testing;

std::string initialize_body() {
  return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"dev-test","version":"1"}}})";
}

class DevProcess : public ::testing::Test {
 protected:
  void SetUp() override { start({"--server-port", "0", "--idp-port", "0"}, true); }

  // Starts `mcpgate dev` on the test's data directory and waits until the gateway has the
  // tenant's keys (its readiness), reading every URL from the stack.json it writes.
  void start(std::vector<std::string> extra, bool any_gateway_port) {
    std::vector<std::string> args{"dev", "--data-dir", data.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    dev = start_server(mcpgate_binary(), args, dir.path(), any_gateway_port);
    auto stack = json::parse(*read_file(data / "stack.json")).as_object();
    idp_base = std::string(stack.at("idp").as_string());
    gateway = std::string(stack.at("gateway").as_string());
    mcp_url = std::string(stack.at("mcp_url").as_string());
    ASSERT_TRUE(eventually([&] {
      return http::fetch({"GET", gateway + "/readyz"}).status == 200;
    })) << dev.process->output();
  }

  http::Response post(const std::string& token, const std::string& body, const std::string& session = "") {
    http::ClientRequest r{"POST", mcp_url, {}, body};
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    if (!token.empty()) r.headers.add("Authorization", "Bearer " + token);
    if (!session.empty()) r.headers.add("Mcp-Session-Id", session);
    return http::fetch(r);
  }

  size_t provisioned_users() {
    auto store = store::open_sqlite_store(data / "server" / "mcpgate.db", SystemClock::instance());
    return store->list_entra_users("contoso").value().size();
  }

  TempDir dir;
  std::filesystem::path data = dir / "data";
  RunningServer dev;
  std::string idp_base, gateway, mcp_url;
};

TEST_F(DevProcess, AliceIsServedThroughTheGatewayAndCarolIsRefusedByTheServer) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  auto init = post(alice, initialize_body());
  ASSERT_EQ(init.status, 200) << init.body;
  auto session = std::string(init.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_FALSE(session.empty());
  EXPECT_EQ(post(alice, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session).status, 202);
  auto tools = post(alice, R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session);
  ASSERT_EQ(tools.status, 200) << tools.body;
  EXPECT_NE(tools.body.find("\"tools\""), std::string::npos) << tools.body;

  // Carol signs in fine and the gateway exchanges her token; the server has no user for her.
  auto carol = post(gateway_token(idp_base, "carol@contoso.dev"), initialize_body());
  // The server says 401; the gateway answers 403 naming the fix, since signing in again cannot help.
  EXPECT_EQ(carol.status, 403) << carol.body;
  EXPECT_FALSE(carol.headers.get("WWW-Authenticate")) << "no challenge: clients must not start another sign-in";
  EXPECT_EQ(json::parse(carol.body).at("error").at("data").at("reason").as_string(), "user_not_provisioned")
      << carol.body;
  EXPECT_NE(carol.body.find("9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a03"), std::string::npos) << "carol's object ID";

  // Dave is provisioned, but Conditional Access wants MFA: a step-up challenge, not a refusal.
  auto dave = post(gateway_token(idp_base, "dave@contoso.dev"), initialize_body());
  EXPECT_EQ(dave.status, 401);
  EXPECT_NE(std::string(dave.headers.get("WWW-Authenticate").value_or("")).find("insufficient_claims"),
            std::string::npos);
}

TEST_F(DevProcess, TheDiscoverySurfaceOfPart5Answers) {
  auto bare = post("", initialize_body());
  EXPECT_EQ(bare.status, 401);
  auto challenge = std::string(bare.headers.get("WWW-Authenticate").value_or(""));
  EXPECT_NE(challenge.find("resource_metadata=\"" + gateway + "/.well-known/oauth-protected-resource/context7/mcp\""),
            std::string::npos)
      << challenge;

  auto prm = http::fetch({"GET", gateway + "/.well-known/oauth-protected-resource/context7/mcp"});
  ASSERT_EQ(prm.status, 200) << prm.body;
  auto resource = json::parse(prm.body).as_object();
  EXPECT_EQ(resource.at("resource").as_string(), mcp_url);
  EXPECT_EQ(resource.at("authorization_servers").as_array().at(0).as_string(), gateway);

  auto as = http::fetch({"GET", gateway + "/.well-known/oauth-authorization-server"});
  ASSERT_EQ(as.status, 200) << as.body;
  auto metadata = json::parse(as.body).as_object();
  EXPECT_EQ(metadata.at("authorization_endpoint").as_string(), gateway + "/authorize");
  EXPECT_EQ(metadata.at("code_challenge_methods_supported").as_array().at(0).as_string(), "S256");
  EXPECT_TRUE(metadata.contains("registration_endpoint"));

  EXPECT_EQ(metadata.at("authorization_response_iss_parameter_supported"), true);
  EXPECT_EQ(metadata.at("client_id_metadata_document_supported"), true);

  // The gateway is the authorization server: registrations get its own, sealed client IDs.
  http::ClientRequest reg{
      "POST",
      gateway + "/register",
      {},
      R"({"redirect_uris":["http://127.0.0.1:33418/callback"],"token_endpoint_auth_method":"none"})"};
  reg.headers.add("Content-Type", "application/json");
  auto registered = http::fetch(reg);
  ASSERT_EQ(registered.status, 201) << registered.body;
  std::string client_id(json::parse(registered.body).at("client_id").as_string());
  EXPECT_EQ(client_id.rfind("mcpgate-client.", 0), 0u) << client_id;

  // /authorize sends the browser to the development tenant, on the one host name, as the
  // gateway's app with the gateway's callback.
  auto authorize = http::fetch({"GET", gateway + "/authorize?client_id=" + client_id +
                                           "&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2Fcallback"
                                           "&state=x&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                                           "&code_challenge_method=S256"});
  EXPECT_EQ(authorize.status, 302);
  auto location = std::string(authorize.headers.get("Location").value_or(""));
  EXPECT_EQ(location.rfind(idp_base + "/" + idp::demo::kTenantId + "/oauth2/v2.0/authorize?", 0), 0u) << location;
  EXPECT_NE(location.find("client_id=" + std::string(kDemoGatewayApp)), std::string::npos) << location;
  EXPECT_NE(location.find("redirect_uri=" + http::Form::url_encode(gateway + "/oauth/callback")), std::string::npos)
      << location;

  auto discovery =
      http::fetch({"GET", idp_base + "/" + idp::demo::kTenantId + "/v2.0/.well-known/openid-configuration"});
  ASSERT_EQ(discovery.status, 200);
  EXPECT_EQ(json::parse(discovery.body).at("issuer").as_string(), idp_base + "/" + idp::demo::kTenantId + "/v2.0");
}

TEST_F(DevProcess, SigtermStopsCleanlyAndARestartReusesTheData) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(post(alice, initialize_body()).status, 200);
  EXPECT_EQ(dev.process->stop(), 0) << dev.process->output();
  EXPECT_NE(dev.process->output().find("stopped"), std::string::npos);
  EXPECT_EQ(provisioned_users(), 3u);

  // The same ports, so the same issuer: a token from before the restart is still good, which
  // also shows the signing keys were kept.
  auto port_of = [](const std::string& url) { return url.substr(url.rfind(':') + 1); };
  start({"--port", port_of(gateway), "--idp-port", port_of(idp_base), "--server-port", "0"}, false);
  EXPECT_EQ(provisioned_users(), 3u);
  auto again = post(alice, initialize_body());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(dev.process->output().find("already"), std::string::npos) << dev.process->output();
}

TEST_F(DevProcess, ABusyPortIsAClearErrorAndANonZeroExit) {
  auto port = gateway.substr(gateway.rfind(':') + 1);
  ChildProcess second(
      mcpgate_binary(),
      {"dev", "--data-dir", (dir / "other").string(), "--port", port, "--server-port", "0", "--idp-port", "0"},
      dir / "second.log");
  auto status = second.wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  auto output = second.output();
  EXPECT_NE(output.find("gateway: port " + port + " on 127.0.0.1 is already in use"), std::string::npos) << output;
  EXPECT_NE(output.find("--port"), std::string::npos) << output;
}

TEST_F(DevProcess, PrintsTheUrlTheClientConfigurationAndTheUsers) {
  auto output = dev.process->output();
  for (const auto& part : {mcp_url, std::string("claude mcp add --transport http context7 ") + mcp_url,
                           std::string("\"mcpServers\""), std::string("carol@contoso.dev"), data.string()})
    EXPECT_NE(output.find(part), std::string::npos) << part << "\n" << output;
  EXPECT_EQ(output.find(idp::demo::kGatewaySecret), std::string::npos);
  auto vscode = json::parse(*read_file(data / "clients" / "vscode-mcp.json"));
  EXPECT_EQ(vscode.at("servers").at("context7").at("url").as_string(), mcp_url);
}

}  // namespace
}  // namespace mcpgate
