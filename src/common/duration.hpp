#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate {

// "90", "90s", "15m", "2h", "7d", "250ms": configuration durations, as people write them.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);

}  // namespace mcpgate
