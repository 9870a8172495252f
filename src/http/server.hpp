#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace mcpgate::http {

struct TlsFiles {
  std::string certificate_chain_file;
  std::string private_key_file;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the system picks a free port; see Server::port()
  int threads = 1;
  std::optional<TlsFiles> tls;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};  // one request, head and body, from its first byte (else 408)
  std::chrono::milliseconds idle_timeout{75'000};  // a kept-alive connection with no request
  // Connections open at once, in all and from one client address (0: no limit); more are
  // answered 503 and closed, before a byte of their request is read.
  size_t max_connections = 0;
  size_t max_connections_per_client = 0;
  // Called with each request's head (no body yet) once its framing passed: an answer refuses
  // the request without reading its body (the gateway refuses bad tokens here). Runs on an I/O
  // thread: no blocking.
  std::function<std::optional<Response>(const Request& head)> admit;
  bool stop_on_signals = false;  // SIGINT/SIGTERM end run()
  // On stop the listener closes at once, connections waiting for a request are closed, and
  // requests in flight get this long to finish, answered with Connection: close. Then streams
  // still open are asked to end (ResponseWriter::client_gone completes, shutting_down() is true)
  // and get a second more; whatever still runs is cut.
  std::chrono::milliseconds shutdown_grace{0};
  // Called once when a stop begins, before anything is closed (e.g. to turn /readyz unready).
  std::function<void()> on_drain;
};

// Handlers are plain functions: request in, response out, no I/O of their own.
using Handler = std::function<Response(const Request&)>;
// Shapes the server's own error answers (oversized, malformed, handler threw) in the
// application's error format.
using ErrorResponder = std::function<Response(int status, std::string_view message)>;

struct AsyncHandlerBox;
}  // namespace mcpgate::http
namespace boost::asio {
class any_io_executor;
}
namespace mcpgate::http {  // an AsyncHandler (http/async.hpp), kept opaque to keep this header light

class Server {
 public:
  // A server whose handler streams its answers; see make_streaming_server in http/async.hpp.
  Server(ServerOptions options, std::unique_ptr<AsyncHandlerBox> handler, ErrorResponder on_error);
  // Binds at once; throws std::runtime_error with an actionable message (port busy, bad address,
  // unreadable certificate) so the caller can report it before anything starts.
  Server(ServerOptions options, Handler handler, ErrorResponder on_error = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  void run();   // serves until stop(); uses options.threads threads including the caller's
  void stop();  // safe from any thread

 private:
  friend boost::asio::any_io_executor server_executor(Server& server);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::http
