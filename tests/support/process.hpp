#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpgate::testing {

// A child process started by a test and always stopped by it (the destructor kills it).
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::filesystem::path& output_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  bool running();
  // Sends SIGTERM and waits for the exit status (killing it if it does not stop in time).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // Waits for the process to exit on its own; nullopt if it is still running after timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::string output() const;

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path output_file_;
};

// Polls (with a short back-off) until predicate() holds or timeout passes.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));
bool poll_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  return poll_until(std::function<bool()>(predicate), timeout);
}

// The mcpgate binary under test (CMake passes its path in MCPGATE_BIN).
std::string mcpgate_binary();

// Starts `mcpgate <args> --port 0 --port-file F` and waits until it has written its port.
struct RunningServer {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
};
RunningServer start_mcpgate(std::vector<std::string> args, const std::filesystem::path& work_dir);
// Any server program that takes --port-file (and, with port_zero, --port 0).
RunningServer start_server(const std::string& program, std::vector<std::string> args,
                           const std::filesystem::path& work_dir, bool port_zero = true);
// A loopback TCP port nothing listens on now, for programs that cannot report the port they bound
// (redis-server, HAProxy). Another process could take it before they do; tests live with that.
int free_port();
// The path in environment variable `name`, set by CMake for helper binaries.
std::string binary_from_env(const char* name);

}  // namespace mcpgate::testing
