// The gateway's first promise under stress: one user's answer never reaches another. Two users,
// several client threads each, thousands of requests mixing what once swapped answers between
// users or could: `Expect: 100-continue`, pipelined requests, large bodies, clients that hang up
// early, and an upstream that sends interim 100/103 answers before every response and breaks
// some connections mid-answer. Every answer that arrives must carry its own request's JSON-RPC id
// and its own sender's oid (from the On-Behalf-Of token the upstream received).
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
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
namespace json = boost::json;
using namespace testing;
using namespace std::chrono_literals;

// An upstream that misbehaves within the rules: each response is preceded by interim answers,
// and a request whose id ends in 7 gets half an answer and a closed connection. It echoes the
// JSON-RPC id and the oid of the bearer token it received. One thread per connection.
class HostileUpstream {
 public:
  HostileUpstream() {
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~HostileUpstream() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    std::lock_guard guard(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : connection_threads_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  long requests() const { return requests_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) return;
      std::lock_guard guard(mutex_);
      open_fds_.push_back(socket->native_handle());
      connection_threads_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  static std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void serve(asio::ip::tcp::socket& socket) {
    std::string buffer;
    boost::system::error_code ec;
    auto fill = [&](size_t want) {
      while (buffer.size() < want && !ec) {
        char chunk[16384];
        size_t n = socket.read_some(asio::buffer(chunk), ec);
        buffer.append(chunk, n);
      }
      return !ec;
    };
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos)
        if (!fill(buffer.size() + 1)) return;
      std::string head = lower(buffer.substr(0, head_end));
      size_t length = 0;
      if (auto at = head.find("content-length:"); at != std::string::npos) length = std::stoul(head.substr(at + 15));
      if (!fill(head_end + 4 + length)) return;
      std::string original_head = buffer.substr(0, head_end);
      std::string body = buffer.substr(head_end + 4, length);
      buffer.erase(0, head_end + 4 + length);
      ++requests_;
      std::string oid = "?";
      if (auto at = lower(original_head).find("authorization: bearer "); at != std::string::npos) {
        auto token = original_head.substr(at + 22, original_head.find("\r\n", at) - at - 22);
        if (auto jwt = auth::parse_jwt(token)) oid = jwt->claim_string("oid").value_or("?");
      }
      json::value id = nullptr;
      boost::system::error_code parse_ec;
      auto message = json::parse(body, parse_ec);
      if (!parse_ec && message.is_object() && message.as_object().contains("id")) id = message.as_object().at("id");
      auto answer =
          json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", json::object{{"oid", oid}}}});
      std::string bytes = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n";
      bool breaks = id.is_int64() && id.as_int64() % 10 == 7;
      bytes += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(answer.size()) +
               "\r\n\r\n" + (breaks ? answer.substr(0, answer.size() / 2) : answer);
      asio::write(socket, asio::buffer(bytes), ec);
      if (ec || breaks) return;
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_, asio::ip::tcp::v4()};
  std::atomic<bool> stopping_{false};
  std::atomic<long> requests_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::thread accept_thread_;
};

std::string gateway_yaml(int idp_port, int upstream_port) {
  return demo_gateway_yaml(idp_port, demo_route_yaml("/context7", "http://127.0.0.1:" + std::to_string(upstream_port)),
                           "off", "threads: 2\n");
}

struct Tally {
  std::atomic<long> answered{0}, upstream_broke{0}, cut{0}, hung_up{0}, mismatched{0};
  std::mutex mutex;
  std::vector<std::string> mismatches;
  void mismatch(std::string what) {
    ++mismatched;
    std::lock_guard guard(mutex);
    if (mismatches.size() < 10) mismatches.push_back(std::move(what));
  }
};

// Reads the responses in `received` one by one (status line, Content-Length, body). Every
// complete 200 answer must carry `oid` and the next of `ids`, in order.
void check_answers(const std::string& received, const std::string& oid, const std::vector<long>& ids, Tally& tally) {
  size_t at = 0, next_id = 0;
  while ((at = received.find("HTTP/1.1 ", at)) != std::string::npos) {
    auto head_end = received.find("\r\n\r\n", at);
    if (head_end == std::string::npos) break;
    int status = std::atoi(received.c_str() + at + 9);
    std::string head = received.substr(at, head_end - at);
    for (auto& ch : head) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    size_t length = 0;
    if (auto cl = head.find("content-length:"); cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
    at = head_end + 4;
    if (status < 200) continue;  // the gateway's own 100 Continue
    std::string body = received.substr(at, length);
    at += body.size();
    if (status == 200 && body.size() < length) ++tally.cut;  // the upstream broke off mid-answer
    if (status != 200 || body.size() < length) continue;
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    const json::value* result = o ? o->if_contains("result") : nullptr;
    std::string got_oid = result && result->is_object() && result->as_object().contains("oid")
                              ? std::string(result->as_object().at("oid").as_string())
                              : "(none)";
    long got_id = o && o->contains("id") && o->at("id").is_int64() ? long(o->at("id").as_int64()) : -1;
    if (next_id >= ids.size() || got_oid != oid || got_id != ids[next_id])
      tally.mismatch("sent id " + (next_id < ids.size() ? std::to_string(ids[next_id]) : std::string("(none)")) +
                     " as " + oid + ", got " + body);
    ++next_id;
    ++tally.answered;
  }
}

std::string post(const std::string& token, long id, size_t padding, bool expect, bool close) {
  std::string body = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                     R"(,"method":"tools/call","params":{"name":"query-docs","arguments":{"pad":")" +
                     std::string(padding, 'p') + "\"}}}";
  return "POST /context7/mcp HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
         (expect ? "Expect: 100-continue\r\n" : "") + (close ? "Connection: close\r\n" : "") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(Isolation, EveryAnswerReachesItsOwnSender) {
  TempDir dir;
  ::setenv("MCPGATE_TEST_GATEWAY_SECRET", kDemoGatewaySecret, 1);
  auto idp = start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
  std::string idp_base = "http://127.0.0.1:" + std::to_string(idp.port);
  HostileUpstream upstream;
  write_file_atomically(dir / "gateway.yaml", gateway_yaml(idp.port, upstream.port()));
  auto gateway = start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path());
  std::string base = "http://127.0.0.1:" + std::to_string(gateway.port);
  ASSERT_TRUE(eventually([&] { return http::fetch({"GET", base + "/readyz"}).status == 200; }));

  struct User {
    std::string oid, token;
  };
  std::vector<User> users{{kAliceOid, gateway_token(idp_base, "alice@contoso.dev")},
                          {kBobOid, gateway_token(idp_base, "bob@contoso.dev")}};
  Tally tally;
  constexpr int kThreadsPerUser = 3;
  constexpr int kRoundsPerThread = 300;  // each round: 1 to 3 requests
  std::atomic<long> next_id{1};
  std::vector<std::thread> clients;
  for (size_t u = 0; u < users.size(); ++u)
    for (int t = 0; t < kThreadsPerUser; ++t)
      clients.emplace_back([&, u, t] {
        std::mt19937 random(unsigned(u * 100 + t));
        const auto& user = users[u];
        for (int round = 0; round < kRoundsPerThread; ++round) {
          int kind = int(random() % 5);
          RawConnection c(gateway.port);
          std::vector<long> ids;
          if (kind == 0) {  // Expect: 100-continue, the body only after the interim answer
            long id = next_id++;
            ids.push_back(id);
            auto request = post(user.token, id, 64, true, true);
            auto split = request.find("\r\n\r\n") + 4;
            c.send(request.substr(0, split));
            if (!c.read_until("100 Continue\r\n\r\n", 5s)) tally.mismatch("no 100 Continue for " + user.oid);
            c.send(request.substr(split));
          } else if (kind == 1) {  // three pipelined requests in one write
            std::string bytes;
            for (int i = 0; i < 3; ++i) {
              long id = next_id++;
              ids.push_back(id);
              bytes += post(user.token, id, 32, false, i == 2);
            }
            c.send(bytes);
          } else if (kind == 2) {  // a large body
            long id = next_id++;
            ids.push_back(id);
            c.send(post(user.token, id, 512 * 1024, false, true));
          } else if (kind == 3) {  // hangs up before the answer
            c.send(post(user.token, next_id++, 16, false, false));
            c.close();
            ++tally.hung_up;
            continue;
          } else {  // Expect without waiting for 100, as impatient clients do
            long id = next_id++;
            ids.push_back(id);
            c.send(post(user.token, id, 128, true, true));
          }
          c.read_until_closed(10s);
          const auto& received = c.received();
          if (received.find("HTTP/1.1 502") != std::string::npos) ++tally.upstream_broke;
          check_answers(received, user.oid, ids, tally);
        }
      });
  for (auto& t : clients) t.join();

  std::string examples;
  for (auto& m : tally.mismatches) examples += "\n  " + m;
  EXPECT_EQ(tally.mismatched.load(), 0) << "answers that reached the wrong request or user:" << examples;
  // The upstream breaks one request in ten: most answers arrive, and those that do not are not swapped.
  EXPECT_GT(tally.answered.load(), 1500) << "too few answers to mean anything";
  std::cout << "isolation: " << tally.answered << " answers checked, " << tally.upstream_broke << " answered 502, "
            << tally.cut << " cut off by the upstream mid-answer, " << tally.hung_up << " client hang-ups, "
            << upstream.requests() << " requests reached the upstream\n";
}

}  // namespace
}  // namespace mcpgate
