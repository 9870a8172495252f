#include "mcp/dispatcher.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "unit/mcp/mcp_fixture.hpp"

namespace mcpgate::mcp::testing {
namespace {

class Dispatcher : public ::testing::Test {
 protected:
  // The answer to one message given as JSON text, in `session_`.
  std::optional<json::value> send(std::string_view body) {
    auto message = parse_message(body);
    EXPECT_TRUE(message) << body;
    return dispatcher_.handle(*message, session_, alice());
  }
  json::value result(std::string_view body) {
    auto answer = send(body);
    EXPECT_TRUE(answer && answer->as_object().contains("result")) << (answer ? json::serialize(*answer) : "none");
    return answer ? answer->as_object()["result"] : json::value();
  }
  json::value error(std::string_view body) {
    auto answer = send(body);
    EXPECT_TRUE(answer && answer->as_object().contains("error")) << (answer ? json::serialize(*answer) : "none");
    return answer ? answer->as_object()["error"] : json::value();
  }
  static std::string initialize(std::string_view version) {
    return R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" + std::string(version) +
           R"(","capabilities":{},"clientInfo":{"name":"inspector","version":"0.16.0"}}})";
  }

  ToolRegistry tools_ = sample_tools();
  McpDispatcher dispatcher_{{"mcpgate-docs", "1.2.3", "Use this server for library documentation."}, tools_};
  SessionState session_;
};

TEST(ProtocolVersions, NegotiatesToTheClientsVersionOrOurLatest) {
  for (auto v : {"2025-03-26", "2025-06-18", "2025-11-25"}) {
    EXPECT_TRUE(is_supported_version(v));
    EXPECT_EQ(negotiate_version(v), v);
  }
  EXPECT_FALSE(is_supported_version("2024-11-05"));
  EXPECT_EQ(negotiate_version("2024-11-05"), "2025-11-25");
  EXPECT_EQ(negotiate_version("2099-01-01"), "2025-11-25");
  EXPECT_EQ(negotiate_version(""), "2025-11-25");
}

TEST_F(Dispatcher, InitializeAnswersCapabilitiesServerInfoAndInstructions) {
  auto r = result(initialize("2025-06-18"));
  EXPECT_EQ(r, json::parse(R"({
    "protocolVersion":"2025-06-18",
    "capabilities":{"tools":{"listChanged":false},"prompts":{"listChanged":false},
                    "resources":{"listChanged":false,"subscribe":false}},
    "serverInfo":{"name":"mcpgate-docs","version":"1.2.3"},
    "instructions":"Use this server for library documentation."})"));
  EXPECT_EQ(session_.protocol_version, "2025-06-18");
  EXPECT_EQ(session_.client_name, "inspector");
  EXPECT_EQ(session_.client_version, "0.16.0");
  EXPECT_FALSE(session_.initialized);
}

TEST_F(Dispatcher, InitializeKeepsEachSupportedVersion) {
  for (auto v : {"2025-03-26", "2025-06-18", "2025-11-25"}) {
    EXPECT_EQ(result(initialize(v)).at("protocolVersion"), v);
    EXPECT_EQ(session_.protocol_version, v);
  }
}

TEST_F(Dispatcher, InitializeOffersTheLatestForAnUnknownVersion) {
  EXPECT_EQ(result(initialize("2024-11-05")).at("protocolVersion"), "2025-11-25");
  EXPECT_EQ(session_.protocol_version, "2025-11-25");
}

TEST_F(Dispatcher, InitializeWithoutInstructionsLeavesThemOut) {
  McpDispatcher bare({"bare", "0.1", ""}, tools_);
  auto message = parse_message(initialize("2025-11-25"));
  auto answer = bare.handle(*message, session_, alice());
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->at("result").as_object().contains("instructions"));
}

TEST_F(Dispatcher, InitializeNeedsAProtocolVersion) {
  auto e = error(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}})");
  EXPECT_EQ(e.at("code"), kInvalidParams);
  e = error(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":20250618}})");
  EXPECT_EQ(e.at("code"), kInvalidParams);
  e = error(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":1}})");
  EXPECT_EQ(e.at("code"), kInvalidParams);
  EXPECT_TRUE(session_.protocol_version.empty());
}

TEST_F(Dispatcher, NotificationsGetNoAnswer) {
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_TRUE(session_.initialized);
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})"));
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"notifications/whatever"})"));
}

TEST_F(Dispatcher, ResponsesFromTheClientGetNoAnswer) {
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","id":"s1","result":{}})"));
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","id":"s2","error":{"code":-1,"message":"no"}})"));
}

TEST_F(Dispatcher, PingAnswersAnEmptyObjectWithTheSameId) {
  auto answer = send(R"({"jsonrpc":"2.0","id":"p-9","method":"ping"})");
  ASSERT_TRUE(answer);
  EXPECT_EQ(json::serialize(*answer), R"({"jsonrpc":"2.0","id":"p-9","result":{}})");
}

TEST_F(Dispatcher, ListsToolsAndEmptyPromptsAndResources) {
  EXPECT_EQ(result(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})").at("tools"), json::value(tools_.list()));
  EXPECT_EQ(
      result(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"x"}})").at("tools").as_array().size(),
      4u);
  EXPECT_EQ(result(R"({"jsonrpc":"2.0","id":2,"method":"prompts/list"})"), json::parse(R"({"prompts":[]})"));
  EXPECT_EQ(result(R"({"jsonrpc":"2.0","id":3,"method":"resources/list"})"), json::parse(R"({"resources":[]})"));
  EXPECT_EQ(result(R"({"jsonrpc":"2.0","id":4,"method":"resources/templates/list"})"),
            json::parse(R"({"resourceTemplates":[]})"));
}

TEST_F(Dispatcher, CallsATool) {
  auto r =
      result(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})");
  EXPECT_EQ(r, json::parse(R"({"content":[{"type":"text","text":"hi for alice@contoso.example in 42"}]})"));
  r = result(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo"}})");
  EXPECT_EQ(r.at("content").at(0).at("text"), "(nothing) for alice@contoso.example in 42");
}

TEST_F(Dispatcher, ToolFailuresAreResultsWithIsError) {
  auto r = result(R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"fail","arguments":{}}})");
  EXPECT_EQ(r, json::parse(
                   R"({"content":[{"type":"text","text":"Error executing tool fail: backend down"}],"isError":true})"));
  r = result(R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"refuse","arguments":{}}})");
  EXPECT_EQ(r.at("isError"), true);
}

TEST_F(Dispatcher, BadToolCallsAreInvalidParams) {
  auto e = error(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"nope","arguments":{}}})");
  EXPECT_EQ(e, json::parse(R"({"code":-32602,"message":"Unknown tool: nope"})"));
  EXPECT_EQ(error(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}})").at("code"), kInvalidParams);
  EXPECT_EQ(error(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":3}})").at("code"), kInvalidParams);
  EXPECT_EQ(
      error(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":"hi"}})").at("code"),
      kInvalidParams);
}

TEST_F(Dispatcher, ABrokenToolIsAnInternalError) {
  auto answer = send(R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"broken"}})");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->at("id"), 8);
  EXPECT_EQ(answer->at("error").at("code"), kInternalError);
}

TEST_F(Dispatcher, AnUnknownMethodIsMethodNotFound) {
  auto answer = send(R"({"jsonrpc":"2.0","id":"m","method":"sampling/createMessage"})");
  ASSERT_TRUE(answer);
  EXPECT_EQ(
      json::serialize(*answer),
      R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: sampling/createMessage"},"id":"m"})");
}

}  // namespace
}  // namespace mcpgate::mcp::testing

namespace mcpgate::mcp {
namespace {

TEST(DispatcherLookups, ReadingAnUnknownResourceOrPromptIsNotAnUnknownMethod) {
  ToolRegistry tools;
  McpDispatcher dispatcher({"t", "1", ""}, tools);
  SessionState session;
  CallContext context;
  auto read = parse_message(R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///x"}})");
  auto answer = dispatcher.handle(*read, session, context);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->at("error").at("code").as_int64(), -32002);
  auto get = parse_message(R"({"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"p"}})");
  answer = dispatcher.handle(*get, session, context);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->at("error").at("code").as_int64(), -32602);
}

}  // namespace
}  // namespace mcpgate::mcp
