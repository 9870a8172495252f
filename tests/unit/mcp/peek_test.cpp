#include "mcp/peek.hpp"

#include <string>

#include <gtest/gtest.h>

namespace mcpgate::mcp {
namespace {

TEST(PeekMcpCall, ReadsTheMethodAndTheToolOfACall) {
  auto call = peek_mcp_call(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"resolve-library-id","arguments":{"libraryName":"boost"}}})");
  EXPECT_EQ(call.method, "tools/call");
  EXPECT_EQ(call.tool, "resolve-library-id");
}

TEST(PeekMcpCall, ReadsOnlyTheMethodOfOtherRequestsAndNotifications) {
  auto list = peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"not-a-tool"}})");
  EXPECT_EQ(list.method, "tools/list");
  EXPECT_EQ(list.tool, "");  // only tools/call names a tool
  auto note = peek_mcp_call(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(note.method, "notifications/initialized");
  EXPECT_EQ(note.tool, "");
}

TEST(PeekMcpCall, ACallWithoutUsableParamsHasNoTool) {
  for (auto body : {R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})",
                    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":["resolve-library-id"]})",
                    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}})",
                    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}})"}) {
    auto call = peek_mcp_call(body);
    EXPECT_EQ(call.method, "tools/call") << body;
    EXPECT_EQ(call.tool, "?") << body << ": a call whose tool cannot be read is audited as such";
  }
}

TEST(PeekMcpCall, AnythingElseGivesEmptyFields) {
  for (auto body : {"", "not json", "{\"method\":\"tools/call\"", R"("tools/call")", R"({"id":1,"result":{}})",
                    R"({"jsonrpc":"2.0","id":1,"method":42})"}) {
    auto call = peek_mcp_call(body);
    EXPECT_EQ(call.method, "") << body;
    EXPECT_EQ(call.tool, "") << body;
  }
}

TEST(PeekMcpCall, LargeBodiesAreReadToo) {
  // Whatever the gateway forwards, its audit line names (the body limit bounds the work).
  std::string head = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{"text":")";
  std::string tail = R"("}}})";
  auto call = peek_mcp_call(head + std::string(2 * 1024 * 1024, 'x') + tail);
  EXPECT_TRUE(call.json);
  EXPECT_EQ(call.tool, "big");
}

TEST(PeekMcpCall, ABatchListsEveryCall) {
  auto call = peek_mcp_call(R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},
                                {"jsonrpc":"2.0","method":"notifications/initialized"},
                                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"b"}}])");
  EXPECT_EQ(call.method, "tools/call,notifications/initialized,tools/call");
  EXPECT_EQ(call.tool, "a,b");
  EXPECT_EQ(call.calls, 3u);
}

TEST(PeekMcpCall, InvalidUtf8IsNotJson) {
  auto call = peek_mcp_call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\xff\"}}");
  EXPECT_FALSE(call.json);
  EXPECT_EQ(call.method, "");
  EXPECT_TRUE(peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").json);
}

}  // namespace
TEST(PeekMcpCall, NamesWhatMcpNameWouldName) {
  EXPECT_EQ(peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query-docs"}})").name,
            "query-docs");
  EXPECT_EQ(peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}})").name, "p");
  EXPECT_EQ(peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a"}})").name,
            "file:///a");
  EXPECT_EQ(peek_mcp_call(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})").name, "");
  EXPECT_EQ(peek_mcp_call(R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}])").name, "")
      << "a batch names no one thing";
}

}  // namespace mcpgate::mcp
