// The benchmark's own load tools, for what wrk cannot do: thousands of long-lived SSE streams
// with per-event latency, an SSE upstream that stamps each event, sign-ins of many users, and
// requests that each carry a different user's token (the On-Behalf-Of miss path).
//   mcpgate_bench sse-upstream --port-file F [--interval-ms 1000]
//   mcpgate_bench sse-clients --port P --path /x/sse --token T --streams N --seconds S [--rss-pid PID]
//   mcpgate_bench sign-in --idp URL --tenant TID --client-id ID --scope S --users FILE --out FILE [--workers 4]
//   mcpgate_bench distinct-users --port P --path /x/mcp --tokens FILE [--concurrency 32]
//   mcpgate_bench same-user --port P --path /x/mcp --token T --concurrency 32
//   mcpgate_bench wait-ready --port-file F --since-ns T   (T: CLOCK_REALTIME of the start, date +%s%N)
// Every subcommand prints one line of JSON on standard output.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "common/files.hpp"
#include "http/async.hpp"
#include "http/client.hpp"
#include "support/idp_client.hpp"

using namespace mcpgate;
namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Args {
  std::map<std::string, std::string> values;
  Args(int argc, char** argv, int first) {
    for (int i = first; i + 1 < argc; i += 2) values[argv[i]] = argv[i + 1];
  }
  std::string str(const std::string& k, const std::string& fallback = "") const {
    auto it = values.find(k);
    if (it != values.end()) return it->second;
    if (fallback.empty()) throw std::runtime_error("missing " + k);
    return fallback;
  }
  long num(const std::string& k, long fallback) const {
    auto it = values.find(k);
    return it == values.end() ? fallback : std::stol(it->second);
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(i), v.end());
  return v[i];
}

long rss_kib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// ---- sse-upstream --------------------------------------------------------------------------

// Each stream's events are spread over the interval so N streams make a steady N events/s
// rather than one burst per second; each event carries its send time (steady clock, shared by
// every process on the machine).
// clang-tidy 16 flags functions that merely contain a coroutine lambda; this is not a coroutine.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
int sse_upstream(const Args& a) {
  auto interval = std::chrono::milliseconds(a.num("--interval-ms", 1000));
  http::ServerOptions options;
  options.threads = int(a.num("--threads", 1));
  options.stop_on_signals = true;
  options.idle_timeout = std::chrono::hours(1);
  auto server = http::make_streaming_server(
      // The AsyncHandler signature: the connection's request and writer, awaited at once.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      options, [interval](http::Request& req, http::ResponseWriter& out) -> http::Task<void> {
        http::Headers h;
        h.add("Content-Type", "text/event-stream");
        h.add("Cache-Control", "no-cache");
        bool started = co_await out.start(200, h, std::nullopt);
        if (!started) co_return;
        thread_local std::minstd_rand rng{std::random_device{}()};
        asio::steady_timer timer(co_await asio::this_coro::executor);
        auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % interval.count());
        for (long n = 0;; ++n) {
          timer.expires_at(next);
          co_await timer.async_wait(as_tuple);
          next += interval;
          std::string event = "id: " + std::to_string(n) +
                              "\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                              "\"params\":{\"t\":" +
                              std::to_string(now_ns()) + "}}\n\n";
          bool written = co_await out.write(event);
          if (!written) break;
        }
      });
  write_file_atomically(a.str("--port-file"), std::to_string(server->port()) + "\n");
  server->run();
  return 0;
}

// ---- sse-clients ---------------------------------------------------------------------------

struct SseStats {
  std::vector<double> latencies_us;
  long open = 0, events = 0, failures = 0;
  bool measuring = false;
};

// The statistics outlive every stream: sse_clients() runs the io_context to the end.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
asio::awaitable<void> sse_stream(tcp::endpoint ep, std::string request, SseStats& stats,
                                 std::shared_ptr<asio::steady_timer> gate) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto [cec] = co_await socket.async_connect(ep, as_tuple);
  if (cec) {
    ++stats.failures;
    gate->cancel_one();
    co_return;
  }
  auto [wec, written] = co_await asio::async_write(socket, asio::buffer(request), as_tuple);
  if (wec) {
    ++stats.failures;
    gate->cancel_one();
    co_return;
  }
  std::string raw;      // as received: chunked transfer coding
  std::string pending;  // the event stream itself
  size_t chunk_left = 0;
  char buf[2048];
  bool counted = false;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), as_tuple);
    if (ec) break;
    int64_t received = now_ns();
    raw.append(buf, n);
    if (!counted) {
      auto head_end = raw.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      if (raw.rfind("HTTP/1.1 200", 0) != 0) break;
      raw.erase(0, head_end + 4);
      counted = true;
      ++stats.open;
      gate->cancel_one();
    }
    // Chunk boundaries fall anywhere, even inside a timestamp: decode before looking for events.
    for (;;) {
      if (chunk_left > 0) {
        size_t take = std::min(chunk_left, raw.size());
        pending.append(raw, 0, take);
        raw.erase(0, take);
        chunk_left -= take;
        if (chunk_left > 0) break;
        continue;
      }
      auto line_end = raw.find("\r\n");
      if (line_end == std::string::npos) break;
      if (line_end == 0) {  // the CRLF that ends a chunk's data
        raw.erase(0, 2);
        continue;
      }
      chunk_left = std::stoul(raw.substr(0, line_end), nullptr, 16);
      raw.erase(0, line_end + 2);
      if (chunk_left == 0) break;  // the last chunk
    }
    for (;;) {
      auto at = pending.find("\"t\":");
      if (at == std::string::npos) {
        if (pending.size() > 8) pending.erase(0, pending.size() - 8);
        break;
      }
      auto end = pending.find('}', at);
      if (end == std::string::npos) {
        pending.erase(0, at);
        break;
      }
      int64_t sent = std::stoll(pending.substr(at + 4, end - at - 4));
      if (stats.measuring) {
        stats.latencies_us.push_back(double(received - sent) / 1000.0);
        ++stats.events;
      }
      pending.erase(0, end + 1);
    }
  }
  if (counted)
    --stats.open;
  else {
    ++stats.failures;
    gate->cancel_one();
  }
}

// Opens the streams a few hundred at a time (a burst of 10k connects would only measure the
// listen backlog), waits for all to be open, then records event latencies for --seconds.
// Not a coroutine (see sse_upstream).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
int sse_clients(const Args& a) {
  long streams = a.num("--streams", 1000);
  long seconds = a.num("--seconds", 10);
  long pid = a.num("--rss-pid", 0);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), uint16_t(a.num("--port", 0)));
  std::string request = "GET " + a.str("--path") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (a.values.count("--token")) request += "Authorization: Bearer " + a.str("--token") + "\r\n";
  request += "\r\n";
  asio::io_context ioc(1);
  SseStats stats;
  long rss_before = pid ? rss_kib(pid) : 0;
  auto started = std::chrono::steady_clock::now();
  bool all_open = false;
  double open_seconds = 0;
  long rss_open = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto gate = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
        for (long i = 0; i < streams; ++i) {
          while (i - stats.open - stats.failures >= 256) {
            gate->expires_at(asio::steady_timer::time_point::max());
            co_await gate->async_wait(as_tuple);
          }
          asio::co_spawn(ex, sse_stream(ep, request, stats, gate), asio::detached);
        }
        asio::steady_timer t(ex);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (stats.open + stats.failures < streams && std::chrono::steady_clock::now() < deadline) {
          t.expires_after(std::chrono::milliseconds(20));
          co_await t.async_wait(as_tuple);
        }
        open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        all_open = stats.open == streams;
        // One interval for the first events of every stream to settle, then measure.
        t.expires_after(std::chrono::seconds(1));
        co_await t.async_wait(as_tuple);
        rss_open = pid ? rss_kib(pid) : 0;
        stats.measuring = true;
        t.expires_after(std::chrono::seconds(seconds));
        co_await t.async_wait(as_tuple);
        stats.measuring = false;
        ioc.stop();
      },
      asio::detached);
  ioc.run();
  long open = stats.open;
  json::object r{{"streams", streams},
                 {"open", open},
                 {"all_open", all_open},
                 {"failures", stats.failures},
                 {"open_seconds", open_seconds},
                 {"events", stats.events},
                 {"events_per_second", double(stats.events) / double(seconds)},
                 {"latency_p50_us", percentile(stats.latencies_us, 50)},
                 {"latency_p99_us", percentile(stats.latencies_us, 99)},
                 {"latency_p999_us", percentile(stats.latencies_us, 99.9)},
                 {"rss_before_kib", rss_before},
                 {"rss_open_kib", rss_open}};
  std::cout << json::serialize(r) << std::endl;
  return all_open ? 0 : 1;
}

// ---- sign-in -------------------------------------------------------------------------------

int sign_in_many(const Args& a) {
  std::vector<std::string> users;
  std::ifstream in(a.str("--users"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) users.push_back(line);
  std::vector<std::string> tokens(users.size());
  std::atomic<size_t> next{0};
  std::atomic<long> failed{0};
  std::vector<std::thread> workers;
  for (long w = 0; w < a.num("--workers", 4); ++w)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < users.size();) {
        try {
          tokens[i] =
              testing::sign_in(a.str("--idp"), users[i], a.str("--scope"), a.str("--client-id"), a.str("--tenant"));
        } catch (const std::exception& e) {
          if (failed++ == 0) std::cerr << e.what() << "\n";
        }
      }
    });
  for (auto& t : workers) t.join();
  std::ofstream out(a.str("--out"));
  for (auto& t : tokens) out << t << "\n";
  std::cout << json::serialize(
                   json::object{{"signed_in", long(users.size()) - failed.load()}, {"failed", failed.load()}})
            << std::endl;
  return failed ? 1 : 0;
}

// ---- distinct-users / same-user ------------------------------------------------------------

// A minimal keep-alive HTTP/1.1 client: sized responses only (what the gateway answers here).
struct KeepAlive {
  tcp::socket socket;
  std::string buffer;
  explicit KeepAlive(const asio::any_io_executor& ex) : socket(ex) {}

  // The request is the caller's, awaited at once.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  asio::awaitable<int> post(tcp::endpoint ep, const std::string& request) {
    if (!socket.is_open()) {
      auto [cec] = co_await socket.async_connect(ep, as_tuple);
      if (cec) co_return -1;
    }
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request), as_tuple);
    if (wec) co_return -1;
    size_t head_end;
    for (;;) {
      head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) break;
      char buf[4096];
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), as_tuple);
      if (ec) co_return -1;
      buffer.append(buf, n);
    }
    int status = std::stoi(buffer.substr(9, 3));
    size_t length = 0;
    auto cl = buffer.find("Content-Length: ");
    if (cl == std::string::npos || cl > head_end) cl = buffer.find("content-length: ");
    if (cl != std::string::npos && cl < head_end) length = std::stoul(buffer.substr(cl + 16));
    while (buffer.size() < head_end + 4 + length) {
      char buf[4096];
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), as_tuple);
      if (ec) co_return -1;
      buffer.append(buf, n);
    }
    buffer.erase(0, head_end + 4 + length);
    co_return status;
  }
};

const std::string kBody =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id","arguments":{"libraryName":"asio"}}})";

std::string mcp_request(const std::string& path, const std::string& token) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Accept: application/json, text/event-stream\r\nAuthorization: Bearer " +
         token + "\r\nContent-Length: " + std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
}

// Each request carries the next unused token, so each is an On-Behalf-Of miss.
// Not a coroutine (see sse_upstream).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
int distinct_users(const Args& a, bool same_user) {
  std::vector<std::string> tokens;
  if (same_user) {
    tokens.assign(size_t(a.num("--concurrency", 32)), a.str("--token"));
  } else {
    std::ifstream in(a.str("--tokens"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) tokens.push_back(line);
  }
  long concurrency = same_user ? long(tokens.size()) : a.num("--concurrency", 32);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), uint16_t(a.num("--port", 0)));
  std::string path = a.str("--path");
  asio::io_context ioc(1);
  size_t next = 0;
  long ok = 0, failed = 0;
  std::vector<double> latencies_ms;
  auto started = std::chrono::steady_clock::now();
  for (long w = 0; w < concurrency; ++w)
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          KeepAlive c(co_await asio::this_coro::executor);
          while (next < tokens.size()) {
            auto request = mcp_request(path, tokens[next++]);
            auto t0 = std::chrono::steady_clock::now();
            int status = co_await c.post(ep, request);
            latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            if (status == 200)
              ++ok;
            else {
              ++failed;
              c.socket.close();
              c.buffer.clear();
            }
          }
        },
        asio::detached);
  ioc.run();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json::object r{{"requests", long(tokens.size())},
                 {"ok", ok},
                 {"failed", failed},
                 {"seconds", seconds},
                 {"per_second", double(ok) / seconds},
                 {"latency_p50_ms", percentile(latencies_ms, 50)},
                 {"latency_p99_ms", percentile(latencies_ms, 99)}};
  std::cout << json::serialize(r) << std::endl;
  return failed ? 1 : 0;
}

// Start-up to ready, measured from outside like an orchestrator would, but polling every
// millisecond over loopback instead of forking curl (which alone takes tens of milliseconds).
// Not a coroutine (see sse_upstream).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
int wait_ready(const Args& a) {
  auto since = std::chrono::system_clock::time_point(std::chrono::nanoseconds(std::stoll(a.str("--since-ns"))));
  auto port_file = a.str("--port-file");
  asio::io_context ioc(1);
  double ready_ms = -1;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
          std::ifstream in(port_file);
          long port = 0;
          if (in >> port && port > 0) {
            KeepAlive c(co_await asio::this_coro::executor);
            tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), uint16_t(port));
            int status = co_await c.post(ep, "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            if (status == 200) {
              ready_ms = std::chrono::duration<double, std::milli>(std::chrono::system_clock::now() - since).count();
              co_return;
            }
          }
          t.expires_after(std::chrono::milliseconds(1));
          co_await t.async_wait(as_tuple);
        }
      },
      asio::detached);
  ioc.run();
  std::cout << json::serialize(json::object{{"ready_ms", ready_ms}}) << std::endl;
  return ready_ms < 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mcpgate_bench sse-upstream|sse-clients|sign-in|distinct-users|same-user --option value ...\n";
    return 2;
  }
  std::string cmd = argv[1];
  Args a(argc, argv, 2);
  try {
    if (cmd == "sse-upstream") return sse_upstream(a);
    if (cmd == "sse-clients") return sse_clients(a);
    if (cmd == "sign-in") return sign_in_many(a);
    if (cmd == "distinct-users") return distinct_users(a, false);
    if (cmd == "same-user") return distinct_users(a, true);
    if (cmd == "wait-ready") return wait_ready(a);
  } catch (const std::exception& e) {
    std::cerr << cmd << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown subcommand " << cmd << "\n";
  return 2;
}
