#include "redis/client.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/redis_server.hpp"
#include "support/run_task.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::redis {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::run_until_done;

Settings settings_for(const testing::RedisServer& server) {
  auto s = parse_url(server.url());
  s.reconnect_min = 20ms;
  s.reconnect_max = 200ms;
  return s;
}

Task<std::vector<Result>> pipelined(Client& client, int count) {
  std::vector<Result> results;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> increment{"INCR", "counter"};
    auto r = co_await client.command(std::move(increment));
    results.push_back(std::move(r));
  }
  co_return results;
}

class ClientTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::RedisServer server{dir.path()};
  boost::asio::io_context io;
};

TEST(ParseUrl, ReadsHostPortAndDatabase) {
  auto s = parse_url("redis://10.0.0.5:6380/3");
  EXPECT_EQ(s.host, "10.0.0.5");
  EXPECT_EQ(s.port, 6380);
  EXPECT_EQ(s.database, 3);
  EXPECT_EQ(parse_url("redis://cache.internal").port, 6379);
}

TEST(ParseUrl, RefusesCredentialsAndWhatItCannotSpeak) {
  try {
    parse_url("redis://:hunter2-secret@cache:6379/0");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("${env:NAME}"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
  EXPECT_TRUE(parse_url("rediss://contoso.redis.cache.windows.net:6380").tls);
  EXPECT_FALSE(parse_url("redis://cache").tls);
  EXPECT_THROW(parse_url("http://cache:6379"), std::invalid_argument);
  EXPECT_THROW(parse_url("redis://cache:6379/x"), std::invalid_argument);
  EXPECT_THROW(parse_url("cache:6379"), std::invalid_argument);
}

TEST_F(ClientTest, RepliesComeBackInOrderToConcurrentCallers) {
  Client client(io.get_executor(), settings_for(server), "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));
  // Three callers at once on one connection: each sees its own increments, in its own order.
  std::vector<std::vector<Result>> outcomes(3);
  int finished = 0;
  for (auto& outcome : outcomes)
    boost::asio::co_spawn(io, pipelined(client, 50), [&](std::exception_ptr, std::vector<Result> r) {
      outcome = std::move(r);
      ++finished;
    });
  ASSERT_TRUE(run_until(io, [&] { return finished == 3; }));
  std::vector<int64_t> seen;
  for (auto& outcome : outcomes) {
    ASSERT_EQ(outcome.size(), 50u);
    for (size_t i = 1; i < outcome.size(); ++i) EXPECT_GT(outcome[i]->integer, outcome[i - 1]->integer);
    for (auto& r : outcome) seen.push_back(r->integer);
  }
  std::sort(seen.begin(), seen.end());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], int64_t(i) + 1);
}

TEST_F(ClientTest, AnErrorReplyIsAReplyNotAFailure) {
  Client client(io.get_executor(), settings_for(server), "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));
  auto r = run_until_done(io, client.command({"NOSUCHCOMMAND"}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_error());
}

TEST_F(ClientTest, FailsAtOnceWhileDownAndReconnectsByItself) {
  Client client(io.get_executor(), settings_for(server), "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));
  server.kill();
  ASSERT_TRUE(run_until(io, [&] { return !client.connected(); }));
  auto down = run_until_done(io, client.command({"PING"}));
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().message.find("unavailable"), std::string::npos) << down.error().message;
  EXPECT_NE(client.state(), "connected");
  server.restart();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));
  auto up = run_until_done(io, client.command({"PING"}));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->text, "PONG");
}

TEST_F(ClientTest, ARefusedPasswordIsNamedWithoutTheSecret) {
  server.command({"CONFIG", "SET", "requirepass", "the-right-one"});
  auto s = settings_for(server);
  s.password = "a-wrong-secret-value";
  Client client(io.get_executor(), s, "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.state() != "not connected yet"; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.state().find("refused the credentials"), std::string::npos) << client.state();
  EXPECT_EQ(client.state().find("a-wrong-secret-value"), std::string::npos);

  s.password = "the-right-one";
  Client good(io.get_executor(), s, "test");
  good.start();
  ASSERT_TRUE(run_until(io, [&] { return good.connected(); }));
  EXPECT_EQ(run_until_done(io, good.command({"PING"}))->text, "PONG");
}

TEST(ClientTls, SpeaksTlsAndChecksTheServersName) {
  testing::TempDir dir;
  testing::RedisServer server(dir.path(), true);
  boost::asio::io_context io;
  auto s = parse_url(server.tls_url());
  s.ca_file = server.ca_file().string();
  Client client(io.get_executor(), s, "test");
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); })) << client.state();
  auto set = run_until_done(io, client.command({"SET", "over", "tls"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(server.command({"GET", "over"}).text, "tls");  // the plain port sees what TLS wrote

  // Without the CA, the server's certificate is not trusted: no connection, and it says why.
  Client untrusting(io.get_executor(), parse_url(server.tls_url()), "test");
  untrusting.start();
  ASSERT_TRUE(run_until(io, [&] { return untrusting.state() != "not connected yet"; }));
  EXPECT_FALSE(untrusting.connected());
  EXPECT_NE(untrusting.state().find("TLS"), std::string::npos) << untrusting.state();

  // A name the certificate does not carry is refused too (0.0.0.0 reaches this machine's loopback,
  // but the certificate names localhost, 127.0.0.1 and ::1 only).
  auto wrong_name = s;
  wrong_name.host = "0.0.0.0";
  Client misnamed(io.get_executor(), wrong_name, "test");
  misnamed.start();
  ASSERT_TRUE(run_until(io, [&] { return misnamed.state() != "not connected yet"; }));
  EXPECT_FALSE(misnamed.connected());
  EXPECT_NE(misnamed.state().find("TLS"), std::string::npos) << misnamed.state();
}

TEST_F(ClientTest, ASubscriberGetsMessagesAndResubscribesAfterALoss) {
  Client publisher(io.get_executor(), settings_for(server), "publisher");
  Client subscriber(io.get_executor(), settings_for(server), "subscriber");
  std::vector<std::string> received;
  int connections = 0;
  subscriber.subscribe(
      {"events"},
      [&](const std::string& channel, const std::string& payload) { received.push_back(channel + "|" + payload); },
      [&] { ++connections; });
  publisher.start();
  subscriber.start();
  ASSERT_TRUE(run_until(io, [&] { return publisher.connected() && connections == 1; }));
  auto delivered = run_until_done(io, publisher.command({"PUBLISH", "events", "one"}));
  EXPECT_EQ(delivered->integer, 1);
  ASSERT_TRUE(run_until(io, [&] { return received.size() == 1; }));
  EXPECT_EQ(received[0], "events|one");

  server.kill();
  server.restart();
  ASSERT_TRUE(run_until(io, [&] { return publisher.connected() && connections == 2; }));
  run_until_done(io, publisher.command({"PUBLISH", "events", "two"}));
  ASSERT_TRUE(run_until(io, [&] { return received.size() == 2; }));
  EXPECT_EQ(received[1], "events|two");
}

}  // namespace
}  // namespace mcpgate::redis
