#pragma once
#include <chrono>

namespace mcpgate {

using SysTime = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

// Everything that decides by time asks a Clock, so tests move time instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

inline long long unix_seconds(SysTime t) { return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count(); }

}  // namespace mcpgate
