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
  std::chrono::milliseconds read_timeout{30'000};   // one request, headers and body
  std::chrono::milliseconds idle_timeout{75'000};   // a kept-alive connection with no request
  bool stop_on_signals = false;                     // SIGINT/SIGTERM end run()
};

// Handlers are plain functions: request in, response out, no I/O of their own.
using Handler = std::function<Response(const Request&)>;
// Shapes the server's own error answers (oversized, malformed, handler threw) in the
// application's error format.
using ErrorResponder = std::function<Response(int status, std::string_view message)>;

class Server {
 public:
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
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::http
