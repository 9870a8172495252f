#include "redis/script.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/redis_server.hpp"
#include "support/run_task.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::redis {
namespace {

using testing::run_until;
using testing::run_until_done;

TEST(Script, RunsByItsHashAndLoadsItselfAgainWhenRedisForgotIt) {
  testing::TempDir dir;
  testing::RedisServer server(dir.path());
  boost::asio::io_context io;
  Client client(io.get_executor(), parse_url(server.url()), "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));
  Script add("return tonumber(ARGV[1]) + redis.call('INCR', KEYS[1])");
  EXPECT_EQ(run_until_done(io, add.run(client, {"n"}, {"10"}))->integer, 11);
  EXPECT_EQ(run_until_done(io, add.run(client, {"n"}, {"10"}))->integer, 12);
  server.command({"SCRIPT", "FLUSH"});
  auto again = run_until_done(io, add.run(client, {"n"}, {"10"}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->integer, 13);
}

}  // namespace
}  // namespace mcpgate::redis
