#include "common/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace mcpgate {
namespace {

TEST(Logging, NamedLevelsAreApplied) {
  for (auto [name, level] : {std::pair{"trace", spdlog::level::trace}, std::pair{"debug", spdlog::level::debug},
                             std::pair{"info", spdlog::level::info}, std::pair{"warn", spdlog::level::warn},
                             std::pair{"error", spdlog::level::err}}) {
    setup_logging(name);
    EXPECT_EQ(spdlog::default_logger()->level(), level) << name;
    EXPECT_EQ(spdlog::default_logger()->name(), "mcpgate");
  }
}

TEST(Logging, UnknownLevelFallsBackToInfoRatherThanSilence) {
  setup_logging("verbose");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
  setup_logging("");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

TEST(Logging, OffIsHonoured) {
  setup_logging("off");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::off);
  setup_logging("info");
}

}  // namespace
}  // namespace mcpgate
