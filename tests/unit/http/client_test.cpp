// The blocking client (discovery, key sets, the CLI's probes) against a real loopback server.
#include "http/client.hpp"

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "http/local_tls.hpp"
#include "http/server.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::http {
namespace {

class Running {
 public:
  Running(ServerOptions options, Handler handler) : server_(std::move(options), std::move(handler)) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  std::string base(const std::string& host = "127.0.0.1", const std::string& scheme = "http") const {
    return scheme + "://" + host + ":" + std::to_string(server_.port());
  }

 private:
  Server server_;
  std::thread thread_;
};

Response echo_head(const Request& r) {
  auto out = Response::text(201, r.method + " " + r.target + " host=" + std::string(r.header("Host").value_or("")) +
                                     " ua=" + std::string(r.header("User-Agent").value_or("")) + " body=" + r.body);
  out.headers.set("X-Seen", "yes");
  return out;
}

TEST(Client, SendsMethodTargetHostAndBodyAndReturnsStatusHeadersBody) {
  Running s({}, echo_head);
  ClientRequest request{"POST", s.base() + "/a/b?x=1%202", {}, "payload"};
  request.headers.add("Content-Type", "text/plain");
  auto r = fetch(request);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers.get("X-Seen"), "yes");
  EXPECT_EQ(r.body, "POST /a/b?x=1%202 host=" + s.base().substr(7) + " ua=mcpgate body=payload");
}

TEST(Client, CallersUserAgentIsKept) {
  Running s({}, echo_head);
  ClientRequest request{"GET", s.base() + "/", {}, ""};
  request.headers.add("User-Agent", "doctor/1");
  EXPECT_NE(fetch(request).body.find("ua=doctor/1"), std::string::npos);
}

TEST(Client, RefusedConnectionAndBadUrlsAreClientErrorsThatNameTheProblem) {
  try {
    fetch({"GET", "http://127.0.0.1:1/path"});
    FAIL() << "a refused connection must throw";
  } catch (const ClientError& e) {
    EXPECT_NE(std::string(e.what()).find("http://127.0.0.1:1/path"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fetch({"GET", "ftp://127.0.0.1/"}), ClientError);
  EXPECT_THROW(fetch({"GET", "not a url"}), ClientError);
}

TEST(Client, SilentServerIsATimeoutNotAHang) {
  // The server answers only once the client has given up: without the deadline, fetch would never return.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Running s({}, [released](const Request&) {
    released.wait();
    return Response::text(200, "late");
  });
  EXPECT_THROW(fetch({"GET", s.base() + "/"}, {.timeout = std::chrono::milliseconds(200)}), ClientError);
  release.set_value();
}

TEST(Client, HttpsVerifiesTheServerAgainstTheGivenCaAndTheHostName) {
  testing::TempDir dir;
  auto tls = ensure_local_tls(dir.path());
  ServerOptions o;
  o.tls = tls.server;
  Running s(o, echo_head);
  ClientOptions trusting{.ca_file = tls.ca_certificate.string()};
  EXPECT_EQ(fetch({"GET", s.base("localhost", "https") + "/"}, trusting).status, 201);
  EXPECT_EQ(fetch({"GET", s.base("127.0.0.1", "https") + "/"}, trusting).status, 201) << "IP addresses are in the SAN";
  EXPECT_THROW(fetch({"GET", s.base("localhost", "https") + "/"}), ClientError) << "unknown CA";
  EXPECT_THROW(fetch({"GET", s.base("localhost", "http") + "/"}, trusting), ClientError) << "plain HTTP to TLS";
}

}  // namespace
}  // namespace mcpgate::http
