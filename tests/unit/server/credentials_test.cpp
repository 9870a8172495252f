#include "server/credentials.hpp"

#include <gtest/gtest.h>

namespace mcpgate::server {
namespace {

http::Headers with(std::initializer_list<std::pair<std::string, std::string>> fields) {
  http::Headers h;
  for (auto& [n, v] : fields) h.add(n, v);
  return h;
}

TEST(ApiKeyFrom, EverySupportedHeaderForm) {
  EXPECT_EQ(api_key_from(with({{"Authorization", "Bearer ctx7sk-a"}})), "ctx7sk-a");
  EXPECT_EQ(api_key_from(with({{"authorization", "ctx7sk-b"}})), "ctx7sk-b");
  EXPECT_EQ(api_key_from(with({{"X-Context7-API-Key", "ctx7sk-c"}})), "ctx7sk-c");
  EXPECT_EQ(api_key_from(with({{"Context7-API-Key", "ctx7sk-d"}})), "ctx7sk-d");
  EXPECT_EQ(api_key_from(with({{"X-API-Key", " ctx7sk-e "}})), "ctx7sk-e");
  EXPECT_EQ(api_key_from(with({{"context7_api_key", "ctx7sk-f"}})), "ctx7sk-f");
  EXPECT_EQ(api_key_from(with({{"x_api_key", "ctx7sk-g"}})), "ctx7sk-g");
}

TEST(ApiKeyFrom, FirstHeaderInContext7sOrderWins) {
  EXPECT_EQ(api_key_from(with({{"X-API-Key", "second"}, {"Authorization", "Bearer first"}})), "first");
}

TEST(ApiKeyFrom, NoKeyAtAll) {
  EXPECT_FALSE(api_key_from(with({})));
  EXPECT_FALSE(api_key_from(with({{"Authorization", "Bearer"}})));
  EXPECT_FALSE(api_key_from(with({{"X-API-Key", "   "}})));
}

}  // namespace
}  // namespace mcpgate::server
