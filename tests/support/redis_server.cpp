#include "support/redis_server.hpp"

#include <csignal>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "http/local_tls.hpp"

namespace mcpgate::testing {

namespace asio = boost::asio;

RedisServer::RedisServer(std::filesystem::path dir, bool tls) : dir_(std::move(dir)), port_(free_port()) {
  if (tls) {
    http::ensure_local_tls(dir_ / "tls");
    tls_port_ = free_port();
  }
  start();
  if (!eventually([&] { return ready(); }))
    throw std::runtime_error("redis-server did not answer on port " + std::to_string(port_) + ": " +
                             process_->output());
}

RedisServer::~RedisServer() = default;

void RedisServer::start() {
  std::vector<std::string> args{
      "--port", std::to_string(port_), "--bind",      "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir",  dir_.string(),         "--daemonize", "no"};
  if (tls_port_) {
    auto tls = dir_ / "tls";
    for (std::string a :
         std::vector<std::string>{"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                                  (tls / "server.pem").string(), "--tls-key-file", (tls / "server-key.pem").string(),
                                  "--tls-ca-cert-file", (tls / "ca.pem").string(), "--tls-auth-clients", "no"})
      args.push_back(a);
  }
  process_ =
      std::make_unique<ChildProcess>("/usr/bin/redis-server", args, dir_ / ("redis-" + std::to_string(port_) + ".log"));
}

redis::Reply RedisServer::command(const std::vector<std::string>& arguments) const {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  asio::write(socket, asio::buffer(redis::format_command(arguments)));
  redis::ReplyReader reader;
  char buffer[4096];
  for (;;) {
    size_t n = socket.read_some(asio::buffer(buffer));
    reader.feed({buffer, n});
    if (auto reply = reader.next()) return *reply;
  }
}

bool RedisServer::ready() const {
  try {
    return command({"PING"}).text == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

void RedisServer::kill() {
  ::kill(process_->pid(), SIGKILL);
  process_->wait_exit(std::chrono::milliseconds(5000));
}

void RedisServer::restart() {
  if (process_->running()) kill();
  start();
  if (!eventually([&] { return ready(); })) throw std::runtime_error("redis-server did not come back");
}

}  // namespace mcpgate::testing
