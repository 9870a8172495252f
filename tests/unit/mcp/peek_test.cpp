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
    EXPECT_EQ(call.tool, "") << body;
  }
}

TEST(PeekMcpCall, AnythingElseGivesEmptyFields) {
  for (auto body : {"", "not json", "{\"method\":\"tools/call\"", R"("tools/call")", R"({"id":1,"result":{}})",
                    R"({"jsonrpc":"2.0","id":1,"method":42})",
                    // A batch is not peeked into, even when every element is a call.
                    R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}])"}) {
    auto call = peek_mcp_call(body);
    EXPECT_EQ(call.method, "") << body;
    EXPECT_EQ(call.tool, "") << body;
  }
}

TEST(PeekMcpCall, BodiesOverOneMebibyteAreNotParsed) {
  std::string head = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{"text":")";
  std::string tail = R"("}}})";
  auto fits = head + std::string(1024 * 1024 - head.size() - tail.size(), 'x') + tail;
  EXPECT_EQ(peek_mcp_call(fits).tool, "big");
  EXPECT_EQ(peek_mcp_call(head + std::string(1024 * 1024, 'x') + tail).method, "");
}

}  // namespace
}  // namespace mcpgate::mcp
