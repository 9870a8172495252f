#pragma once
// An asynchronous HTTP/1.1 client with keep-alive pooling, for the gateway: whole requests
// (token exchange, discovery, keys) and responses streamed through as they arrive (MCP, SSE).
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/system/result.hpp>

#include "http/async.hpp"
#include "http/client.hpp"

namespace mcpgate::http {

// A sentence naming the upstream and what failed (refused, timed out, TLS, malformed answer).
// (Not constructible from a bare string, so result<std::string, UpstreamError> stays unambiguous.)
struct UpstreamError {
  UpstreamError() = default;  // user-declared: no aggregate initialisation from a string
  static UpstreamError because(std::string message, bool timed_out = false) {
    UpstreamError e;
    e.message = std::move(message);
    e.timed_out = timed_out;
    return e;
  }
  std::string message;
  bool timed_out = false;  // a deadline passed (callers answer 504 rather than 502)
  // No connection could be made: nothing of the request was sent, so another upstream may take it.
  bool not_sent = false;
};

struct UpstreamOptions {
  std::optional<std::string> ca_file;  // trusted in addition to the system store
  std::chrono::milliseconds connect_timeout{5'000};
  size_t max_idle_per_origin = 256;
  // For URLs that outsiders choose (client metadata documents): connect only to addresses on the
  // public internet, checked on the addresses actually connected to, so DNS cannot rebind a
  // checked name to an internal one.
  bool public_addresses_only = false;
};

// False for loopback, private, link-local, shared (CGNAT), multicast, documentation and other
// reserved ranges, IPv4 and IPv6 (mapped IPv4 judged as IPv4); false for what is not an address.
bool is_public_address(std::string_view ip);

struct Deadlines {
  std::chrono::milliseconds response_header{30'000};  // request sent → response head received
  std::chrono::milliseconds body_idle{3'600'000};     // longest silence inside a streamed body
};

// A response whose body is read piece by piece. Destroying it before the end closes the
// connection (that is how an abandoned stream is cancelled upstream); a response read to the
// end returns its connection to the pool.
class UpstreamResponse {
 public:
  virtual ~UpstreamResponse() = default;
  int status = 0;
  Headers headers;
  std::optional<size_t> content_length;  // when the upstream sent one

  // The next piece of the body; an empty string once the body is complete (check done()).
  virtual Task<boost::system::result<std::string, UpstreamError>> read_some() = 0;
  virtual bool done() const = 0;
};

// Where the gateway sends what it forwards and fetches: an interface, so the gateway's request
// handling is tested without sockets (tests/unit/proxy), and the pooled client below in production.
class Upstream {
 public:
  virtual ~Upstream() = default;
  // Requests are taken by value: coroutine parameters must own what they refer to.
  // Sends the request and returns once the response head has arrived; errors are sentences
  // naming the upstream and what failed (refused, timed out, TLS, malformed response).
  virtual Task<boost::system::result<std::unique_ptr<UpstreamResponse>, UpstreamError>> open(ClientRequest request,
                                                                                             Deadlines deadlines) = 0;
  // The whole response, body included (bounded to 8 MiB).
  virtual Task<boost::system::result<Response, UpstreamError>> fetch(ClientRequest request,
                                                                     std::chrono::milliseconds timeout) = 0;
};

// HTTP/1.1 with keep-alive pooling per origin.
class UpstreamClient final : public Upstream {
 public:
  UpstreamClient(boost::asio::any_io_executor executor, UpstreamOptions options);
  ~UpstreamClient();

  Task<boost::system::result<std::unique_ptr<UpstreamResponse>, UpstreamError>> open(ClientRequest request,
                                                                                     Deadlines deadlines) override;
  Task<boost::system::result<Response, UpstreamError>> fetch(ClientRequest request,
                                                             std::chrono::milliseconds timeout) override;

  size_t idle_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpgate::http
