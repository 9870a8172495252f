#pragma once
// One pipelined connection to a Redis server, shared by every request of a process: commands
// from any thread go out in order on one socket and their replies come back in the same order.
// The connection is re-established by itself, with backoff, whenever it is lost; while it is
// down, commands fail at once (callers fall back rather than wait).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>

#include "http/async.hpp"
#include "redis/protocol.hpp"

namespace mcpgate::redis {

using http::Task;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int database = 0;
  std::optional<std::string> username;
  std::optional<std::string> password;  // from a secret reference, never from the URL
  bool tls = false;                     // rediss://: TLS, the server's name verified
  std::optional<std::string> ca_file;   // trusted besides the system's CAs (a private CA)
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds command_timeout{500};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5'000};

  std::string address() const { return host + ":" + std::to_string(port); }
};

// redis://host[:port][/database], or rediss:// for TLS (Azure Cache for Redis: port 6380). A
// password in the URL is refused: it belongs in a secret reference. Throws std::invalid_argument
// with a sentence saying what is wrong.
Settings parse_url(std::string_view url);

// A failed command: the server's error reply, or why there was none (not connected, timed out).
// (Not constructible from a bare string, so result<std::string, Error> stays unambiguous.)
struct Error {
  Error() = default;
  static Error because(std::string message) {
    Error e;
    e.message = std::move(message);
    return e;
  }
  std::string message;
};

using Result = boost::system::result<Reply, Error>;

class Client {
 public:
  using MessageHandler = std::function<void(const std::string& channel, const std::string& payload)>;

  // `name` is what CLIENT LIST shows for this connection (e.g. "mcpgate-gateway").
  Client(const boost::asio::any_io_executor& executor, Settings settings, std::string name);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Makes this a subscriber connection: after each (re)connection it subscribes to `channels`,
  // hands every message to `on_message` and then calls `on_connected` (messages published while
  // it was away are lost, so the owner may want to drop what they would have changed). Call
  // before start(); a subscriber sends no commands.
  void subscribe(std::vector<std::string> channels, MessageHandler on_message, std::function<void()> on_connected);

  // Connects, and reconnects whenever the connection is lost, until stop() or destruction.
  void start();
  void stop();

  // Sends one command; the reply (an error reply is a Reply of type error, not an Error), or an
  // Error when the server is not connected or does not answer within the command timeout.
  Task<Result> command(std::vector<std::string> arguments);

  bool connected() const;
  // "connected", or why not, for /readyz and logs (never a secret).
  std::string state() const;
  const Settings& settings() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpgate::redis
