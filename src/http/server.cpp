#include "http/server.hpp"

#include <charconv>
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
#include "http/request_parser.hpp"

namespace mcpgate::http {
using namespace std::literals;
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

bhttp::response<bhttp::string_body> to_beast(Response&& in, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(in.status), version};
  for (auto [name, value] : in.headers.fields()) out.insert(name, value);
  if (out.find(bhttp::field::cache_control) == out.end()) out.set(bhttp::field::cache_control, "no-store");
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

std::string serialize_head(const bhttp::response<bhttp::empty_body>& head) {
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

bool plain_head(std::string& out, int status, unsigned version, const Headers& headers, size_t content_length,
                bool keep_alive) {
  if (version != 11 || bhttp::int_to_status(unsigned(status)) == bhttp::status::unknown) return false;
  bool cache_control = false;
  size_t size = 96;
  for (auto [n, v] : headers.fields()) {
    if (iequals(n, "Content-Length") || iequals(n, "Transfer-Encoding") || iequals(n, "Connection")) return false;
    cache_control = cache_control || iequals(n, "Cache-Control");
    size += n.size() + v.size() + 4;
  }
  char digits[24];
  out.clear();
  out.reserve(size);
  out.append("HTTP/1.1 "sv);
  out.append(digits, std::to_chars(digits, digits + sizeof digits, status).ptr).append(" "sv);
  out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(status))).append("\r\n"sv);
  for (auto [n, v] : headers.fields()) out.append(n).append(": "sv).append(v).append("\r\n"sv);
  if (!cache_control) out.append("Cache-Control: no-store\r\n"sv);
  out.append("Content-Length: "sv);
  out.append(digits, std::to_chars(digits, digits + sizeof digits, content_length).ptr).append("\r\n"sv);
  if (!keep_alive) out.append("Connection: close\r\n"sv);
  out.append("\r\n"sv);
  return true;
}

int status_for_read_error(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return 408;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == boost::system::error_code(bhttp::error::bad_target).category()) return 400;
  return 0;  // a transport failure: nobody to answer
}

// One deadline per connection, moved by a store. Each phase (waiting for a request, reading it,
// writing a whole answer) says when it must be over; a watcher that sleeps in steps no longer
// than the shortest phase cancels the socket's operations once that moment has passed. A timer
// per operation, as beast::tcp_stream arms, costs a timer-queue insertion and a cancellation
// (with its completion) for every read and write.
class ConnectionDeadline {
 public:
  using Clock = std::chrono::steady_clock;
  ConnectionDeadline(const asio::any_io_executor& executor, std::chrono::milliseconds step)
      : timer_(executor), step_(step) {}

  void expire_after(std::chrono::milliseconds duration) {
    at_ = Clock::now() + duration;
    expired_ = false;
    // Shorter than the watcher's step (a TLS close): it is woken to sleep less. Never on the
    // request path, whose phases are at least a step long.
    if (at_ < armed_) {
      rearm_ = true;
      timer_.cancel();
    }
  }
  void never() {
    at_ = Clock::time_point::max();
    expired_ = false;
  }
  bool expired() const { return expired_; }

  // Runs until the connection ends (cancelled by `||` in session()); `on_expiry` cancels the
  // socket's pending operations, which then complete with operation_aborted.
  template <class OnExpiry>
  Task<void> watch(OnExpiry on_expiry) {
    for (;;) {
      auto now = Clock::now();
      if (at_ <= now) {
        at_ = Clock::time_point::max();
        expired_ = true;
        on_expiry();
      }
      armed_ = std::min(at_, now + step_);
      timer_.expires_at(armed_);
      auto [ec] = co_await timer_.async_wait(as_tuple);
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return;
      if (ec && !rearm_) co_return;
      rearm_ = false;
    }
  }

 private:
  asio::steady_timer timer_;
  std::chrono::milliseconds step_;
  Clock::time_point at_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();
  bool expired_ = false;
  bool rearm_ = false;
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
               std::chrono::milliseconds write_timeout, const StopState& stop, ConnectionControl& control,
               ConnectionDeadline& deadline, std::string& head_buffer)
      : stream_(stream),
        buffer_(buffer),
        deadline_(deadline),
        version_(version),
        keep_alive_(keep_alive),
        write_timeout_(write_timeout),
        stop_(stop),
        control_(control),
        pending_head_(head_buffer) {}

  // Headers by reference on the hot path: every caller awaits at once with headers it owns.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<bool> start(int status, const Headers& given, std::optional<size_t> content_length) override {
    if (started_) co_return false;
    started_ = true;
    // No handler may write a field that breaks the head, whatever value reached it.
    Headers cleaned;
    bool unsafe = false;
    for (auto [name, value] : given.fields()) unsafe = unsafe || unsafe_field(name, value);
    if (unsafe) {
      for (auto [name, value] : given.fields())
        if (!unsafe_field(name, value)) cleaned.add(name, value);
      spdlog::warn("dropped a response header field holding CR, LF or NUL");
    }
    const Headers& headers = unsafe ? cleaned : given;
    // A draining server answers what it has begun and says it will read nothing more.
    keep_alive_ = keep_alive_ && !stop_.draining.load();
    chunked_ = !content_length;
    // A stream may stay quiet for a long time; only whole responses get a write deadline, and
    // a stalled reader of a stream is detected by TCP keep-alive instead.
    if (chunked_)
      deadline_.never();
    else
      deadline_.expire_after(write_timeout_);
    if (!chunked_) {
      // A sized answer's head waits for its body and leaves in the same write: one send
      // (and one wake-up of the client) per response instead of two.
      if (!plain_head(pending_head_, status, version_, headers, *content_length, keep_alive_))
        pending_head_ = serialize_head(beast_head(status, headers, content_length));
      head_pending_ = true;
      co_return ok_;
    }
    auto head = beast_head(status, headers, content_length);
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, as_tuple);
    ok_ = !ec;
    co_return ok_;
  }

  Task<bool> write(std::string_view data) override {
    if (!ok_ || data.empty()) co_return ok_;
    boost::system::error_code ec;
    if (head_pending_) {
      std::array<asio::const_buffer, 2> both{asio::buffer(pending_head_), asio::buffer(data)};
      auto [result_ec, result_n] = co_await asio::async_write(stream_, both, as_tuple);
      ec = result_ec;
      head_pending_ = false;
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
    if (head_pending_) {  // a sized answer with an empty body
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(pending_head_), as_tuple);
      head_pending_ = false;
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
  ConnectionDeadline& deadline_;
  unsigned version_;
  bool keep_alive_;
  std::chrono::milliseconds write_timeout_;
  const StopState& stop_;
  ConnectionControl& control_;
  bool chunked_ = false;
  bool ok_ = true;
  bool finished_ = false;
  bool shutting_down_ = false;
  std::string& pending_head_;  // a sized answer's head, until its body goes with it (the connection's buffer)
  bool head_pending_ = false;

  // Beast reconciles what plain_head leaves to it: HTTP/1.0, framing fields a handler set.
  bhttp::response<bhttp::empty_body> beast_head(int status, const Headers& headers,
                                                std::optional<size_t> content_length) const {
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(status), version_};
    for (auto [name, value] : headers.fields()) head.insert(name, value);
    if (head.find(bhttp::field::cache_control) == head.end()) head.set(bhttp::field::cache_control, "no-store");
    if (content_length)
      head.content_length(*content_length);
    else
      head.chunked(true);
    head.keep_alive(keep_alive_);
    return head;
  }

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
  Task<void> refuse(Stream* stream, ConnectionDeadline* deadline, int status, std::string message, unsigned version) {
    auto answer = to_beast(on_error(status, message), version, false);
    deadline->expire_after(options.read_timeout);
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

  // The shortest phase a connection's deadline measures (see ConnectionDeadline).
  std::chrono::milliseconds deadline_step() const {
    return std::max(std::chrono::milliseconds(1), std::min(options.read_timeout, options.idle_timeout));
  }

  // Reads the head, checks its framing (http/framing.hpp) and lets `admit` refuse it, all before
  // a byte of the body is read; then "100 Continue" if the client waits for it, then the body.
  // One Request per connection, reused: its strings and fields keep their capacity.
  template <class Stream>
  // The stream and deadline live in session(), which awaits serve() to the end.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> serve(Stream& stream, ConnectionDeadline& deadline, std::string_view scheme, std::string remote) {
    beast::flat_buffer buffer;
    auto& socket = beast::get_lowest_layer(stream);
    ConnectionControl control(socket.get_executor());
    control.cancel_reads = [&socket] {
      boost::system::error_code ignored;
      socket.cancel(ignored);
    };
    Registration registration(*this, control);
    Request request;
    request.scheme.assign(scheme);
    request.remote_address = std::move(remote);
    RequestHeadParser head_parser(options.max_header_bytes);
    std::string head_buffer;  // each sized answer's head, built here
    auto buffered = [&buffer] {
      return std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
    };
    for (;;) {
      // A kept-alive connection may wait idle_timeout for its next request; from its first
      // byte on, the whole request must arrive within read_timeout, or it is answered 408.
      if (buffer.size() == 0) {
        if (!registration.set_idle(true)) co_return;  // draining: close rather than wait
        deadline.expire_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple);
        registration.set_idle(false);
        if (ec) co_return;  // closed, reset, idle, or interrupted by a drain: nobody waits for an answer
        buffer.commit(n);
      }
      InFlight counted(*this);
      // Expiry cancels the pending read and leaves the connection able to carry the 408.
      deadline.expire_after(options.read_timeout);
      head_parser.reset();
      HeadParse parsed;
      for (;;) {
        parsed = head_parser.parse(buffered(), request);
        if (parsed.state != HeadParse::State::incomplete) break;
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple);
        if (ec) {
          if (deadline.expired()) co_await refuse(&stream, &deadline, 408, std::string(read_refusal(408)), 11);
          co_return;  // otherwise closed or reset mid-head: nobody to answer
        }
        buffer.commit(n);
      }
      if (parsed.state == HeadParse::State::refused) {
        co_await refuse(&stream, &deadline, parsed.status, std::string(parsed.reason), 11);
        co_return;
      }
      const unsigned version = request.version;
      auto refusal = check_request_head(request);
      if (refusal) {
        co_await refuse(&stream, &deadline, refusal->status, std::move(refusal->message), version);
        co_return;
      }
      const auto framing = body_framing(request.headers);
      if (options.admit) {
        auto verdict = options.admit(request);
        if (verdict) {
          // A well-formed request refused for its credentials (401, 403) whose body came whole
          // with its head: the body is dropped and the connection carries the next request, as
          // a proxy in front of the server keeps it (a refused client retrying would otherwise
          // cost a TCP handshake each time). A body still to come is never waited for: unread,
          // it leaves the connection unusable. Any other refusal says the request itself was
          // wrong, and nothing more is read from a connection that sent it.
          const bool arrived = !framing.chunked && buffer.size() - parsed.size >= framing.length;
          const bool credentials = verdict->status == 401 || verdict->status == 403;
          const bool keep = credentials && arrived && !expects_continue(request) &&
                            keeps_alive(version, request.headers) && !stop_state.draining.load();
          auto answer = to_beast(std::move(*verdict), version, keep);
          if (keep) buffer.consume(parsed.size + framing.length);
          auto [wec, wn] = co_await bhttp::async_write(stream, answer, as_tuple);
          if (!keep || wec) co_return;
          continue;
        }
      }
      if (!framing.chunked && framing.length > options.max_body_bytes) {
        co_await refuse(&stream, &deadline, 413, std::string(read_refusal(413)), version);
        co_return;
      }
      const bool body_pending = framing.chunked || buffer.size() - parsed.size < framing.length;
      if (body_pending && expects_continue(request)) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), as_tuple);
        if (cec) co_return;
      }
      if (framing.chunked) {
        // Rare from MCP clients: Beast's parser reads the message again from its first byte (still
        // in the buffer) and decodes the chunks.
        bhttp::request_parser<bhttp::string_body> chunked;
        chunked.header_limit(std::uint32_t(options.max_header_bytes));
        chunked.body_limit(options.max_body_bytes);
        auto [bec, bn] = co_await bhttp::async_read(stream, buffer, chunked, as_tuple);
        if (bec) {
          int status = deadline.expired() ? 408 : status_for_read_error(bec);
          if (status) co_await refuse(&stream, &deadline, status, std::string(read_refusal(status)), version);
          co_return;
        }
        request.body = std::move(chunked.get().body());
      } else {
        buffer.consume(parsed.size);
        while (buffer.size() < framing.length) {
          auto want = std::max<size_t>(4096, framing.length - buffer.size());
          auto [bec, bn] = co_await stream.async_read_some(buffer.prepare(want), as_tuple);
          if (bec) {
            if (deadline.expired()) co_await refuse(&stream, &deadline, 408, std::string(read_refusal(408)), version);
            co_return;
          }
          buffer.commit(bn);
        }
        request.body.assign(buffered().substr(0, framing.length));
        buffer.consume(framing.length);
      }
      deadline.never();
      bool keep_alive = keeps_alive(version, request.headers);
      auto started = std::chrono::steady_clock::now();
      StreamWriter<Stream> writer(stream, buffer, version, keep_alive, options.read_timeout, stop_state, control,
                                  deadline, head_buffer);
      try {
        co_await handler(request, writer);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: handler failed: {}", request.method, request.path, e.what());
      }
      if (!writer.started()) {
        auto failure = on_error(500, "internal error; see the server log");
        co_await writer.send(failure);
      }
      if (spdlog::should_log(spdlog::level::debug)) {
        auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
        spdlog::debug("{} {} {:.2f}ms", request.method, request.path, elapsed.count());
      }
      // A response cut off midway leaves the connection in an unknown state: close it. A
      // draining server reads nothing more, even from a connection whose answer began before.
      if (!writer.finished() || !writer.keeps_alive() || stop_state.draining.load()) co_return;
    }
  }

  // Runs `work` on a connection while its deadline is watched; the watcher ends with it.
  template <class Socket>
  Task<void> watched(Task<void> work, ConnectionDeadline* deadline, Socket* socket) {
    // clang-tidy 16 takes a lambda inside a coroutine for a coroutine; this one is not.
    // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
    co_await (std::move(work) || deadline->watch([socket] {
      boost::system::error_code ignored;
      socket->cancel(ignored);
    }));
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
    ConnectionDeadline deadline(socket.get_executor(), deadline_step());
    if (!ssl) {
      co_await watched(serve(socket, deadline, "http", remote), &deadline, &socket);
      socket.shutdown(tcp::socket::shutdown_send, ignored);  // best effort: peer may be gone
      co_return;
    }
    beast::ssl_stream<tcp::socket> stream(std::move(socket), *ssl);
    co_await watched(serve_tls(stream, deadline, std::move(remote)), &deadline, &beast::get_lowest_layer(stream));
  }

  // The stream and deadline live in session(), which awaits this to the end.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> serve_tls(beast::ssl_stream<tcp::socket>& stream, ConnectionDeadline& deadline, std::string remote) {
    deadline.expire_after(options.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple);
    if (ec) co_return;  // clients probing or distrusting our certificate: not our failure
    co_await serve(stream, deadline, "https", std::move(remote));
    deadline.expire_after(std::chrono::seconds(2));
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
