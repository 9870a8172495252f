#include "mcp/tools.hpp"

#include <stdexcept>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "unit/mcp/mcp_fixture.hpp"

namespace mcpgate::mcp::testing {
namespace {

TEST(ToolRegistry, ListsToolsInMcpShapeAndOrder) {
  auto tools = sample_tools();
  auto list = tools.list();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0], json::parse(R"({
    "name":"echo","title":"Echo","description":"Says the text back.",
    "inputSchema":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]},
    "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true}})"));
  // No title, description or annotations: left out; no schema: an object schema.
  EXPECT_EQ(list[1], json::parse(R"({"name":"refuse","inputSchema":{"type":"object"}})"));
  EXPECT_EQ(list[2].at("name"), "fail");
  EXPECT_EQ(list[3].at("name"), "broken");
}

TEST(ToolRegistry, CallsTheHandlerWithArgumentsAndCaller) {
  auto tools = sample_tools();
  auto result = tools.call("echo", {{"text", "hello"}}, alice());
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->is_error);
  EXPECT_EQ(json::value(result->to_json()),
            json::parse(R"({"content":[{"type":"text","text":"hello for alice@contoso.example in 42"}]})"));
}

TEST(ToolRegistry, AToolErrorIsAResultWithIsError) {
  auto tools = sample_tools();
  auto result = tools.call("refuse", {}, alice());
  ASSERT_TRUE(result);
  EXPECT_EQ(json::value(result->to_json()),
            json::parse(R"({"content":[{"type":"text","text":"refused"}],"isError":true})"));
}

TEST(ToolRegistry, AThrowingHandlerBecomesAnIsErrorResult) {
  auto tools = sample_tools();
  auto result = tools.call("fail", {}, alice());
  ASSERT_TRUE(result) << "not a protocol error";
  EXPECT_TRUE(result->is_error);
  ASSERT_EQ(result->content.size(), 1u);
  EXPECT_EQ(result->content[0].at("type"), "text");
  EXPECT_EQ(result->content[0].at("text"), "Error executing tool fail: backend down");
}

TEST(ToolRegistry, AnUnknownToolIsInvalidParams) {
  auto tools = sample_tools();
  auto result = tools.call("nope", {}, alice());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, kInvalidParams);
  EXPECT_EQ(result.error().message, "Unknown tool: nope");
}

TEST(ToolRegistry, ContentWithoutATypeIsAnInternalError) {
  auto tools = sample_tools();
  auto result = tools.call("broken", {}, alice());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, kInternalError);
}

TEST(ToolRegistry, RefusesBadRegistrations) {
  auto tools = sample_tools();
  auto handler = [](const json::object&, const CallContext&) { return ToolResult::text("x"); };
  EXPECT_THROW(tools.add({.name = "echo", .handler = handler}), std::invalid_argument);
  EXPECT_THROW(tools.add({.name = "", .handler = handler}), std::invalid_argument);
  EXPECT_THROW(tools.add({.name = "has space", .handler = handler}), std::invalid_argument);
  EXPECT_THROW(tools.add({.name = std::string(129, 'a'), .handler = handler}), std::invalid_argument);
  EXPECT_THROW(tools.add({.name = "no-handler"}), std::invalid_argument);
  EXPECT_EQ(tools.size(), 4u);
  tools.add({.name = "get_library-docs.v2", .handler = handler});
  EXPECT_TRUE(tools.find("get_library-docs.v2"));
  EXPECT_FALSE(tools.find("get_library"));
}

}  // namespace
}  // namespace mcpgate::mcp::testing
