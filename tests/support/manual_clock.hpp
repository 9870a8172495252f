#pragma once
#include <atomic>

#include "common/clock.hpp"

namespace mcpgate::testing {

// Time that moves only when a test says so.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SysTime start = SysTime(std::chrono::seconds(1'800'000'000)))
      : now_(start.time_since_epoch().count()) {}
  SysTime now() const override { return SysTime(SysTime::duration(now_.load())); }
  void advance(std::chrono::seconds by) { now_ += std::chrono::duration_cast<SysTime::duration>(by).count(); }

 private:
  std::atomic<SysTime::rep> now_;
};

}  // namespace mcpgate::testing
