#include "http/server.hpp"

#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "http/async.hpp"
#include "http/beast_pch.hpp"
#include "http/framing.hpp"

namespace mcpgate::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple = asio::as_tuple(use_awaitable);

// What a stop leaves to requests still running after shutdown_grace: streams are told to end
// and get this long to write their last event and close cleanly before everything is cut.
constexpr std::chrono::milliseconds kStreamEndAllowance{1000};

namespace {

Response default_error(int status, std::string_view message) {
  return Response::text(status, std::string(message) + "\n");
}

// The request as handlers see it, without its body (which is read only once the head passed).
Request request_head(const bhttp::request<bhttp::string_body>& in, std::string_view scheme, const std::string& remote) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (auto& f : in) r.headers.add(std::string(f.name_string()), std::string(f.value()));
  r.scheme = std::string(scheme);
  r.remote_address = remote;
  return r;
}

RequestHead framing_view(const bhttp::request<bhttp::string_body>& in) {
  RequestHead head{in.method_string(), in.target(), in.version(), {}};
  for (auto& f : in) head.fields.emplace_back(f.name_string(), f.value());
  return head;
}

bhttp::response<bhttp::string_body> to_beast(Response&& in, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(in.status), version};
  for (auto& [name, value] : in.headers.fields()) out.insert(name, value);
  if (out.find(bhttp::field::cache_control) == out.end()) out.set(bhttp::field::cache_control, "no-store");
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

std::string serialize_head(bhttp::response<bhttp::empty_body>& head) {
  std::string out;
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  serializer.split(true);
  boost::system::error_code ec;
  while (!ec && !serializer.is_header_done())
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (auto b : beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      serializer.consume(beast::buffer_bytes(buffers));
    });
  return out;
}

// The head Beast would write for a sized HTTP/1.1 answer whose fields say nothing about framing,
// built directly (Beast's serializer costs more than the answer's own bytes); nullopt otherwise.
// A field that would end the line it is written on (CR, LF) or be cut short (NUL): written, it
// would let whoever chose its value add headers or a whole response (response splitting).
// Checked on every answer, so byte by byte: one comparison per byte in the common case
// (find_first_of with a set calls memchr per byte).
bool breaks_line(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 && (c == '\r' || c == '\n' || c == '\0')) return true;
  return false;
}
bool unsafe_field(std::string_view name, std::string_view value) { return breaks_line(name) || breaks_line(value); }

std::optional<std::string> plain_head(int status, unsigned version, const Headers& headers, size_t content_length,
                                      bool keep_alive) {
  if (version != 11 || bhttp::int_to_status(unsigned(status)) == bhttp::status::unknown) return std::nullopt;
  bool cache_control = false;
  size_t size = 96;
  for (auto& [n, v] : headers.fields()) {
    if (iequals(n, "Content-Length") || iequals(n, "Transfer-Encoding") || iequals(n, "Connection"))
      return std::nullopt;
    cache_control = cache_control || iequals(n, "Cache-Control");
    size += n.size() + v.size() + 4;
  }
  std::string out;
  out.reserve(size);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(status))).append("\r\n");
  for (auto& [n, v] : headers.fields()) out.append(n).append(": ").append(v).append("\r\n");
  if (!cache_control) out.append("Cache-Control: no-store\r\n");
  out.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  return out;
}

int status_for_read_error(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return 408;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == boost::system::error_code(bhttp::error::bad_target).category()) return 400;
  return 0;  // a transport failure: nobody to answer
}

// A request's read deadline, shared with its timer's handler (see Server::Impl::serve).
struct DeadlineState {
  bool late = false;
  bool done = false;
};
struct MarkDone {
  std::shared_ptr<DeadlineState> state;
  ~MarkDone() { state->done = true; }
};

// How a stopping server reaches one connection from another thread. Its fields are touched only
// on the connection's executor (stop() posts its actions there), so they need no lock.
struct ConnectionControl {
  explicit ConnectionControl(const asio::any_io_executor& executor)
      : executor(executor), end_streams(executor, asio::steady_timer::time_point::max()) {}
  asio::any_io_executor executor;
  bool idle = false;                   // waiting for the next request, nothing read of it yet
  std::function<void()> cancel_reads;  // set by serve(): cancels the socket's pending read
  asio::steady_timer end_streams;      // cancelled when streams must end (shutdown_grace is over)
};

// The server's state as a stopping connection sees it.
struct StopState {
  std::atomic<bool> draining{false};        // no new request, no more keep-alive
  std::atomic<bool> ending_streams{false};  // shutdown_grace is over: streams end now
};

// Writes one response on a connection, at once or as a stream.
template <class Stream>
class StreamWriter final : public ResponseWriter {
 public:
  StreamWriter(Stream& stream, beast::flat_buffer& buffer, unsigned version, bool keep_alive,
               std::chrono::milliseconds write_timeout, const StopState& stop, ConnectionControl& control)
      : stream_(stream),
        buffer_(buffer),
        version_(version),
        keep_alive_(keep_alive),
        write_timeout_(write_timeout),
        stop_(stop),
        control_(control) {}

  // Headers by reference on the hot path: every caller awaits at once with headers it owns.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<bool> start(int status, const Headers& given, std::optional<size_t> content_length) override {
    if (started_) co_return false;
    started_ = true;
    // No handler may write a field that breaks the head, whatever value reached it.
    Headers cleaned;
    bool unsafe = false;
    for (const auto& [name, value] : given.fields()) unsafe = unsafe || unsafe_field(name, value);
    if (unsafe) {
      for (const auto& [name, value] : given.fields())
        if (!unsafe_field(name, value)) cleaned.add(name, value);
      spdlog::warn("dropped a response header field holding CR, LF or NUL");
    }
    const Headers& headers = unsafe ? cleaned : given;
    // A draining server answers what it has begun and says it will read nothing more.
    keep_alive_ = keep_alive_ && !stop_.draining.load();
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(status), version_};
    for (auto& [name, value] : headers.fields()) head.insert(name, value);
    if (head.find(bhttp::field::cache_control) == head.end()) head.set(bhttp::field::cache_control, "no-store");
    if (content_length)
      head.content_length(*content_length);
    else
      head.chunked(true);
    head.keep_alive(keep_alive_);
    chunked_ = !content_length;
    // A stream may stay quiet for a long time; only whole responses get a write deadline, and
    // a stalled reader of a stream is detected by TCP keep-alive instead.
    if (chunked_)
      beast::get_lowest_layer(stream_).expires_never();
    else
      beast::get_lowest_layer(stream_).expires_after(write_timeout_);
    if (!chunked_) {
      // A sized answer's head waits for its body and leaves in the same write: one send
      // (and one wake-up of the client) per response instead of two.
      auto plain = plain_head(status, version_, headers, *content_length, keep_alive_);
      pending_head_ = plain ? std::move(*plain) : serialize_head(head);
      co_return ok_;
    }
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, as_tuple);
    ok_ = !ec;
    co_return ok_;
  }

  Task<bool> write(std::string_view data) override {
    if (!ok_ || data.empty()) co_return ok_;
    boost::system::error_code ec;
    if (!pending_head_.empty()) {
      std::array<asio::const_buffer, 2> both{asio::buffer(pending_head_), asio::buffer(data)};
      auto [result_ec, result_n] = co_await asio::async_write(stream_, both, as_tuple);
      ec = result_ec;
      pending_head_.clear();
    } else if (chunked_) {
      auto chunk = bhttp::make_chunk(asio::buffer(data));
      auto [result_ec, result_n] = co_await asio::async_write(stream_, chunk, as_tuple);
      ec = result_ec;
    } else {
      auto [result_ec, result_n] = co_await asio::async_write(stream_, asio::buffer(data), as_tuple);
      ec = result_ec;
    }
    ok_ = !ec;
    co_return ok_;
  }

  Task<bool> finish() override {
    if (!ok_) co_return false;
    if (!pending_head_.empty()) {  // a sized answer with an empty body
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(pending_head_), as_tuple);
      pending_head_.clear();
      ok_ = !ec;
    }
    if (ok_ && chunked_) {
      auto last = bhttp::make_chunk_last();
      auto [ec, n] = co_await asio::async_write(stream_, last, as_tuple);
      ok_ = !ec;
    }
    finished_ = ok_;
    co_return ok_;
  }

  Task<void> client_gone() override {
    if (stop_.ending_streams.load()) {
      shutting_down_ = true;
      co_return;
    }
    auto first = co_await (watch_client() || control_.end_streams.async_wait(as_tuple));
    shutting_down_ = first.index() == 1;
  }

  bool shutting_down() const override { return shutting_down_; }
  bool finished() const { return finished_; }
  bool ok() const { return ok_; }
  bool keeps_alive() const { return keep_alive_; }

 private:
  Stream& stream_;
  beast::flat_buffer& buffer_;
  unsigned version_;
  bool keep_alive_;
  std::chrono::milliseconds write_timeout_;
  const StopState& stop_;
  ConnectionControl& control_;
  bool chunked_ = false;
  bool ok_ = true;
  bool finished_ = false;
  bool shutting_down_ = false;
  std::string pending_head_;  // a sized answer's head, until its body goes with it

  Task<void> watch_client() {
    // Bytes a client sends meanwhile (a pipelined request) stay in the connection's buffer.
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), as_tuple);
      if (ec) co_return;
      buffer_.commit(n);
    }
  }
};

}  // namespace

// (No co_await inside conditions or return statements here and in the handlers: GCC 12
// miscompiles some of those forms in coroutines.)
// Callers await at once with a response they own (named, not a temporary: see ARCHITECTURE.md).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
Task<bool> ResponseWriter::send(const Response& response) {
  bool ok = co_await start(response.status, response.headers, response.body.size());
  if (ok) ok = co_await write(response.body);
  if (ok) ok = co_await finish();
  co_return ok;
}

struct Server::Impl {
  // Declared before the io_context, so they outlive it: destroying it destroys the coroutines of
  // unfinished connections, whose destructors still count and unregister themselves.
  StopState stop_state;
  std::atomic<bool> torn_down{false};  // set once the io_context runs no more
  // Requests between their first byte and the end of their answer.
  std::atomic<long> in_flight{0};
  std::mutex clients_mutex;  // guards connections, per_client and live
  size_t connections = 0;
  std::unordered_map<std::string, size_t> per_client;
  std::unordered_set<ConnectionControl*> live;

  ServerOptions options;
  AsyncHandler handler;
  ErrorResponder on_error;
  // One thread runs everything: the reactor then needs no locks around each socket operation
  // (posting from other threads, as stop() does, stays safe: the scheduler still locks).
  asio::io_context ioc;

  explicit Impl(int threads) : ioc(threads > 1 ? threads : BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO) {}
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;  // as bound, still known once the acceptor is closed
  asio::signal_set signals{ioc};
  // The drain runs on its own strand; the last request to finish wakes it through this timer.
  asio::strand<asio::io_context::executor_type> drain_strand{ioc.get_executor()};
  asio::steady_timer drained{drain_strand};

  // Counts a request in flight while it lives; the last one of a draining server ends the drain.
  class InFlight {
   public:
    explicit InFlight(Impl& impl) : impl_(impl) { ++impl_.in_flight; }
    ~InFlight() {
      if (--impl_.in_flight != 0 || !impl_.stop_state.draining.load() || impl_.torn_down.load()) return;
      try {
        asio::post(impl_.drain_strand, [&impl = impl_] { impl.drained.cancel(); });
      } catch (const std::exception&) {
        // Only an allocation can fail here; the drain then ends at its deadline instead.
      }
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    Impl& impl_;
  };

  // Registers a connection for stop() while it lives.
  class Registration {
   public:
    Registration(Impl& impl, ConnectionControl& control) : impl_(impl), control_(control) {
      std::lock_guard guard(impl_.clients_mutex);
      impl_.live.insert(&control_);
    }
    ~Registration() {
      std::lock_guard guard(impl_.clients_mutex);
      impl_.live.erase(&control_);
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    // Marks the connection idle (or not); false when the server is draining and it should close.
    // No lock on this per-request path: stop() sets `draining` before it posts its action to this
    // connection's executor, so either that action runs after this and finds the connection
    // idle (and interrupts its read), or it ran before and this sees `draining`.
    bool set_idle(bool idle) {
      control_.idle = idle;
      return !(idle && impl_.stop_state.draining.load());
    }

   private:
    Impl& impl_;
    ConnectionControl& control_;
  };

  // Runs `action` on the executor of every live connection. By the time it runs, the connection
  // may have ended: it is looked up again under the lock, which `action` may release.
  template <class Action>
  void for_each_connection(Action action) {
    std::lock_guard guard(clients_mutex);
    for (auto* control : live)
      asio::post(control->executor, [this, control, action] {
        std::unique_lock lock(clients_mutex);
        if (!live.contains(control)) return;
        action(*control, lock);
      });
  }

  // SIGTERM's drain: no new request is read; those in flight finish, answered with
  // Connection: close; after shutdown_grace, streams are asked to end, then everything is cut.
  Task<void> drain_then_stop() {
    auto wait_drained = [this](std::chrono::steady_clock::time_point until) -> Task<void> {
      while (in_flight.load() > 0 && std::chrono::steady_clock::now() < until) {
        drained.expires_at(until);
        co_await drained.async_wait(as_tuple);
      }
    };
    co_await wait_drained(std::chrono::steady_clock::now() + options.shutdown_grace);
    if (in_flight.load() > 0) {
      spdlog::info("{} request(s) still running after the shutdown grace of {} ms; ending streams", in_flight.load(),
                   options.shutdown_grace.count());
      stop_state.ending_streams = true;
      // clang-tidy 16 takes a lambda inside a coroutine for a coroutine; this one is not.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      for_each_connection([](ConnectionControl& c, std::unique_lock<std::mutex>&) { c.end_streams.cancel(); });
      co_await wait_drained(std::chrono::steady_clock::now() + kStreamEndAllowance);
      if (in_flight.load() > 0) spdlog::warn("{} request(s) cut at shutdown", in_flight.load());
    }
    ioc.stop();
  }

  // Answers what the server refuses by itself; the caller then closes the connection, since
  // after a framing error or an unread body nothing further on it can be trusted.
  template <class Stream>
  Task<void> refuse(Stream* stream, int status, std::string message, unsigned version) {
    auto answer = to_beast(on_error(status, message), version, false);
    beast::get_lowest_layer(*stream).expires_after(options.read_timeout);
    co_await bhttp::async_write(*stream, answer, as_tuple);
  }

  static std::string_view read_refusal(int status) {
    switch (status) {
      case 408:
        return "the request did not arrive in time; send the whole request at once";
      case 413:
        return "the request body is larger than the server accepts";
      case 431:
        return "the request headers are larger than the server accepts";
      default:
        return "the request is not valid HTTP/1.1";
    }
  }

  // Reads the head, checks its framing (http/framing.hpp) and lets `admit` refuse it, all before
  // a byte of the body is read; then "100 Continue" if the client waits for it, then the body.
  template <class Stream>
  // The stream lives in session(), which awaits serve() to the end.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> serve(Stream& stream, std::string_view scheme, std::string remote) {
    beast::flat_buffer buffer;
    ConnectionControl control(beast::get_lowest_layer(stream).get_executor());
    control.cancel_reads = [&stream] {
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream).socket().cancel(ignored);
    };
    Registration registration(*this, control);
    for (;;) {
      // A kept-alive connection may wait idle_timeout for its next request; from its first
      // byte on, the whole request must arrive within read_timeout, or it is answered 408.
      if (buffer.size() == 0) {
        if (!registration.set_idle(true)) co_return;  // draining: close rather than wait
        beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple);
        registration.set_idle(false);
        if (ec) co_return;  // closed, reset, idle, or interrupted by a drain: nobody waits for an answer
        buffer.commit(n);
      }
      InFlight counted(*this);
      // The stream's own timer would close the socket on expiry, leaving no way to say 408; this
      // one cancels the pending read instead, and the connection can still carry the answer.
      // Its state is shared: an expiry already queued when this request ends finds `done` and
      // touches nothing (handler and coroutine run on the connection's one strand).
      auto& lowest = beast::get_lowest_layer(stream);
      lowest.expires_never();
      asio::steady_timer deadline(lowest.get_executor());
      auto deadline_state = std::make_shared<DeadlineState>();
      MarkDone mark_done{deadline_state};
      deadline.expires_after(options.read_timeout);
      deadline.async_wait([deadline_state, &lowest](boost::system::error_code ec) {
        if (ec || deadline_state->done) return;
        deadline_state->late = true;
        boost::system::error_code ignored;
        lowest.socket().cancel(ignored);
      });
      const bool& late = deadline_state->late;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(std::uint32_t(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, as_tuple);
      if (hec) {
        int status = late ? 408 : status_for_read_error(hec);
        if (status) co_await refuse(&stream, status, std::string(read_refusal(status)), 11);
        co_return;
      }
      unsigned version = parser.get().version();
      // One view of the head (fields as string_views into the parser) for every rule below.
      const auto head = framing_view(parser.get());
      auto refusal = check_request_head(head);
      if (refusal) {
        co_await refuse(&stream, refusal->status, std::move(refusal->message), version);
        co_return;
      }
      auto request = request_head(parser.get(), scheme, remote);
      if (options.admit) {
        auto verdict = options.admit(request);
        if (verdict) {
          // The body stays unread, so the connection cannot carry another request.
          auto answer = to_beast(std::move(*verdict), version, false);
          co_await bhttp::async_write(stream, answer, as_tuple);
          co_return;
        }
      }
      if (!parser.is_done() && expects_continue(head)) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), as_tuple);
        if (cec) co_return;
      }
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, as_tuple);
      deadline.cancel();
      if (bec) {
        int status = late ? 408 : status_for_read_error(bec);
        if (status) co_await refuse(&stream, status, std::string(read_refusal(status)), version);
        co_return;
      }
      bool keep_alive = parser.get().keep_alive();
      request.body = std::move(parser.get().body());
      auto started = std::chrono::steady_clock::now();
      StreamWriter<Stream> writer(stream, buffer, version, keep_alive, options.read_timeout, stop_state, control);
      try {
        co_await handler(request, writer);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: handler failed: {}", request.method, request.path, e.what());
      }
      if (!writer.started()) {
        auto failure = on_error(500, "internal error; see the server log");
        co_await writer.send(failure);
      }
      auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
      spdlog::debug("{} {} {:.2f}ms", request.method, request.path, elapsed.count());
      // A response cut off midway leaves the connection in an unknown state: close it. A
      // draining server reads nothing more, even from a connection whose answer began before.
      if (!writer.finished() || !writer.keeps_alive() || stop_state.draining.load()) co_return;
    }
  }

  // Counts a connection against the limits while it lives; `admitted` is false when a limit is
  // reached, and the connection is then answered 503 and closed.
  class ConnectionSlot {
   public:
    ConnectionSlot(Impl& impl, std::string client) : impl_(impl), client_(std::move(client)) {
      std::lock_guard guard(impl_.clients_mutex);
      auto& mine = impl_.per_client[client_];
      const auto& o = impl_.options;
      admitted_ = (o.max_connections == 0 || impl_.connections < o.max_connections) &&
                  (o.max_connections_per_client == 0 || mine < o.max_connections_per_client);
      if (!admitted_) {
        if (mine == 0) impl_.per_client.erase(client_);
        return;
      }
      ++impl_.connections;
      ++mine;
    }
    ~ConnectionSlot() {
      if (!admitted_) return;
      std::lock_guard guard(impl_.clients_mutex);
      --impl_.connections;
      auto it = impl_.per_client.find(client_);
      if (it != impl_.per_client.end() && --it->second == 0) impl_.per_client.erase(it);
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    bool admitted() const { return admitted_; }

   private:
    Impl& impl_;
    std::string client_;
    bool admitted_ = false;
  };

  Task<void> session(tcp::socket socket) {
    boost::system::error_code ignored;
    auto peer = socket.remote_endpoint(ignored);
    std::string remote = ignored ? std::string() : peer.address().to_string();
    ConnectionSlot slot(*this, remote);
    if (!slot.admitted()) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      beast::tcp_stream stream(std::move(socket));
      stream.expires_after(std::chrono::seconds(1));
      if (!ssl) co_await asio::async_write(stream, asio::buffer(kBusy), as_tuple);  // TLS: a plain close
      co_return;
    }
    socket.set_option(asio::socket_base::keep_alive(true), ignored);
    socket.set_option(tcp::no_delay(true), ignored);
    if (!ssl) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, "http", remote);
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);  // best effort: peer may be gone
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ssl);
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple);
    if (ec) co_return;  // clients probing or distrusting our certificate: not our failure
    co_await serve(stream, "https", remote);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(as_tuple);  // truncation by the peer is normal
  }

  Task<void> accept_loop() {
    for (;;) {
      // One thread runs everything in order anyway; a strand per connection would only add a
      // queue and a lock to every completion.
      auto connection_executor = options.threads > 1 ? asio::any_io_executor(asio::make_strand(ioc))
                                                     : asio::any_io_executor(ioc.get_executor());
      auto [ec, socket] = co_await acceptor.async_accept(connection_executor, as_tuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE for one connection; keep serving the others
      auto executor = socket.get_executor();
      // clang-tidy 16 takes a lambda inside a coroutine for a coroutine; this one is not.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      asio::co_spawn(executor, session(std::move(socket)), [](const std::exception_ptr& e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::warn("connection ended by an unexpected error: {}", ex.what());
        }
      });
    }
  }
};

Server::Server(ServerOptions options, Handler handler, ErrorResponder on_error)
    : Server(std::move(options),
             std::make_unique<AsyncHandlerBox>(AsyncHandlerBox{
                 // The AsyncHandler signature: the connection's request and writer, awaited at once.
                 // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
                 [handler = std::move(handler)](Request& request, ResponseWriter& writer) -> Task<void> {
                   auto response = handler(request);
                   co_await writer.send(response);
                 }}),
             std::move(on_error)) {}

std::unique_ptr<Server> make_streaming_server(ServerOptions options, AsyncHandler handler, ErrorResponder on_error) {
  return std::make_unique<Server>(
      std::move(options), std::make_unique<AsyncHandlerBox>(AsyncHandlerBox{std::move(handler)}), std::move(on_error));
}

Server::Server(ServerOptions options, std::unique_ptr<AsyncHandlerBox> handler, ErrorResponder on_error)
    : impl_(std::make_unique<Impl>(options.threads)) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler->handler);
  impl_->on_error = on_error ? std::move(on_error) : ErrorResponder(default_error);
  auto& o = impl_->options;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) throw std::runtime_error("'" + o.host + "' is not an IP address to listen on (use e.g. 127.0.0.1 or ::1)");
  tcp::endpoint endpoint(address, o.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(endpoint, ec);
  if (ec == asio::error::address_in_use)
    throw std::runtime_error("port " + std::to_string(o.port) + " on " + o.host +
                             " is already in use; stop what uses it or choose another port");
  if (ec) throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  // Caught from before anyone can learn the port: a stop sent between now and run() (a supervisor
  // that starts and stops at once) is queued for run() instead of killing the process outright.
  if (o.stop_on_signals) {
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
  }
  acc.listen(asio::socket_base::max_listen_connections);
  impl_->port = acc.local_endpoint().port();
  if (o.tls) {
    auto& ctx = impl_->ssl.emplace(asio::ssl::context::tls_server);
    ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(o.tls->certificate_chain_file, ec);
    if (ec)
      throw std::runtime_error("cannot load TLS certificate " + o.tls->certificate_chain_file + ": " + ec.message());
    ctx.use_private_key_file(o.tls->private_key_file, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load TLS key " + o.tls->private_key_file + ": " + ec.message());
  }
}

Server::~Server() {
  // Unfinished coroutines are destroyed with the io_context below; they must not post to it.
  impl_->torn_down = true;
}

uint16_t Server::port() const { return impl_->port; }

void Server::run() {
  auto& impl = *impl_;
  asio::co_spawn(impl.ioc, impl.accept_loop(), asio::detached);
  if (impl.options.stop_on_signals) {
    impl.signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) stop();
    });
  }
  std::vector<std::thread> extra;
  for (int i = 1; i < impl.options.threads; ++i) extra.emplace_back([&] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : extra) t.join();
}

void Server::stop() {
  asio::post(impl_->drain_strand, [this] {
    auto& impl = *impl_;
    if (impl.stop_state.draining.exchange(true)) return;  // a second signal changes nothing
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
    impl.signals.cancel(ignored);
    if (impl.options.on_drain) impl.options.on_drain();
    if (impl.options.shutdown_grace.count() <= 0) {
      impl.ioc.stop();
      return;
    }
    // Connections waiting for their next request are closed; busy ones close after their answer.
    impl.for_each_connection([](ConnectionControl& c, std::unique_lock<std::mutex>& lock) {
      if (!c.idle) return;
      lock.unlock();
      c.cancel_reads();
    });
    asio::co_spawn(impl.drain_strand, impl.drain_then_stop(), asio::detached);
  });
}

asio::any_io_executor server_executor(Server& server) { return server.impl_->ioc.get_executor(); }

}  // namespace mcpgate::http
