#pragma once
#include <string_view>

namespace mcpgate {

// Configures the process-wide logger: human-readable lines on stderr.
// Levels: trace, debug, info, warn, error. Unknown names fall back to info.
void setup_logging(std::string_view level);

}  // namespace mcpgate
