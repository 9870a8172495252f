#include "redis/client.hpp"

#include <deque>
#include <mutex>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

namespace mcpgate::redis {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

Settings parse_url(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  if (!url) throw std::invalid_argument("\"" + std::string(text) + "\" is not a URL; write redis://host:port/database");
  if (url->scheme() != "redis" && url->scheme() != "rediss")
    throw std::invalid_argument("a Redis URL starts with redis:// (or rediss:// for TLS), not \"" +
                                std::string(url->scheme()) + "://\"");
  if (url->has_password() || url->has_userinfo())
    throw std::invalid_argument(
        "the Redis URL carries credentials; give the password as redis.password: ${env:NAME} or ${file:/path} "
        "(and the user as redis.username) so it stays out of the configuration file");
  if (url->has_query() || url->has_fragment())
    throw std::invalid_argument("the Redis URL takes no query or fragment: redis://host:port/database");
  Settings settings;
  settings.tls = url->scheme() == "rediss";
  settings.host = std::string(url->host_address());
  if (settings.host.empty()) throw std::invalid_argument("the Redis URL names no host: redis://host:port/database");
  if (url->has_port()) {
    auto port = url->port_number();
    if (port == 0) throw std::invalid_argument("the Redis URL's port must be between 1 and 65535");
    settings.port = port;
  }
  std::string path(url->path());
  if (!path.empty() && path != "/") {
    std::string db = path.substr(1);
    bool digits = !db.empty() && db.size() <= 2 && db.find_first_not_of("0123456789") == std::string::npos;
    if (!digits)
      throw std::invalid_argument("the Redis URL's path must be a database number, e.g. redis://host:6379/0");
    settings.database = std::stoi(db);
  }
  return settings;
}

namespace {

struct Call {
  std::mutex mutex;
  std::optional<Result> result;
  std::shared_ptr<asio::steady_timer> timer;
};

void deliver(const std::shared_ptr<Call>& call, Result result) {
  std::lock_guard guard(call->mutex);
  if (call->result) return;
  call->result = std::move(result);
  auto timer = call->timer;
  asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Impl> {
  asio::strand<asio::any_io_executor> strand;
  Settings settings;
  std::string name;
  tcp::socket socket;  // used on the strand only (plain connections)
  std::optional<asio::ssl::context> tls_context;
  std::optional<asio::ssl::stream<tcp::socket>> tls;  // TLS connections: the socket lives inside
  asio::steady_timer pause;  // the backoff between attempts, and connect deadlines (on the strand)

  mutable std::mutex mutex;  // guards what follows
  bool connected = false;
  bool stopping = false;
  bool writing = false;
  std::string outbox;
  std::deque<std::shared_ptr<Call>> calls;
  std::string problem = "not connected yet";
  std::vector<std::string> channels;
  MessageHandler on_message;
  std::function<void()> on_connected;

  Impl(const asio::any_io_executor& executor, Settings s, std::string n)
      : strand(asio::make_strand(executor)), settings(std::move(s)), name(std::move(n)), socket(strand), pause(strand) {
    if (settings.tls) {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->set_default_verify_paths();
      if (settings.ca_file) tls_context->load_verify_file(*settings.ca_file);
      tls_context->set_verify_mode(asio::ssl::verify_peer);
    }
  }

  tcp::socket& raw() { return tls ? tls->next_layer() : socket; }
  void close() {
    boost::system::error_code ignored;
    raw().close(ignored);
  }

  Task<std::tuple<boost::system::error_code, size_t>> read_some(asio::mutable_buffer buffer) {
    if (tls) co_return co_await tls->async_read_some(buffer, as_tuple);
    co_return co_await socket.async_read_some(buffer, as_tuple);
  }
  Task<std::tuple<boost::system::error_code, size_t>> write_all(asio::const_buffer buffer) {
    if (tls) co_return co_await asio::async_write(*tls, buffer, as_tuple);
    co_return co_await asio::async_write(socket, buffer, as_tuple);
  }

  uint64_t generation = 0;  // of the socket, so a late completion cannot close its successor (strand)

  bool subscriber() const { return !channels.empty(); }

  // What the connection must say first: credentials, database, its name, its subscriptions.
  std::vector<std::string> handshake() const {
    std::vector<std::string> commands;
    if (settings.password) {
      commands.push_back(settings.username ? format_command({"AUTH", *settings.username, *settings.password})
                                           : format_command({"AUTH", *settings.password}));
    }
    if (settings.database != 0) commands.push_back(format_command({"SELECT", std::to_string(settings.database)}));
    commands.push_back(format_command({"CLIENT", "SETNAME", name}));
    for (const auto& channel : channels) commands.push_back(format_command({"SUBSCRIBE", channel}));
    return commands;
  }

  static std::string describe_refusal(const std::string& error) {
    if (error.starts_with("WRONGPASS") || error.starts_with("NOAUTH") || error.find("AUTH") != std::string::npos)
      return "the Redis server refused the credentials (check redis.username and redis.password)";
    return "the Redis server refused the connection's set-up: " + error.substr(0, 200);
  }

  // One attempt: connect, say the handshake, read its replies. Empty on success, else why not.
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): run() owns the reader
  Task<std::string> connect_once(ReplyReader& reader) {
    auto self = shared_from_this();
    const uint64_t attempt = ++generation;
    // One deadline for the whole attempt: it closes the socket, which ends whatever is pending.
    // (A deadline that fires after the attempt is over finds a later generation and does nothing.)
    auto expired = std::make_shared<bool>(false);
    pause.expires_after(settings.connect_timeout);
    // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a plain lambda
    pause.async_wait([self, expired, attempt](boost::system::error_code ec) {
      if (ec || attempt != self->generation) return;
      *expired = true;
      self->close();
    });
    const bool& timed_out = *expired;
    tcp::resolver resolver(strand);
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(settings.host, std::to_string(settings.port), as_tuple);
    if (resolve_error) {
      pause.cancel();
      co_return "cannot resolve " + settings.host + ": " + resolve_error.message();
    }
    tls.reset();
    socket = tcp::socket(strand);
    if (tls_context) tls.emplace(strand, *tls_context);
    auto [connect_error, endpoint] = co_await asio::async_connect(raw(), endpoints, as_tuple);
    if (connect_error) {
      pause.cancel();
      co_return timed_out ? "no connection within " + std::to_string(settings.connect_timeout.count()) + " ms"
                          : connect_error.message();
    }
    raw().set_option(tcp::no_delay(true));
    if (tls) {
      // SNI names a host, never an address.
      boost::system::error_code not_an_address;
      (void)asio::ip::make_address(settings.host, not_an_address);
      if (not_an_address) SSL_set_tlsext_host_name(tls->native_handle(), settings.host.c_str());
      tls->set_verify_callback(asio::ssl::host_name_verification(settings.host));
      auto [handshake_error] = co_await tls->async_handshake(asio::ssl::stream_base::client, as_tuple);
      if (handshake_error) {
        pause.cancel();
        co_return timed_out ? "no TLS handshake within " + std::to_string(settings.connect_timeout.count()) + " ms"
                            : "TLS with the Redis server failed: " + handshake_error.message() +
                                  " (is it a TLS port? a private CA goes in redis.ca_file)";
      }
    }
    auto commands = handshake();
    std::string hello;
    for (auto& c : commands) hello += c;
    auto [write_error, written] = co_await write_all(asio::buffer(hello));
    size_t expected = commands.size();
    std::string failure;
    std::array<char, 4096> buffer{};
    while (!write_error && expected > 0 && failure.empty()) {
      auto [read_error, n] = co_await read_some(asio::buffer(buffer));
      if (read_error) {
        failure = timed_out ? "no answer to the connection's set-up within " +
                                  std::to_string(settings.connect_timeout.count()) + " ms"
                            : "connection closed during set-up: " + read_error.message();
        break;
      }
      try {
        reader.feed({buffer.data(), n});
        while (expected > 0) {
          auto reply = reader.next();
          if (!reply) break;
          --expected;
          if (reply->is_error()) failure = describe_refusal(reply->text);
        }
      } catch (const ProtocolError& e) {
        failure = e.what();
      }
    }
    pause.cancel();
    ++generation;  // the deadline is over, whatever it was doing
    if (write_error) co_return "cannot write to the connection: " + write_error.message();
    co_return failure;
  }

  void fail_pending(const std::string& why) {
    std::deque<std::shared_ptr<Call>> failed;
    {
      std::lock_guard guard(mutex);
      connected = false;
      problem = why;
      failed.swap(calls);
      outbox.clear();
    }
    for (auto& call : failed) deliver(call, Error::because("Redis at " + settings.address() + ": " + why));
  }

  void dispatch(Reply reply) {
    if (subscriber()) {
      // ["message", channel, payload]; subscription confirmations are ["subscribe", channel, n].
      if (reply.type == Reply::Type::array && reply.elements.size() == 3 && reply.elements[0].text == "message" &&
          on_message)
        on_message(reply.elements[1].text, reply.elements[2].text);
      return;
    }
    std::shared_ptr<Call> call;
    {
      std::lock_guard guard(mutex);
      if (calls.empty()) throw ProtocolError("the Redis server sent a reply nobody asked for");
      call = std::move(calls.front());
      calls.pop_front();
    }
    deliver(call, std::move(reply));
  }

  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): run() owns the reader
  Task<std::string> read_until_closed(ReplyReader& reader) {
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
      auto [ec, n] = co_await read_some(asio::buffer(buffer));
      if (ec)
        co_return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
            ? std::string("the server closed the connection")
            : ec.message();
      try {
        reader.feed({buffer.data(), n});
        while (auto reply = reader.next()) dispatch(std::move(*reply));
      } catch (const ProtocolError& e) {
        co_return e.what();
      }
    }
  }

  Task<void> run() {
    auto self = shared_from_this();
    auto delay = settings.reconnect_min;
    bool was_connected = false;
    std::string last_logged;
    for (;;) {
      {
        std::lock_guard guard(mutex);
        if (stopping) break;
      }
      ReplyReader reader;
      auto failure = co_await connect_once(reader);
      if (failure.empty()) {
        delay = settings.reconnect_min;
        {
          std::lock_guard guard(mutex);
          if (stopping) break;
          connected = true;
          problem.clear();
        }
        spdlog::info("Redis at {}: connected{}", settings.address(), was_connected ? " again" : "");
        was_connected = true;
        last_logged.clear();
        if (on_connected) on_connected();
        failure = co_await read_until_closed(reader);
        spdlog::warn("Redis at {}: connection lost ({}); reconnecting", settings.address(), failure);
      } else if (failure != last_logged) {
        spdlog::warn("Redis at {}: {}; retrying every {} ms at most", settings.address(), failure,
                     settings.reconnect_max.count());
        last_logged = failure;
      }
      close();
      fail_pending(failure);
      pause.expires_after(delay);
      co_await pause.async_wait(as_tuple);
      delay = std::min(settings.reconnect_max, delay * 2);
    }
    close();
    fail_pending("the client was stopped");
  }

  // Writes whatever is queued, one write at a time, on the strand.
  void write_queued() {
    auto self = shared_from_this();
    auto batch = std::make_shared<std::string>();
    {
      std::lock_guard guard(mutex);
      if (!connected || outbox.empty()) {
        writing = false;
        return;
      }
      batch->swap(outbox);
    }
    auto on_written = [self, batch, written_on = generation](boost::system::error_code ec, size_t) {
      if (ec) {
        {
          std::lock_guard guard(self->mutex);
          self->writing = false;
        }
        if (written_on == self->generation) self->close();  // the read loop notices, reconnects
        return;
      }
      self->write_queued();
    };
    if (tls)
      asio::async_write(*tls, asio::buffer(*batch), std::move(on_written));
    else
      asio::async_write(socket, asio::buffer(*batch), std::move(on_written));
  }
};

Client::Client(const asio::any_io_executor& executor, Settings settings, std::string name)
    : impl_(std::make_shared<Impl>(executor, std::move(settings), std::move(name))) {}

Client::~Client() {
  try {
    stop();
  } catch (const std::exception&) {
    // Only an allocation can fail here; the connection then ends with the executor.
  }
}

void Client::subscribe(std::vector<std::string> channels, MessageHandler on_message,
                       std::function<void()> on_connected) {
  impl_->channels = std::move(channels);
  impl_->on_message = std::move(on_message);
  impl_->on_connected = std::move(on_connected);
}

void Client::start() { asio::co_spawn(impl_->strand, impl_->run(), asio::detached); }

void Client::stop() {
  {
    std::lock_guard guard(impl_->mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  asio::post(impl_->strand, [impl = impl_] {
    impl->close();
    impl->pause.cancel();
  });
}

Task<Result> Client::command(std::vector<std::string> arguments) {
  auto call = std::make_shared<Call>();
  call->timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  call->timer->expires_after(impl_->settings.command_timeout);
  {
    std::lock_guard guard(impl_->mutex);
    if (!impl_->connected)
      co_return Error::because("Redis at " + impl_->settings.address() + " is unavailable: " + impl_->problem);
    impl_->outbox += format_command(arguments);
    impl_->calls.push_back(call);
    if (!impl_->writing) {
      impl_->writing = true;
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a plain lambda
      asio::post(impl_->strand, [impl = impl_] { impl->write_queued(); });
    }
  }
  co_await call->timer->async_wait(as_tuple);
  std::lock_guard guard(call->mutex);
  if (call->result) co_return std::move(*call->result);
  // Too late: a reply arriving now is dropped, and the order of the others is kept.
  call->result = Error::because("Redis at " + impl_->settings.address() + " did not answer within " +
                                std::to_string(impl_->settings.command_timeout.count()) + " ms");
  co_return *call->result;
}

bool Client::connected() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->connected;
}

std::string Client::state() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->connected ? std::string("connected") : impl_->problem;
}

const Settings& Client::settings() const { return impl_->settings; }

}  // namespace mcpgate::redis
