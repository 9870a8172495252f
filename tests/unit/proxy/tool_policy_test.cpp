#include "proxy/tool_policy.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::proxy {
namespace {
namespace json = boost::json;

constexpr const char* kPlatform = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c01";
constexpr const char* kApps = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c02";

ToolPolicy policy() {
  return {{{"query-docs", {kPlatform}, {"Docs.Reader"}}, {"admin-tool", {}, {}}, {"*", {kPlatform, kApps}, {}}}};
}

auth::VerifiedToken member_of(std::vector<std::string> groups, std::vector<std::string> roles = {}) {
  auth::VerifiedToken t;
  t.oid = "oid";
  t.groups = std::move(groups);
  t.roles = std::move(roles);
  return t;
}

TEST(ToolPolicy, AToolsOwnRuleThenTheWildcardThenEveryone) {
  EXPECT_TRUE(decide_tool(policy(), "query-docs", member_of({kPlatform})).allowed);
  EXPECT_FALSE(decide_tool(policy(), "query-docs", member_of({kApps})).allowed);
  EXPECT_TRUE(decide_tool(policy(), "query-docs", member_of({kApps}, {"Docs.Reader"})).allowed) << "a role admits too";
  EXPECT_TRUE(decide_tool(policy(), "resolve-library-id", member_of({kApps})).allowed) << "the wildcard";
  EXPECT_FALSE(decide_tool(policy(), "resolve-library-id", member_of({})).allowed);
  EXPECT_FALSE(decide_tool(policy(), "admin-tool", member_of({kPlatform})).allowed) << "a rule naming no one";
  EXPECT_TRUE(decide_tool(ToolPolicy{}, "anything", member_of({})).allowed) << "no rules, no limits";
  auto no_wildcard = ToolPolicy{{{"query-docs", {kPlatform}, {}}}};
  EXPECT_TRUE(decide_tool(no_wildcard, "resolve-library-id", member_of({})).allowed);
  EXPECT_TRUE(decide_tool(policy(), "query-docs", member_of({"5B7E1D2C-3A4F-4B6E-8C9D-0E1F2A3B4C01"})).allowed)
      << "GUIDs in any case";
}

TEST(ToolPolicy, AGroupOverageIsSaidNotGuessed) {
  auto t = member_of({});
  t.groups_overage = true;
  auto d = decide_tool(policy(), "query-docs", t);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("app role"), std::string::npos) << d.reason;
  t.roles = {"Docs.Reader"};
  EXPECT_TRUE(decide_tool(policy(), "query-docs", t).allowed);
}

TEST(ToolPolicy, ADeniedCallIsAnsweredWithItsIdAndTheReason) {
  auto r = refuse_denied_calls(
      R"({"jsonrpc":"2.0","id":"a7","method":"tools/call","params":{"name":"query-docs","arguments":{}}})", policy(),
      member_of({kApps}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("id"), "a7");
  EXPECT_EQ(body.at("error").at("code"), -32001);
  EXPECT_EQ(body.at("error").at("data").at("tool"), "query-docs");
  EXPECT_NE(std::string(body.at("error").at("message").as_string()).find(kPlatform), std::string::npos);

  EXPECT_FALSE(refuse_denied_calls(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", policy(), member_of({})));
  EXPECT_FALSE(refuse_denied_calls(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query-docs"}})",
                                   policy(), member_of({kPlatform})));
  auto batch = refuse_denied_calls(
      R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin-tool"}}])",
      policy(), member_of({kPlatform}));
  ASSERT_TRUE(batch) << "a batch is refused when any call in it is";
  EXPECT_EQ(json::parse(batch->body).at("id"), 2);
}

TEST(ToolPolicy, TheListLosesTheToolsTheCallerMayNotCall) {
  std::string list =
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"resolve-library-id"},{"name":"query-docs"},{"name":"admin-tool"}]}})";
  auto json_out = filter_tools_list(list, false, policy(), member_of({kApps}));
  ASSERT_TRUE(json_out);
  auto tools = json::parse(*json_out).at("result").at("tools").as_array();
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].at("name"), "resolve-library-id");

  auto sse = filter_tools_list("event: message\r\nid: 1\r\ndata: " + list + "\r\n\r\n", true, policy(),
                               member_of({kPlatform}));
  ASSERT_TRUE(sse);
  EXPECT_TRUE(sse->starts_with("event: message\nid: 1\ndata: ")) << *sse;
  EXPECT_NE(sse->find("query-docs"), std::string::npos);
  EXPECT_EQ(sse->find("admin-tool"), std::string::npos);
  EXPECT_TRUE(sse->ends_with("\n\n"));

  auto cached = filter_tools_list(
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"query-docs"}],"ttlMs":300000,"cacheScope":"public","resultType":"complete"}})",
      false, policy(), member_of({kApps}));
  ASSERT_TRUE(cached);
  EXPECT_EQ(json::parse(*cached).at("result").at("cacheScope"), "private") << "a filtered list is this caller's";

  EXPECT_FALSE(filter_tools_list("not json", false, policy(), member_of({})));
  EXPECT_FALSE(filter_tools_list("data: {broken\n\n", true, policy(), member_of({})));
}

// A resumed or GET stream replays answers the gateway never saw asked for.
TEST(ToolListStreamFilter, EventsPassWholeAndReplayedListsAreFiltered) {
  auto caller = member_of({kApps});
  ToolListStreamFilter filter(policy(), caller, 256);
  std::string list =
      R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"resolve-library-id"},{"name":"admin-tool"}]}})";
  auto first = filter.feed("id: 7\r\ndata: " + list.substr(0, 20));
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "") << "nothing of an event before its end";
  auto second =
      filter.feed(list.substr(20) + "\r\n\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}\n\n: ping\n");
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("resolve-library-id"), std::string::npos);
  EXPECT_EQ(second->find("admin-tool"), std::string::npos);
  EXPECT_NE(second->find("notifications/x"), std::string::npos);
  EXPECT_TRUE(second->starts_with("id: 7\n"));
  auto rest = filter.feed("\n");
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, ": ping\n\n");
  EXPECT_FALSE(filter.feed("data: " + std::string(300, 'x'))) << "an event past the limit ends the stream";
  ToolListStreamFilter broken(policy(), caller);
  EXPECT_FALSE(broken.feed("data: {not json\n\n"));
}

}  // namespace
}  // namespace mcpgate::proxy
