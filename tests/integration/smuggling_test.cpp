// Differential smuggling test: the real gateway in front of nginx and in front of a raw capture
// server, fed a table of ambiguous requests (Content-Length/Transfer-Encoding combinations,
// obfuscated Transfer-Encoding, bare LF, Host variants, dot segments, absolute-form), each with a
// second request hidden behind its body. For every case the gateway must refuse it, or forward
// exactly one unambiguous request; the hidden one must never reach either upstream, and the
// client must never get a second answer.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/files.hpp"
#include "gateway_yaml.hpp"
#include "http/client.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace asio = boost::asio;
using namespace testing;
using namespace std::chrono_literals;

constexpr const char* kHidden = "/smuggled";

// Records every request it reads (Content-Length framing, as the gateway forwards) and answers
// each with a small 200.
class CaptureUpstream {
 public:
  CaptureUpstream() {
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~CaptureUpstream() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    std::lock_guard guard(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : threads_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> heads() {
    std::lock_guard guard(mutex_);
    return heads_;
  }
  std::string raw() {
    std::lock_guard guard(mutex_);
    return raw_;
  }

 private:
  void accept_loop() {
    for (;;) {
      auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) return;
      std::lock_guard guard(mutex_);
      fds_.push_back(socket->native_handle());
      threads_.emplace_back([this, socket] { serve(*socket); });
    }
  }
  void serve(asio::ip::tcp::socket& socket) {
    std::string buffer;
    boost::system::error_code ec;
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        char chunk[8192];
        size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
        std::lock_guard guard(mutex_);
        raw_.append(chunk, n);
      }
      std::string head = buffer.substr(0, head_end), lower = head;
      for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      size_t length = 0;
      if (auto at = lower.find("content-length:"); at != std::string::npos) length = std::stoul(lower.substr(at + 15));
      while (buffer.size() < head_end + 4 + length) {
        char chunk[8192];
        size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
        std::lock_guard guard(mutex_);
        raw_.append(chunk, n);
      }
      buffer.erase(0, head_end + 4 + length);
      {
        std::lock_guard guard(mutex_);
        heads_.push_back(head);
      }
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
      asio::write(socket, asio::buffer(answer), ec);
      if (ec) return;
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_, asio::ip::tcp::v4()};
  std::mutex mutex_;
  std::vector<std::string> heads_;
  std::string raw_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// nginx (Debian's nginx-light) answering every request with 200, logging each request line.
class Nginx {
 public:
  explicit Nginx(const std::filesystem::path& dir) : dir_(dir) {
    port_ = free_port();
    write_file_atomically(dir / "nginx.conf", "daemon off;\nworker_processes 1;\npid " + (dir / "nginx.pid").string() +
                                                  ";\nerror_log " + (dir / "error.log").string() +
                                                  ";\nevents {}\nhttp {\n  log_format line '$request';\n  access_log " +
                                                  (dir / "access.log").string() + " line;\n  client_body_temp_path " +
                                                  dir.string() +
                                                  ";\n  server {\n    listen 127.0.0.1:" + std::to_string(port_) +
                                                  ";\n    location / { return 200 '{}'; }\n  }\n}\n");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("nginx", "nginx", "-c", (dir / "nginx.conf").c_str(), "-p", dir.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  bool ready() {
    try {
      return http::fetch({"GET", "http://127.0.0.1:" + std::to_string(port_) + "/"}).status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }
  std::string log() { return read_file(dir_ / "access.log").value_or(""); }

 private:
  static int free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

bool nginx_installed() { return ::system("command -v nginx >/dev/null 2>&1") == 0; }

std::string gateway_yaml(int idp_port, int capture_port, int nginx_port) {
  return demo_gateway_yaml(idp_port, demo_route_yaml("/cap", "http://127.0.0.1:" + std::to_string(capture_port)) +
                                         demo_route_yaml("/ngx", "http://127.0.0.1:" + std::to_string(nginx_port)));
}

struct Case {
  std::string name;
  std::string bytes;  // {P} is the route prefix, {T} the token; a hidden request follows
};

std::vector<Case> cases() {
  const std::string auth = "Authorization: Bearer {T}\r\n";
  // Without a token: seen by the gateway as a request of its own, it gets the gateway's 401 and
  // goes nowhere; only bytes forwarded blindly could carry it to an upstream.
  const std::string hidden =
      std::string("GET {P}") + kHidden + " HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n";
  auto post = [&](const std::string& headers, const std::string& body) {
    return "POST {P}/mcp HTTP/1.1\r\nHost: gateway.test\r\n" + auth + headers + "\r\n" + body + hidden;
  };
  return {
      {"plain, the control", post("Content-Length: 2\r\n", "{}")},
      {"CL then TE", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")},
      {"TE then CL", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n")},
      {"TE xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n")},
      {"TE chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n")},
      {"TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")},
      {"TE twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "0\r\n\r\n")},
      {"TE with a tab", post("Transfer-Encoding:\tchunked\r\n", "2\r\n{}\r\n0\r\n\r\n")},
      {"TE chunked, a valid chunked body", post("Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n")},
      {"two different CL", post("Content-Length: 2\r\nContent-Length: 40\r\n", "{}")},
      {"two equal CL", post("Content-Length: 2\r\nContent-Length: 2\r\n", "{}")},
      {"CL list", post("Content-Length: 2, 2\r\n", "{}")},
      {"CL with a sign", post("Content-Length: +2\r\n", "{}")},
      {"bare LF",
       "POST {P}/mcp HTTP/1.1\nHost: gateway.test\nAuthorization: Bearer {T}\nContent-Length: 2\n\n{}" + hidden},
      {"obs-fold", post("X-A: a\r\n folded\r\nContent-Length: 2\r\n", "{}")},
      {"no Host", "POST {P}/mcp HTTP/1.1\r\n" + auth + "Content-Length: 2\r\n\r\n{}" + hidden},
      {"two Hosts", post("Host: other.test\r\nContent-Length: 2\r\n", "{}")},
      {"Host with a path",
       "POST {P}/mcp HTTP/1.1\r\nHost: gateway.test/x\r\n" + auth + "Content-Length: 2\r\n\r\n{}" + hidden},
      {"dot segments out of the route",
       "POST {P}/mcp/../../admin HTTP/1.1\r\nHost: gateway.test\r\n" + auth + "Content-Length: 2\r\n\r\n{}" + hidden},
      {"encoded dot segments", "POST {P}/mcp/%2e%2e/%2e%2e/admin HTTP/1.1\r\nHost: gateway.test\r\n" + auth +
                                   "Content-Length: 2\r\n\r\n{}" + hidden},
      {"encoded slash",
       "POST {P}%2Fmcp HTTP/1.1\r\nHost: gateway.test\r\n" + auth + "Content-Length: 2\r\n\r\n{}" + hidden},
      {"absolute-form", "POST http://evil.test{P}/mcp HTTP/1.1\r\nHost: gateway.test\r\n" + auth +
                            "Content-Length: 2\r\n\r\n{}" + hidden},
      {"HTTP/1.0 chunked", "POST {P}/mcp HTTP/1.0\r\nHost: gateway.test\r\n" + auth +
                               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden},
      {"Expect other than 100-continue", post("Expect: 200-ok\r\nContent-Length: 2\r\n", "{}")},
  };
}

std::string filled(std::string bytes, const std::string& prefix, const std::string& token) {
  for (size_t at; (at = bytes.find("{P}")) != std::string::npos;) bytes.replace(at, 3, prefix);
  for (size_t at; (at = bytes.find("{T}")) != std::string::npos;) bytes.replace(at, 3, token);
  return bytes;
}

// Status lines, not the words "HTTP/1.1" inside a message.
int responses(const std::string& received) {
  int n = 0;
  for (size_t at = received.find("HTTP/1."); at != std::string::npos; at = received.find("HTTP/1.", at + 1))
    if (at + 12 < received.size() && std::isdigit(static_cast<unsigned char>(received[at + 9])) &&
        received[at + 12] == ' ')
      ++n;
  return n;
}

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(Smuggling, EveryAmbiguousRequestIsRefusedOrForwardedExactlyOnce) {
  if (!nginx_installed()) GTEST_SKIP() << "nginx is not installed (scripts/bootstrap.sh installs nginx-light)";
  TempDir dir;
  ::setenv("MCPGATE_TEST_GATEWAY_SECRET", kDemoGatewaySecret, 1);
  auto idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
  std::string idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
  CaptureUpstream capture;
  std::filesystem::create_directories(dir / "nginx");
  Nginx nginx(dir / "nginx");
  ASSERT_TRUE(eventually([&] { return nginx.ready(); })) << read_file(dir / "nginx" / "error.log").value_or("");
  write_file_atomically(dir / "gateway.yaml", gateway_yaml(idp.port, capture.port(), nginx.port()));
  auto gateway = start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path());
  std::string base = "http://127.0.0.1:" + std::to_string(gateway.port);
  ASSERT_TRUE(eventually([&] { return http::fetch({"GET", base + "/readyz"}).status == 200; }));
  auto token = gateway_token(idp_base, "alice@contoso.dev");

  int forwarded = 0, refused = 0;
  for (const auto& c : cases()) {
    for (std::string prefix : {"/cap", "/ngx"}) {
      SCOPED_TRACE(c.name + " via " + prefix);
      size_t capture_before = capture.heads().size();
      int nginx_before = count(nginx.log(), "\n");
      RawConnection client(gateway.port);
      client.send(filled(c.bytes, prefix, token));
      client.read_until_closed(10s);
      const std::string& answer = client.received();
      int answers = responses(answer);
      ASSERT_GE(answers, 1) << "no answer at all";
      int status = std::atoi(answer.c_str() + 9);
      if (status == 400 || status == 417) {
        EXPECT_EQ(answers, 1) << "after a framing refusal nothing more is read from the connection: " << answer;
      } else {
        // An unambiguous request (forwarded, or answered 404/401 by the gateway): the bytes after
        // it are a second, pipelined request, which the gateway itself refuses (no token).
        EXPECT_LE(answers, 2) << answer;
        if (answers == 2) EXPECT_NE(answer.find("HTTP/1.1 401", 1), std::string::npos) << answer;
      }
      size_t capture_after = 0;
      int nginx_after = 0;
      // The upstream's view, once the exchange is over (polled: nginx writes its log after answering).
      eventually(
          [&] {
            capture_after = capture.heads().size();
            nginx_after = count(nginx.log(), "\n");
            int seen = prefix == "/cap" ? int(capture_after - capture_before) : nginx_after - nginx_before;
            return status != 200 || seen >= 1;
          },
          2s);
      int seen = prefix == "/cap" ? int(capture_after - capture_before) : nginx_after - nginx_before;
      if (status == 200) {
        ++forwarded;
        EXPECT_EQ(seen, 1) << "a forwarded request reaches the upstream exactly once";
      } else {
        ++refused;
        EXPECT_GE(status, 400) << answer;
        EXPECT_EQ(seen, 0) << "a refused request reaches no upstream";
      }
    }
  }
  EXPECT_EQ(capture.raw().find(kHidden), std::string::npos) << "the hidden request reached the capture server";
  EXPECT_EQ(nginx.log().find(kHidden), std::string::npos) << "the hidden request reached nginx:\n" << nginx.log();
  for (const auto& head : capture.heads()) {
    std::string lower = head;
    for (auto& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(lower.find("transfer-encoding"), std::string::npos) << "forwarded with one framing only: " << head;
    EXPECT_EQ(lower.find("expect:"), std::string::npos) << head;
  }
  EXPECT_GE(forwarded, 4) << "the unambiguous cases are forwarded";
  std::cout << "smuggling: " << cases().size() << " cases x 2 upstreams: " << forwarded << " forwarded once, "
            << refused << " refused, hidden request seen by no upstream\n";
}

}  // namespace
}  // namespace mcpgate
