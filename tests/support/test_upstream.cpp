// A real upstream process for gateway tests: it reports what reached it and streams SSE on
// command, so tests can observe forwarding, streaming and cancellation from the outside.
//   mcpgate_test_upstream --port-file F
// POST <any path>        → JSON: path, query, decoded bearer claims, headers, body
// GET /sse?events=N&interval_ms=M&hold=1
//                        → text/event-stream: one event at once; with hold=1 the rest only after
//                          POST /release; events=0 streams until the client leaves
// GET /stats             → {"requests":…, "open_streams":…, "streams_ended_by_client":…}
#include <atomic>
#include <fstream>
#include <iostream>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "common/files.hpp"
#include "http/async.hpp"
#include "http/form.hpp"

using namespace mcpgate;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::atomic<long> requests{0}, open_streams{0}, ended_by_client{0};
std::atomic<bool> released{false};

http::Task<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

http::Task<void> stream(http::Request& req, http::ResponseWriter& out) {
  auto q = http::parse_form(req.query);
  long events = std::stol(std::string(q->get("events").value_or("3")));
  long interval = std::stol(std::string(q->get("interval_ms").value_or("10")));
  bool hold = q->get("hold") == "1";
  http::Headers h;
  h.add("Content-Type", "text/event-stream");
  h.add("Mcp-Session-Id", "upstream-session");
  bool started = co_await out.start(200, h, std::nullopt);
  if (!started) co_return;
  ++open_streams;
  bool client_left = false;
  for (long i = 0; events == 0 || i < events; ++i) {
    if (i == 1 && hold)
      while (!released.load()) co_await sleep_for(std::chrono::milliseconds(5));
    if (i > 0) co_await sleep_for(std::chrono::milliseconds(interval));
    std::string event = "id: " + std::to_string(i) + "\nevent: message\ndata: {\"n\":" + std::to_string(i) + "}\n\n";
    bool written = co_await out.write(event);
    if (!written) {
      client_left = true;
      break;
    }
  }
  if (!client_left) co_await out.finish();
  --open_streams;
  if (client_left) ++ended_by_client;
}

http::Response describe(const http::Request& req) {
  json::object headers;
  for (auto [n, v] : req.headers.fields()) {
    auto key = std::string(n);
    for (auto& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
    headers[key] = v;
  }
  json::object claims;
  if (auto a = req.header("Authorization"); a && a->rfind("Bearer ", 0) == 0)
    if (auto jwt = auth::parse_jwt(a->substr(7))) claims = jwt->payload;
  return http::Response::json(
      200, json::object{
               {"path", req.path}, {"query", req.query}, {"claims", claims}, {"headers", headers}, {"body", req.body}});
}

http::Response stats() {
  return http::Response::json(200, json::object{{"requests", requests.load()},
                                                {"open_streams", open_streams.load()},
                                                {"streams_ended_by_client", ended_by_client.load()}});
}

}  // namespace

int main(int argc, char** argv) {
  std::string port_file;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--port-file") port_file = argv[i + 1];
  http::ServerOptions options;
  options.threads = 2;
  options.stop_on_signals = true;
  auto server =
      http::make_streaming_server(options, [](http::Request& req, http::ResponseWriter& out) -> http::Task<void> {
        ++requests;
        if (req.path == "/sse") {
          co_await stream(req, out);
          co_return;
        }
        // (Responses are built outside the coroutine: GCC 12 miscompiles braced JSON literals in one.)
        if (req.path == "/stats") {
          co_await out.send(stats());
          co_return;
        }
        if (req.path == "/release") {
          released = true;
          co_await out.send(stats());
          co_return;
        }
        co_await out.send(describe(req));
      });
  if (!port_file.empty()) write_file_atomically(port_file, std::to_string(server->port()) + "\n");
  std::cerr << "test upstream on port " << server->port() << "\n";
  server->run();
}
