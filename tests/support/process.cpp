#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

extern char** environ;

namespace mcpgate::testing {

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::filesystem::path& output_file)
    : output_file_(output_file) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program);
}

ChildProcess::~ChildProcess() {
  if (!status_) stop(std::chrono::milliseconds(2000));
}

bool ChildProcess::running() { return !wait_exit(std::chrono::milliseconds(0)).has_value(); }

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (status_) return *status_;
  ::kill(pid_, SIGTERM);
  if (auto s = wait_exit(grace)) return *s;
  ::kill(pid_, SIGKILL);
  return wait_exit(std::chrono::milliseconds(5000)).value_or(-1);
}

std::string ChildProcess::output() const {
  std::ifstream in(output_file_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool poll_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return true;
}

int free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string binary_from_env(const char* name) {
  const char* bin = std::getenv(name);
  if (!bin) throw std::runtime_error(std::string(name) + " is not set (ctest sets it to the built binary)");
  return bin;
}

std::string mcpgate_binary() { return binary_from_env("MCPGATE_BIN"); }

RunningServer start_mcpgate(std::vector<std::string> args, const std::filesystem::path& work_dir) {
  return start_server(mcpgate_binary(), std::move(args), work_dir);
}

RunningServer start_server(const std::string& program, std::vector<std::string> args,
                           const std::filesystem::path& work_dir, bool port_zero) {
  static std::atomic<int> counter = 0;
  auto n = std::to_string(++counter);
  auto port_file = work_dir / ("port-" + n);
  if (port_zero) {
    args.push_back("--port");
    args.push_back("0");
  }
  args.push_back("--port-file");
  args.push_back(port_file.string());
  RunningServer server;
  server.process = std::make_unique<ChildProcess>(program, args, work_dir / ("output-" + n + ".log"));
  bool ready = poll_until(
      [&] {
        std::ifstream in(port_file);
        int port = 0;
        if (in >> port && port > 0) {
          server.port = port;
          return true;
        }
        return !server.process->running();
      },
      std::chrono::milliseconds(20'000));
  if (!ready || server.port == 0) throw std::runtime_error(program + " did not start: " + server.process->output());
  return server;
}

}  // namespace mcpgate::testing
