// The asynchronous upstream client against an in-process streaming server on loopback. The
// server runs on its own thread; the client's coroutines run on the test's own io_context.
// (As in src/http: no co_await inside conditions, return statements or std::tie assignments —
// GCC 12 miscompiles some of those forms in coroutines.)
#include "http/upstream.hpp"

#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "http/async.hpp"

namespace mcpgate::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

// Steps the test opens one at a time and the server's handler waits for, so each piece of a
// stream is written only once the client has read the previous one. Lives on the server's
// (single-threaded) executor; open() may be called from any thread.
class Gate {
 public:
  explicit Gate(asio::any_io_executor executor) : timer_(executor, asio::steady_timer::time_point::max()) {}

  Task<void> wait_for(int step) {
    while (opened_ < step) {
      co_await timer_.async_wait(as_tuple);  // ends when open() cancels it: no error to look at
    }
  }

  void open() {
    asio::post(timer_.get_executor(), [this] {
      ++opened_;
      timer_.cancel();
    });
  }

 private:
  asio::steady_timer timer_;
  int opened_ = 0;
};

using UpstreamHandler = std::function<Task<void>(Request&, ResponseWriter&, Gate&)>;

// A streaming server on 127.0.0.1 with a free port, serving until the test ends.
class TestUpstream {
 public:
  explicit TestUpstream(UpstreamHandler handler)
      : server_(
            make_streaming_server({}, [this, handler = std::move(handler)](Request& request, ResponseWriter& writer) {
              return handler(request, writer, *gate_);
            })) {
    gate_.emplace(server_executor(*server_));
    thread_ = std::thread([this] { server_->run(); });
  }
  ~TestUpstream() {
    server_->stop();
    thread_.join();
    gate_.reset();  // its timer belongs to the server's io_context, which goes next
  }

  std::string url(const std::string& path) const { return origin() + path; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  Gate& gate() { return *gate_; }

 private:
  std::unique_ptr<Server> server_;
  std::optional<Gate> gate_;
  std::thread thread_;
};

// Writes the response whole.
Task<void> answer(ResponseWriter& writer, const Response& response) {
  bool ok = co_await writer.send(response);
  EXPECT_TRUE(ok);
}

// Echoes what arrived: "<method> <target> <body>", and the Authorization header in X-Seen-Authorization.
Task<void> echo(Request& request, ResponseWriter& writer, Gate&) {
  auto response = Response::text(201, request.method + " " + request.target + " " + request.body);
  response.headers.set("X-Seen-Authorization", std::string(request.header("Authorization").value_or("(none)")));
  co_await answer(writer, response);
}

// Three chunks, each written once the client has read the one before.
Task<void> three_chunks(Request&, ResponseWriter& writer, Gate& gate) {
  Headers headers;
  headers.add("Content-Type", "text/event-stream");
  bool ok = co_await writer.start(200, headers, std::nullopt);
  std::vector<std::string> pieces{"data: one\n\n", "data: two\n\n", "data: three\n\n"};
  for (size_t i = 0; ok && i < pieces.size(); ++i) {
    co_await gate.wait_for(int(i));
    ok = co_await writer.write(pieces[i]);
  }
  if (ok) ok = co_await writer.finish();
  EXPECT_TRUE(ok);
}

// Never answers: waits for a step nobody opens.
Task<void> silent(Request&, ResponseWriter&, Gate& gate) { co_await gate.wait_for(1); }

// Runs one client coroutine on `io` to completion and returns its result. The bound only turns
// a regression that would hang (a read waiting for data the server holds back) into a failure.
template <class T>
T run(asio::io_context& io, Task<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
  });
  io.restart();
  io.run_for(10s);
  if (failure) std::rethrow_exception(failure);
  if (!result) throw std::runtime_error("the coroutine did not complete within 10 s");
  return std::move(*result);
}

class UpstreamClientTest : public ::testing::Test {
 protected:
  boost::system::result<Response, UpstreamError> fetch(ClientRequest request, std::chrono::milliseconds timeout = 5s) {
    return run(io, client.fetch(std::move(request), timeout));
  }

  boost::system::result<std::unique_ptr<UpstreamResponse>, UpstreamError> open(ClientRequest request,
                                                                               Deadlines deadlines = {}) {
    return run(io, client.open(std::move(request), deadlines));
  }

  boost::system::result<std::string, UpstreamError> read_some(UpstreamResponse& response) {
    return run(io, response.read_some());
  }

  // Everything left in the body, piece by piece.
  std::vector<std::string> read_rest(UpstreamResponse& response) {
    std::vector<std::string> pieces;
    while (!response.done()) {
      auto piece = read_some(response);
      if (!piece) {
        ADD_FAILURE() << piece.error().message;
        break;
      }
      if (!piece->empty()) pieces.push_back(*piece);
    }
    return pieces;
  }

  asio::io_context io;
  UpstreamClient client{io.get_executor(), {}};
};

TEST_F(UpstreamClientTest, FetchReturnsStatusHeadersAndBody) {
  TestUpstream upstream(echo);
  ClientRequest request{"POST", upstream.url("/mcp/oauth?x=1"), {}, R"({"method":"tools/list"})"};
  request.headers.add("Authorization", "Bearer obo-token");
  auto response = fetch(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response->headers.get("X-Seen-Authorization"), "Bearer obo-token");
  EXPECT_EQ(response->body, R"(POST /mcp/oauth?x=1 {"method":"tools/list"})");
}

TEST_F(UpstreamClientTest, StreamsAChunkedBodyPieceByPiece) {
  TestUpstream upstream(three_chunks);
  auto opened = open({"GET", upstream.url("/sse")});
  ASSERT_TRUE(opened) << opened.error().message;
  auto& response = **opened;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.get("Content-Type"), "text/event-stream");
  EXPECT_FALSE(response.content_length);

  auto first = read_some(response);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, "data: one\n\n");
  EXPECT_FALSE(response.done());
  upstream.gate().open();
  auto second = read_some(response);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, "data: two\n\n");
  EXPECT_FALSE(response.done());
  upstream.gate().open();
  EXPECT_EQ(read_rest(response), std::vector<std::string>{"data: three\n\n"});
  EXPECT_TRUE(response.done());
  auto after_end = read_some(response);
  ASSERT_TRUE(after_end);
  EXPECT_EQ(*after_end, "");
}

TEST_F(UpstreamClientTest, ReusesAKeptAliveConnection) {
  TestUpstream upstream(echo);
  EXPECT_EQ(client.idle_connections(), 0u);
  auto first = fetch({"GET", upstream.url("/one")});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(client.idle_connections(), 1u);
  // A second connection would leave two in the pool.
  auto second = fetch({"GET", upstream.url("/two")});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "GET /two ");
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(UpstreamClientTest, AnAbandonedStreamDoesNotReturnItsConnection) {
  TestUpstream upstream(three_chunks);
  {
    auto opened = open({"GET", upstream.url("/sse")});
    ASSERT_TRUE(opened) << opened.error().message;
    auto first = read_some(**opened);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, "data: one\n\n");
  }
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(UpstreamClientTest, RefusedConnectionNamesTheUpstream) {
  auto response = fetch({"GET", "http://127.0.0.1:1/mcp"});
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("cannot connect to upstream http://127.0.0.1:1"), std::string::npos)
      << response.error().message;
}

TEST_F(UpstreamClientTest, AnUpstreamThatDoesNotAnswerTimesOut) {
  TestUpstream upstream(silent);
  auto opened = open({"POST", upstream.url("/mcp"), {}, "{}"}, Deadlines{.response_header = 100ms});
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("upstream " + upstream.origin() + " did not answer within 100 ms"),
            std::string::npos)
      << opened.error().message;
}

// A raw HTTP/1.1 server on loopback that writes exactly the bytes a test gives it: here, an
// interim 100 Continue before each final answer, which the streaming server never sends. Serves
// requests on one keep-alive connection, echoing each body, until the test ends.
class InterimUpstream {
 public:
  explicit InterimUpstream(std::string interim) : interim_(std::move(interim)) {
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~InterimUpstream() {
    // shutdown(), unlike close(), wakes a thread blocked in accept or recv on that socket.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (int fd = connection_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

 private:
  void serve() {
    boost::system::error_code ec;
    socket_.emplace(io_);
    acceptor_.accept(*socket_, ec);
    if (!ec) connection_fd_ = socket_->native_handle();
    std::string buffer;
    while (!ec) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        char chunk[4096];
        size_t n = socket_->read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
      }
      auto head = buffer.substr(0, head_end);
      for (auto& c : head) c = char(std::tolower(static_cast<unsigned char>(c)));
      size_t length = 0;
      auto at = head.find("content-length:");
      if (at != std::string::npos) length = std::stoul(head.substr(at + 15));
      while (buffer.size() < head_end + 4 + length) {
        char chunk[4096];
        size_t n = socket_->read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
      }
      auto body = buffer.substr(head_end + 4, length);
      buffer.erase(0, head_end + 4 + length);
      auto answer = interim_ + "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      asio::write(*socket_, asio::buffer(answer), ec);
    }
  }

  std::string interim_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_, asio::ip::tcp::v4()};
  std::optional<asio::ip::tcp::socket> socket_;
  std::atomic<int> connection_fd_{-1};
  std::thread thread_;
};

TEST_F(UpstreamClientTest, InterimResponsesAreSkippedSoEachAnswerReachesItsOwnRequest) {
  InterimUpstream upstream("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
  auto first = fetch({"POST", upstream.url("/mcp"), {}, "alice's call"});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "alice's call");
  EXPECT_FALSE(first->headers.get("Link")) << "an interim response's fields are not the final one's";
  // The same pooled connection: before the fix, this got the answer left behind by the first.
  auto second = fetch({"POST", upstream.url("/mcp"), {}, "bob's call"});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "bob's call");
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(UpstreamClientTest, SwitchingProtocolsIsRefusedAndTheConnectionClosed) {
  InterimUpstream upstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  auto answer = fetch({"POST", upstream.url("/mcp"), {}, "x"});
  EXPECT_FALSE(answer);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(UpstreamClientTest, BadUrlsAreErrors) {
  auto relative = fetch({"GET", "/mcp"});
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message.find("'/mcp' is not an absolute URL"), std::string::npos)
      << relative.error().message;
  auto ftp = fetch({"GET", "ftp://127.0.0.1/mcp"});
  ASSERT_FALSE(ftp);
  EXPECT_NE(ftp.error().message.find("only http and https"), std::string::npos) << ftp.error().message;
  auto method = fetch({"BREW", "http://127.0.0.1:1/"});
  ASSERT_FALSE(method);
  EXPECT_NE(method.error().message.find("unsupported HTTP method BREW"), std::string::npos) << method.error().message;
}

// For URLs an outsider names (client metadata documents): the address connected to decides.
TEST_F(UpstreamClientTest, PublicAddressesOnlyRefusesLoopbackWhateverTheName) {
  TestUpstream upstream(echo);
  UpstreamOptions options;
  options.public_addresses_only = true;
  UpstreamClient outside(io.get_executor(), options);
  for (auto url : {upstream.url("/doc"), "http://localhost:" + upstream.url("/doc").substr(17)}) {
    auto refused = run(io, outside.fetch({"GET", url}, 5s));
    ASSERT_FALSE(refused) << url;
    EXPECT_NE(refused.error().message.find("loopback, private or reserved"), std::string::npos)
        << refused.error().message;
  }
  EXPECT_TRUE(fetch({"GET", upstream.url("/doc")}));  // the ordinary client still may
}

TEST(PublicAddress, ReservedRangesAreNotPublic) {
  for (auto ip : {"127.0.0.1",
                  "10.1.2.3",
                  "172.16.0.1",
                  "172.31.255.255",
                  "192.168.1.1",
                  "169.254.169.254",
                  "100.64.0.1",
                  "0.0.0.0",
                  "224.0.0.1",
                  "255.255.255.255",
                  "198.18.0.1",
                  "192.0.2.1",
                  "::1",
                  "::",
                  "fe80::1",
                  "fd00::1",
                  "ff02::1",
                  "::ffff:127.0.0.1",
                  "::ffff:10.0.0.1",
                  "64:ff9b::a00:1",
                  "2001:db8::1",
                  "2002:a00:1::1",
                  "64:ff9b:1::a00:1",
                  "::a00:1",
                  "not-an-address"})
    EXPECT_FALSE(is_public_address(ip)) << ip;
  for (auto ip : {"8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"})
    EXPECT_TRUE(is_public_address(ip)) << ip;
}

}  // namespace
}  // namespace mcpgate::http
