#pragma once
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/message.hpp"

namespace mcpgate::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  Headers headers;
  std::string body;
};

struct ClientOptions {
  std::optional<std::string> ca_file;         // trust this CA (PEM) in addition to the system store
  std::chrono::milliseconds timeout{10'000};  // connect, write and read together
};

// Thrown for what prevents an HTTP answer: bad URL, refused connection, TLS failure, timeout.
class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One request on a fresh connection, waiting for the whole answer. For tools, tests and
// start-up checks; the request paths that must not block use their own asynchronous client.
Response fetch(const ClientRequest& request, const ClientOptions& options = {});

}  // namespace mcpgate::http
