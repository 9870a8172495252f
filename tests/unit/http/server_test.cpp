// The HTTP server and client over real loopback sockets, in one process.
#include "http/server.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "http/client.hpp"
#include "http/local_tls.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::http {
namespace {

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options, Handler handler = echo)
      : server_(std::move(options), std::move(handler)), thread_([this] { server_.run(); }) {}
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path, const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  uint16_t port() const { return server_.port(); }

 private:
  static Response echo(const Request& r) {
    auto res = Response::text(200, r.method + " " + r.path + " ?" + r.query + " " + r.body);
    res.headers.set("X-Auth-Count", std::to_string(r.headers.count("Authorization")));
    return res;
  }
  Server server_;
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

}  // namespace
}  // namespace mcpgate::http
