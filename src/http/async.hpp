#pragma once
// Asynchronous pieces of the HTTP layer, for the few modules that stream (the gateway).
// Including this pulls in Asio; everything else uses the plain Request → Response handlers.
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "http/server.hpp"

namespace mcpgate::http {

template <class T>
using Task = boost::asio::awaitable<T>;

// Where a streaming handler writes its answer, piece by piece, as it gets it.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Status line and headers. Without a content length the body goes out chunked.
  // Each call returns false once the client has gone; the handler should then stop.
  virtual Task<bool> start(int status, const Headers& headers, std::optional<size_t> content_length) = 0;
  virtual Task<bool> write(std::string_view data) = 0;
  virtual Task<bool> finish() = 0;
  // Completes when the client closes its side of the connection (or on cancellation), so
  // long-lived upstream work can be stopped; race it against the work. Also completes when a
  // stopping server ends its streams, with shutting_down() then true: the connection still
  // works, and a stream can write a last word and finish cleanly.
  virtual Task<void> client_gone() = 0;
  virtual bool shutting_down() const { return false; }
  // Convenience: a whole response at once.
  Task<bool> send(const Response& response);
  bool started() const { return started_; }

 protected:
  bool started_ = false;
};

using AsyncHandler = std::function<Task<void>(Request&, ResponseWriter&)>;

struct AsyncHandlerBox {
  AsyncHandler handler;
};

// The executor the server's connections run on, for the handler's own asynchronous work.
boost::asio::any_io_executor server_executor(Server& server);

std::unique_ptr<Server> make_streaming_server(ServerOptions options, AsyncHandler handler,
                                              ErrorResponder on_error = {});

}  // namespace mcpgate::http
