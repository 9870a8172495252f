#pragma once
// A real redis-server (Debian's) started by a test on a free loopback port, with nothing saved
// to disk, and stopped when the test ends.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "redis/protocol.hpp"
#include "support/process.hpp"

namespace mcpgate::testing {

class RedisServer {
 public:
  // With `tls`, it also listens for TLS (a development CA's certificate for 127.0.0.1) on tls_port().
  explicit RedisServer(std::filesystem::path dir, bool tls = false);
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  std::string tls_url() const { return "rediss://127.0.0.1:" + std::to_string(tls_port_); }
  int tls_port() const { return tls_port_; }
  // The CA that signed its TLS certificate.
  std::filesystem::path ca_file() const { return dir_ / "tls" / "ca.pem"; }
  // Answers PING with PONG.
  bool ready() const;
  // SIGKILL: no goodbye to its clients, as when a machine dies.
  void kill();
  // Starts it again on the same port (empty: nothing was saved) and waits until it answers.
  void restart();
  // One command on a connection of its own, as redis-cli would send it. Throws when it cannot connect.
  redis::Reply command(const std::vector<std::string>& arguments) const;

 private:
  void start();
  std::filesystem::path dir_;
  int port_ = 0;
  int tls_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace mcpgate::testing
