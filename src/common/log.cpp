#include "common/log.hpp"

#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace mcpgate {

void setup_logging(std::string_view level) {
  // A second call (tests, a command that reconfigures) replaces the logger instead of throwing
  // spdlog's "logger with name 'mcpgate' already exists".
  spdlog::drop("mcpgate");
  auto logger = spdlog::stderr_color_mt("mcpgate");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  if (logger->level() == spdlog::level::off && level != "off") logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace mcpgate
