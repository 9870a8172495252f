// The HTTP server and client over real loopback sockets, in one process.
#include "http/server.hpp"

#include <atomic>
#include <csignal>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "http/async.hpp"
#include "http/client.hpp"
#include "http/local_tls.hpp"
#include "support/process.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::http {
namespace {

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options, Handler handler = echo)
      : server_(std::move(options), std::move(handler)), thread_([this] {
          server_.run();
          returned_ = true;
        }) {}
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path, const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  uint16_t port() const { return server_.port(); }
  void stop() { server_.stop(); }
  // Waits for run() to return after a stop; false if it is still running after the timeout.
  bool stopped_within(std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!returned_ && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return returned_;
  }

 private:
  static Response echo(const Request& r) {
    auto res = Response::text(200, r.method + " " + r.path + " ?" + r.query + " " + r.body);
    res.headers.set("X-Auth-Count", std::to_string(r.headers.count("Authorization")));
    return res;
  }
  Server server_;
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

TEST(Server, ServesRequestsAndSeesDuplicateHeaders) {
  RunningServer s({});
  ClientRequest req{"POST", s.url("/a/b?x=1"), {}, "body"};
  req.headers.add("Authorization", "Bearer one");
  req.headers.add("Authorization", "Bearer two");
  auto r = fetch(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /a/b ?x=1 body");
  EXPECT_EQ(r.headers.get("X-Auth-Count"), "2");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
}

// Response splitting: a value that reached a header from a request (a redirect target, say) must
// not end the header line, add a field or start a second response.
TEST(Server, AFieldHoldingCrLfOrNulIsDroppedNotWritten) {
  RunningServer s({}, [](const Request&) {
    auto r = Response::redirect("/dashboard/\r\nSet-Cookie: planted=1");
    r.headers.add("X-Fine", "kept");
    r.headers.add("X-Nul", std::string("a\0b", 3));
    return r;
  });
  auto r = fetch({"GET", s.url("/")});
  EXPECT_EQ(r.status, 302);
  EXPECT_FALSE(r.headers.get("Set-Cookie"));
  EXPECT_FALSE(r.headers.get("Location")) << "the tainted field is dropped whole";
  EXPECT_FALSE(r.headers.get("X-Nul"));
  EXPECT_EQ(r.headers.get("X-Fine"), "kept");
}

TEST(Server, OversizedBodyIs413AndOversizedHeadersAre431) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  o.max_header_bytes = 2048;
  RunningServer s(o);
  EXPECT_EQ(fetch({"POST", s.url("/"), {}, std::string(4096, 'x')}).status, 413);
  ClientRequest big{"GET", s.url("/"), {}, ""};
  big.headers.add("X-Big", std::string(4096, 'y'));
  EXPECT_EQ(fetch(big).status, 431);
}

TEST(Server, HandlerExceptionBecomes500AndServerKeepsServing) {
  RunningServer s({}, [](const Request& r) -> Response {
    if (r.path == "/boom") throw std::runtime_error("boom");
    return Response::text(200, "ok");
  });
  EXPECT_EQ(fetch({"GET", s.url("/boom")}).status, 500);
  EXPECT_EQ(fetch({"GET", s.url("/fine")}).status, 200);
}

TEST(Server, BusyPortIsAClearError) {
  RunningServer s({});
  ServerOptions o;
  o.port = s.port();
  try {
    Server second(o, [](const Request&) { return Response(); });
    FAIL() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
}

// A supervisor may stop a server the moment its port is known, before run(): the signal must be
// caught and end run() cleanly, not kill the process with the default action.
TEST(Server, AStopSignalBeforeRunIsCaughtAndEndsRunCleanly) {
  ServerOptions o;
  o.stop_on_signals = true;
  Server server(o, [](const Request&) { return Response::text(200, "ok"); });
  ASSERT_NE(server.port(), 0);
  ASSERT_EQ(::raise(SIGTERM), 0);
  auto ran = std::async(std::launch::async, [&] { server.run(); });
  EXPECT_EQ(ran.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(Server, BadListenAddressIsAClearError) {
  ServerOptions o;
  o.host = "not-an-ip";
  EXPECT_THROW(Server(o, [](const Request&) { return Response(); }), std::runtime_error);
}

TEST(Server, ServesTlsWithTheLocalCa) {
  testing::TempDir dir;
  auto tls = ensure_local_tls(dir.path());
  ServerOptions o;
  o.tls = tls.server;
  RunningServer s(o);
  auto r =
      fetch({"GET", "https://localhost:" + std::to_string(s.port()) + "/x"}, {.ca_file = tls.ca_certificate.string()});
  EXPECT_EQ(r.status, 200);
  // Without trusting the CA the handshake must fail.
  EXPECT_THROW(fetch({"GET", "https://localhost:" + std::to_string(s.port()) + "/x"}), ClientError);
  // The CA is reused, not regenerated, on a second call.
  auto ca_before = read_file(tls.ca_certificate);
  ensure_local_tls(dir.path());
  EXPECT_EQ(read_file(tls.ca_certificate), ca_before);
}

// ---- framing: one request is one request ---------------------------------------------------

using namespace std::chrono_literals;
using testing::RawConnection;

// Sends raw bytes, reads until the server closes, and returns what came back.
std::string exchange_raw(const RunningServer& s, const std::string& bytes) {
  RawConnection c(s.port());
  c.send(bytes);
  EXPECT_TRUE(c.read_until_closed(5s)) << "the server kept the connection open after: " << bytes;
  return c.received();
}

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(ServerFraming, AmbiguousBodiesAreRefusedAndNothingAfterThemIsServed) {
  RunningServer s({});
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::string te : {"xchunked", "chunked, identity", "gzip, chunked", "identity"}) {
    auto out = exchange_raw(s, "POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + te + "\r\n\r\n" + smuggled);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << te << ": " << out;
    EXPECT_EQ(out.find("/smuggled"), std::string::npos) << te << ": the bytes after it were served: " << out;
    EXPECT_EQ(count(out, "HTTP/1.1 "), 1) << te;
  }
  auto both = exchange_raw(
      s,
      "POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled);
  EXPECT_EQ(both.rfind("HTTP/1.1 400", 0), 0u) << both;
  EXPECT_EQ(both.find("/smuggled"), std::string::npos) << both;
}

TEST(ServerFraming, HostMustBeOneValidField) {
  RunningServer s({});
  EXPECT_EQ(exchange_raw(s, "GET /x HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange_raw(s, "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange_raw(s, "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange_raw(s, "GET http://evil/x HTTP/1.1\r\nHost: a\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  auto ok = exchange_raw(s, "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
}

TEST(ServerFraming, ExpectContinueGetsAnInterimAnswerThenTheFinalOne) {
  RunningServer s({});
  RawConnection c(s.port());
  c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.read_until("HTTP/1.1 100 Continue\r\n\r\n", 5s)) << c.received();
  c.send("hello");
  ASSERT_TRUE(c.read_until("POST /upload ? hello", 5s)) << c.received();
  EXPECT_EQ(count(c.received(), "HTTP/1.1 200"), 1);
}

// Admission as the gateway does it: a request without credentials is refused from its head.
ServerOptions admitting_only_signed_in() {
  ServerOptions o;
  o.admit = [](const Request& head) -> std::optional<Response> {
    if (head.header("Authorization")) return std::nullopt;
    return Response::text(401, "sign in first");
  };
  return o;
}

TEST(ServerFraming, AdmissionRefusesBeforeTheBodyIsRead) {
  RunningServer s(admitting_only_signed_in());
  RawConnection c(s.port());
  // A large body announced and never sent: the answer must not wait for it.
  c.send("POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.read_until_closed(5s)) << c.received();
  EXPECT_EQ(c.received().rfind("HTTP/1.1 401", 0), 0u) << c.received();
  EXPECT_EQ(c.received().find("100 Continue"), std::string::npos) << "no invitation to send a refused body";
  auto admitted = exchange_raw(s,
                               "POST /mcp HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer x\r\nContent-Length: 2\r\n"
                               "Connection: close\r\n\r\nok");
  EXPECT_EQ(admitted.rfind("HTTP/1.1 200", 0), 0u) << admitted;
}

TEST(ServerFraming, ARefusalWhoseBodyCameWithItsHeadKeepsTheConnection) {
  RunningServer s(admitting_only_signed_in());
  RawConnection c(s.port());
  c.send("POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nfirst");
  ASSERT_TRUE(c.read_until("sign in first", 5s)) << c.received();
  EXPECT_EQ(c.received().find("Connection: close"), std::string::npos) << c.received();
  // The refused body was dropped whole: the next request on the connection is read from its start.
  c.send(
      "POST /mcp HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer x\r\nContent-Length: 6\r\nConnection: "
      "close\r\n\r\nsecond");
  ASSERT_TRUE(c.read_until_closed(5s)) << c.received();
  EXPECT_EQ(count(c.received(), "HTTP/1.1 401"), 1) << c.received();
  EXPECT_EQ(count(c.received(), "HTTP/1.1 200"), 1) << c.received();
  EXPECT_NE(c.received().find("POST /mcp ? second"), std::string::npos) << c.received();
}

TEST(ServerFraming, ARequestThatDoesNotArriveInTimeIs408) {
  ServerOptions o;
  o.read_timeout = 300ms;
  RunningServer s(o);
  RawConnection c(s.port());
  c.send("POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");  // 7 bytes never come
  ASSERT_TRUE(c.read_until_closed(5s)) << c.received();
  EXPECT_EQ(c.received().rfind("HTTP/1.1 408", 0), 0u) << c.received();
  RawConnection head_only(s.port());
  head_only.send("GET /x HTTP/1.1\r\nHost: h\r\n");  // the head never ends
  ASSERT_TRUE(head_only.read_until_closed(5s));
  EXPECT_EQ(head_only.received().rfind("HTTP/1.1 408", 0), 0u) << head_only.received();
}

TEST(ServerLimits, ConnectionsBeyondTheClientsShareAre503) {
  ServerOptions o;
  o.max_connections_per_client = 2;
  RunningServer s(o);
  RawConnection first(s.port()), second(s.port());
  first.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  second.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(first.read_until("GET /a", 5s));
  ASSERT_TRUE(second.read_until("GET /b", 5s));
  RawConnection third(s.port());
  ASSERT_TRUE(third.read_until_closed(5s));
  EXPECT_EQ(third.received().rfind("HTTP/1.1 503", 0), 0u) << third.received();
  first.close();
  // The slot is given back once the first connection is gone; polled, not slept for.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    RawConnection again(s.port());
    again.send("GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    again.read_until_closed(5s);
    served = again.received().find("GET /c") != std::string::npos;
  }
  EXPECT_TRUE(served);
}

TEST(ServerDrain, StopClosesIdleConnectionsAndAnswersRequestsInFlightWithConnectionClose) {
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  std::atomic<bool> drain_announced{false};
  ServerOptions o;
  o.threads = 2;  // the slow handler blocks one thread
  o.shutdown_grace = 30s;
  o.on_drain = [&] { drain_announced = true; };
  RunningServer s(o, [&](const Request& r) {
    if (r.path == "/slow") {
      entered.set_value();
      released.wait();
    }
    return Response::text(200, "done " + r.path);
  });
  RawConnection idle(s.port()), busy(s.port());
  idle.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(idle.read_until("done /first", 5s));
  busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  entered.get_future().wait();
  s.stop();
  // The idle keep-alive connection is closed at once, not left to its idle timeout.
  EXPECT_TRUE(idle.read_until_closed(5s));
  EXPECT_EQ(idle.received().find("HTTP/1.1", 10), std::string::npos) << "nothing more was sent: " << idle.received();
  EXPECT_TRUE(drain_announced);
  // New connections are refused (the listener closes; polled, since stop() is asynchronous).
  EXPECT_TRUE(testing::poll_until(
      [&] {
        try {
          fetch({"GET", s.url("/late")}, {.timeout = 1s});
          return false;
        } catch (const ClientError&) {
          return true;
        }
      },
      5s));
  EXPECT_FALSE(s.stopped_within(0ms)) << "the request in flight holds the drain";
  release.set_value();
  ASSERT_TRUE(busy.read_until_closed(5s)) << busy.received();
  EXPECT_NE(busy.received().find("done /slow"), std::string::npos);
  EXPECT_NE(busy.received().find("Connection: close"), std::string::npos) << busy.received();
  EXPECT_TRUE(s.stopped_within(5s)) << "the last request ends the drain, not the 30 s grace";
}

TEST(ServerDrain, StreamsStillOpenAfterTheGraceAreAskedToEndAndEndCleanly) {
  ServerOptions o;
  o.shutdown_grace = 200ms;
  std::atomic<int> gone_by_shutdown{0};
  auto server = make_streaming_server(o, [&](Request&, ResponseWriter& out) -> Task<void> {
    Headers headers;
    headers.add("Content-Type", "text/event-stream");
    co_await out.start(200, headers, std::nullopt);
    co_await out.write("data: hello\n\n");
    co_await out.client_gone();
    if (!out.shutting_down()) co_return;
    ++gone_by_shutdown;
    co_await out.write(": bye\n\n");
    co_await out.finish();
  });
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    server->run();
    returned = true;
  });
  RawConnection stream(server->port());
  stream.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(stream.read_until("data: hello", 5s));
  server->stop();
  ASSERT_TRUE(stream.read_until_closed(10s)) << stream.received();
  EXPECT_NE(stream.received().find(": bye"), std::string::npos) << stream.received();
  EXPECT_NE(stream.received().find("\r\n0\r\n\r\n"), std::string::npos) << "the chunked body ends properly";
  EXPECT_EQ(gone_by_shutdown, 1);
  runner.join();
  EXPECT_TRUE(returned);
}

}  // namespace
}  // namespace mcpgate::http
