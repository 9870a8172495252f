#include "redis/config_section.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

namespace mcpgate::redis {
namespace {

using namespace std::chrono_literals;

Connection read(const std::string& yaml) {
  auto root = config::YamlReader::from_string(yaml, "test.yaml");
  auto section = root.child("redis");
  section.allow_only(connection_keys());
  return read_connection(section);
}

std::string error_of(const std::string& yaml) {
  try {
    read(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RedisSection, ReadsWhereRedisIsAndHowToSignIn) {
  ::setenv("MCPGATE_TEST_REDIS_PASSWORD", "s3cret-from-the-environment", 1);
  auto c = read(
      "redis:\n  url: redis://cache.internal:6380/1\n  username: mcpgate\n"
      "  password: ${env:MCPGATE_TEST_REDIS_PASSWORD}\n  timeout: 300ms\n  connect_timeout: 1s\n  prefix: 'prod:'\n");
  EXPECT_EQ(c.settings.host, "cache.internal");
  EXPECT_EQ(c.settings.port, 6380);
  EXPECT_EQ(c.settings.database, 1);
  EXPECT_EQ(c.settings.username.value_or(""), "mcpgate");
  EXPECT_EQ(c.settings.password.value_or(""), "s3cret-from-the-environment");
  EXPECT_EQ(c.settings.command_timeout, 300ms);
  EXPECT_EQ(c.settings.connect_timeout, 1s);
  EXPECT_EQ(c.prefix, "prod:");
  EXPECT_EQ(read("redis:\n  url: redis://127.0.0.1\n").prefix, "mcpgate:");
}

TEST(RedisSection, ErrorsNameTheKeyAndTheFix) {
  EXPECT_NE(error_of("redis:\n  url: redis://u:pw@cache\n").find("test.yaml: redis.url: "), std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: redis://cache\n  username: u\n").find("redis.password: is required"),
            std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: redis://cache\n  timeout: 0s\n").find("redis.timeout"), std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: redis://cache\n  prefix: ''\n").find("redis.prefix"), std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: redis://cache\n  pasword: x\n").find("unknown key"), std::string::npos);
  EXPECT_NE(error_of("redis:\n  username: u\n").find("redis.url"), std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: redis://cache\n  ca_file: /etc/ssl/ca.pem\n").find("rediss://"),
            std::string::npos);
  EXPECT_NE(error_of("redis:\n  url: rediss://cache\n  ca_file: /nonexistent/ca.pem\n").find("cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace mcpgate::redis
