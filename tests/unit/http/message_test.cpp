#include "http/message.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

TEST(Headers, CaseInsensitiveAndKeepsDuplicates) {
  Headers h;
  h.add("Authorization", "Bearer a");
  h.add("authorization", "Bearer b");
  EXPECT_EQ(h.get("AUTHORIZATION"), "Bearer a");
  EXPECT_EQ(h.count("Authorization"), 2u);
  h.set("Authorization", "Bearer c");
  EXPECT_EQ(h.count("authorization"), 1u);
  EXPECT_EQ(h.get("authorization"), "Bearer c");
}

TEST(Headers, AValueTakenFromTheSameFieldsSurvivesTheirGrowth) {
  Headers h;
  h.add("A", std::string(40, 'a'));
  for (int i = 0; i < 20; ++i) h.add("Copy", *h.get("A"));  // the text moves as it grows
  EXPECT_EQ(h.count("Copy"), 20u);
  for (auto [name, value] : h.fields()) EXPECT_EQ(value, std::string(40, 'a')) << name;
  h.set("A", *h.get("Copy"));
  EXPECT_EQ(*h.get("A"), std::string(40, 'a'));
  EXPECT_EQ(h.size(), 21u);
}

TEST(Headers, ClearKeepsNothingButCapacity) {
  Headers h;
  h.add("X", "1");
  h.remove("x");
  EXPECT_TRUE(h.empty());
  h.add("Y", "2");
  h.clear();
  EXPECT_EQ(h.size(), 0u);
  EXPECT_FALSE(h.get("Y"));
  h.add("Z", "3");
  EXPECT_EQ(h.pairs(), (std::vector<std::pair<std::string, std::string>>{{"Z", "3"}}));
}

TEST(Response, JsonSetsContentType) {
  auto r = Response::json(201, boost::json::object{{"a", 1}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.headers.get("content-type"), "application/json; charset=utf-8");
}

}  // namespace
}  // namespace mcpgate::http
