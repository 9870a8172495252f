#pragma once
#include <chrono>
#include <string>

namespace mcpgate::testing {

// A bare TCP connection to 127.0.0.1, for what the blocking client cannot show: reading a
// streamed response piece by piece, and hanging up in the middle of one.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes);
  // Reads until `needle` has arrived (true) or the timeout passes or the peer closes (false).
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout);
  // Reads until the peer closes (true) or the timeout passes (false).
  bool read_until_closed(std::chrono::milliseconds timeout);
  const std::string& received() const { return received_; }
  void close();

 private:
  enum class Read { data, closed, timeout };
  Read read_more(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string received_;
};

}  // namespace mcpgate::testing
