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

TEST(Response, JsonSetsContentType) {
  auto r = Response::json(201, boost::json::object{{"a", 1}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.headers.get("content-type"), "application/json; charset=utf-8");
}

}  // namespace
}  // namespace mcpgate::http
