#include "mcp/jsonrpc.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::mcp {
namespace {

JsonRpcMessage ok(std::string_view body) {
  auto m = parse_message(body);
  EXPECT_TRUE(m) << body;
  return m ? *m : JsonRpcMessage{};
}

MessageError refused(std::string_view body) {
  auto m = parse_message(body);
  EXPECT_FALSE(m) << body;
  return m ? MessageError{} : m.error();
}

TEST(JsonRpc, ReadsARequest) {
  auto m = ok(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}})");
  EXPECT_EQ(m.kind, MessageKind::request);
  EXPECT_EQ(m.id, json::value(7));
  EXPECT_EQ(m.method, "tools/call");
  EXPECT_EQ(m.params, (json::object{{"name", "echo"}}));
}

TEST(JsonRpc, KeepsStringAndLargeNumericIdsAsSent) {
  EXPECT_EQ(ok(R"({"jsonrpc":"2.0","id":"abc-1","method":"ping"})").id, json::value("abc-1"));
  EXPECT_EQ(ok(R"({"jsonrpc":"2.0","id":9007199254740993,"method":"ping"})").id,
            json::value(int64_t(9007199254740993)));
  EXPECT_EQ(ok(R"({"jsonrpc":"2.0","id":-1,"method":"ping"})").id, json::value(-1));
}

TEST(JsonRpc, ParamsAreEmptyWhenAbsent) {
  auto m = ok(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  EXPECT_TRUE(m.params.empty());
}

TEST(JsonRpc, ANotificationHasNoId) {
  auto m = ok(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(m.kind, MessageKind::notification);
  EXPECT_TRUE(m.id.is_null());
  EXPECT_EQ(m.method, "notifications/initialized");
}

TEST(JsonRpc, ReadsResponsesAndErrorResponses) {
  auto r = ok(R"({"jsonrpc":"2.0","id":"s-1","result":{}})");
  EXPECT_EQ(r.kind, MessageKind::response);
  EXPECT_EQ(r.id, json::value("s-1"));
  auto e = ok(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(e.kind, MessageKind::error_response);
  EXPECT_TRUE(e.id.is_null());
}

TEST(JsonRpc, NotJsonIsAParseErrorWithNullId) {
  for (std::string_view body : {"", "{", R"({"jsonrpc":"2.0","id":1,"method":"ping",})", "\xff"}) {
    auto e = refused(body);
    EXPECT_EQ(e.error.code, kParseError) << body;
    EXPECT_TRUE(e.error.message.starts_with("Parse error")) << e.error.message;
    EXPECT_TRUE(e.id.is_null());
  }
}

TEST(JsonRpc, ShapeErrorsAreInvalidRequestsKeepingAReadableId) {
  struct Case {
    std::string_view body;
    json::value id;
  };
  const Case cases[] = {
      {"3", nullptr},
      {R"("ping")", nullptr},
      {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", nullptr},  // a batch where one message belongs
      {R"({"id":1,"method":"ping"})", 1},                          // no jsonrpc
      {R"({"jsonrpc":"1.0","id":"a","method":"ping"})", "a"},
      {R"({"jsonrpc":2.0,"id":1,"method":"ping"})", 1},
      {R"({"jsonrpc":"2.0","id":2,"method":42})", 2},
      {R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":[1,2]})", 3},
      {R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":"x"})", 3},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", nullptr},
      {R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", nullptr},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", nullptr},
      {R"({"jsonrpc":"2.0","id":4,"method":"ping","result":{}})", 4},
      {R"({"jsonrpc":"2.0","id":5})", 5},
      {R"({"jsonrpc":"2.0","id":6,"result":{},"error":{"code":1,"message":"x"}})", 6},
      {R"({"jsonrpc":"2.0","id":7,"error":"bad"})", 7},
      {R"({"jsonrpc":"2.0","id":null,"result":{}})", nullptr},
      {R"({"jsonrpc":"2.0"})", nullptr},
  };
  for (const auto& c : cases) {
    auto e = refused(c.body);
    EXPECT_EQ(e.error.code, kInvalidRequest) << c.body;
    EXPECT_TRUE(e.error.message.starts_with("Invalid Request: ")) << e.error.message;
    EXPECT_EQ(e.id, c.id) << c.body;
  }
}

TEST(JsonRpc, ReadMessageTakesAnAlreadyParsedValue) {
  auto batch = json::parse(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}, 5])").as_array();
  auto first = read_message(batch[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, MessageKind::notification);
  auto second = read_message(batch[1]);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().error.code, kInvalidRequest);
}

TEST(JsonRpc, BuildsResultsAndErrorsWithTheIdPreserved) {
  EXPECT_EQ(json::serialize(make_result("x-1", json::object{{"a", 1}})),
            R"({"jsonrpc":"2.0","id":"x-1","result":{"a":1}})");
  EXPECT_EQ(json::serialize(make_error(17, {kMethodNotFound, "Method not found: nope"})),
            R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: nope"},"id":17})");
  EXPECT_EQ(json::serialize(make_error(nullptr, {kServerError, "Method not allowed."})),
            R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Method not allowed."},"id":null})");
}

TEST(JsonRpc, AParseErrorBuildsWithANullId) {
  auto e = refused("{nope");
  auto built = make_error(e);
  EXPECT_TRUE(built.at("id").is_null());
  EXPECT_EQ(built.at("error").at("code"), kParseError);
}

}  // namespace
}  // namespace mcpgate::mcp
