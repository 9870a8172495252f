#include "mcp/session.hpp"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"

namespace mcpgate::mcp {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(SessionStore, IdsAreRandomVisibleAscii) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    auto id = store.create("2025-06-18", clock.now());
    EXPECT_EQ(id.size(), 43u) << "32 bytes in unpadded base64url";
    EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7E; })) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(store.size(), 200u);
}

TEST(SessionStore, FindsWhatWasCreatedAndNothingElse) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  auto id = store.create("2025-03-26", clock.now());
  auto found = store.find(id, clock.now());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->protocol_version, "2025-03-26");
  EXPECT_FALSE(found->initialized);
  EXPECT_FALSE(store.find(id + "x", clock.now()));
  EXPECT_FALSE(store.find("", clock.now()));
}

TEST(SessionStore, KeepsTheWholeStateAndItsUpdates) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  auto id = store.create(SessionState{.protocol_version = "2025-11-25", .client_name = "claude-code"}, clock.now());
  auto state = *store.find(id, clock.now());
  EXPECT_EQ(state.client_name, "claude-code");
  state.initialized = true;
  EXPECT_TRUE(store.update(id, state));
  EXPECT_TRUE(store.find(id, clock.now())->initialized);
  EXPECT_FALSE(store.update("unknown", state));
}

TEST(SessionStore, ForgetsASessionIdleForTheTimeout) {
  mcpgate::testing::ManualClock clock;
  SessionStore store({.idle_timeout = minutes(10)});
  auto id = store.create("2025-06-18", clock.now());
  clock.advance(minutes(9));
  EXPECT_TRUE(store.find(id, clock.now())) << "use restarts the idle time";
  clock.advance(minutes(9));
  EXPECT_TRUE(store.find(id, clock.now()));
  clock.advance(minutes(10) - seconds(1));
  EXPECT_TRUE(store.find(id, clock.now()));
  clock.advance(minutes(10));
  EXPECT_FALSE(store.find(id, clock.now()));
  EXPECT_EQ(store.size(), 0u) << "an expired session is dropped when found";
}

TEST(SessionStore, DefaultIdleTimeoutIsHalfAnHour) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  auto id = store.create("2025-06-18", clock.now());
  clock.advance(minutes(30) - seconds(1));
  EXPECT_TRUE(store.find(id, clock.now()));
  clock.advance(minutes(30));
  EXPECT_FALSE(store.find(id, clock.now()));
}

TEST(SessionStore, ExpireDropsOnlyIdleSessions) {
  mcpgate::testing::ManualClock clock;
  SessionStore store({.idle_timeout = minutes(5)});
  auto old_one = store.create("2025-06-18", clock.now());
  clock.advance(minutes(3));
  auto new_one = store.create("2025-06-18", clock.now());
  clock.advance(minutes(3));
  EXPECT_EQ(store.expire(clock.now()), 1u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.find(new_one, clock.now()));
  EXPECT_FALSE(store.find(old_one, clock.now()));
}

TEST(SessionStore, RemoveEndsASession) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  auto id = store.create("2025-06-18", clock.now());
  EXPECT_TRUE(store.remove(id));
  EXPECT_FALSE(store.find(id, clock.now()));
  EXPECT_FALSE(store.remove(id));
}

TEST(SessionStore, WhenFullTheLeastRecentlyUsedGoes) {
  mcpgate::testing::ManualClock clock;
  SessionStore store({.max_sessions = 3});
  auto a = store.create("2025-06-18", clock.now());
  clock.advance(seconds(1));
  auto b = store.create("2025-06-18", clock.now());
  clock.advance(seconds(1));
  auto c = store.create("2025-06-18", clock.now());
  clock.advance(seconds(1));
  ASSERT_TRUE(store.find(a, clock.now()));  // now b is the least recently used
  auto d = store.create("2025-06-18", clock.now());
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.find(b, clock.now()));
  for (const auto& id : {a, c, d}) EXPECT_TRUE(store.find(id, clock.now()));
}

TEST(SessionStore, TakesConcurrentUse) {
  mcpgate::testing::ManualClock clock;
  SessionStore store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto id = store.create("2025-06-18", clock.now());
        EXPECT_TRUE(store.find(id, clock.now()));
        if (i % 2) {
          EXPECT_TRUE(store.remove(id));
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.size(), 400u);
}

}  // namespace
}  // namespace mcpgate::mcp
