#include "proxy/upstream_set.hpp"

#include <gtest/gtest.h>

namespace mcpgate::proxy {
namespace {

using std::chrono::seconds;

UpstreamSet three(UpstreamHealth health = {}) {
  return UpstreamSet({"http://a", "http://b", "http://c"}, health, "a-session-key-of-at-least-32-characters");
}

TEST(UpstreamSet, RoundRobinOverTheAvailableOnes) {
  auto set = three();
  SysTime now{};
  EXPECT_EQ(set.pick(now), 0u);
  EXPECT_EQ(set.pick(now), 1u);
  EXPECT_EQ(set.pick(now), 2u);
  EXPECT_EQ(set.pick(now), 0u);
  EXPECT_EQ(set.pick(now, 1), 2u) << "not the one that just failed";
}

TEST(UpstreamSet, ConnectionFailuresEjectForAWhile) {
  auto set = three();
  SysTime now{};
  set.connect_failed(1, now);
  EXPECT_TRUE(set.available(1, now)) << "one failure is not yet a pattern";
  set.connect_failed(1, now);
  EXPECT_FALSE(set.available(1, now));
  for (int i = 0; i < 6; ++i) EXPECT_NE(set.pick(now), 1u);
  EXPECT_TRUE(set.available(1, now + seconds(31)));
  set.answered(0);
}

TEST(UpstreamSet, HealthChecksTakeOutAndBringBack) {
  auto set = three();
  SysTime now{};
  EXPECT_FALSE(set.checked(2, false));
  EXPECT_TRUE(set.checked(2, false)) << "out after two failed checks";
  EXPECT_FALSE(set.available(2, now));
  for (int i = 0; i < 6; ++i) EXPECT_NE(set.pick(now), 2u);
  EXPECT_TRUE(set.checked(2, true)) << "back after one good check";
  EXPECT_TRUE(set.available(2, now));
}

TEST(UpstreamSet, WithNothingAvailableItStillGuesses) {
  auto set = three();
  SysTime now{};
  for (size_t i = 0; i < 3; ++i) {
    set.checked(i, false);
    set.checked(i, false);
  }
  auto first = set.pick(now);
  EXPECT_NE(set.pick(now), first) << "round robin over all of them";
}

TEST(UpstreamSet, SessionsAreSealedToTheirUpstream) {
  auto set = three();
  auto sealed = set.seal_session(2, "abc.def");
  auto bound = set.open_session(sealed);
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->upstream, 2u);
  EXPECT_EQ(bound->session, "abc.def");
  auto moved = sealed;
  moved[1] = '1';  // claims another upstream
  EXPECT_FALSE(set.open_session(moved));
  EXPECT_FALSE(set.open_session("abc.def"));
  EXPECT_FALSE(set.open_session("u9." + sealed.substr(3)));
  EXPECT_FALSE(UpstreamSet({"http://a", "http://b", "http://c"}, {}, "another-key-of-at-least-32-characters-x")
                   .open_session(sealed));
}

}  // namespace
}  // namespace mcpgate::proxy
