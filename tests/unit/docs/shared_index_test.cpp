#include "docs/shared_index.hpp"

#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "docs/indexer.hpp"
#include "store/postgres_schema.hpp"
#include "support/manual_clock.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

constexpr const char* kGroup = "40000000-0000-4000-8000-000000000001";

// Two servers' local indexes over one PostgreSQL database.
class SharedIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::pg::Connection db(settings());
    store::pg::migrate(db, clock.now());
    std::filesystem::create_directories(dir / "widgets");
    std::ofstream(dir / "widgets" / "README.md")
        << "# Widgets\n\nWidgets render dashboards.\n\n## Install\n\nRun the installer.\n\n```bash\nnpm install "
           "widgets\n```\n\n## Configure\n\nSet `WIDGETS_HOME` to the folder.\n";
  }
  store::pg::Settings settings() const { return testing::shared_postgres().settings(database); }

  void index_widgets(DocIndex& index, const std::string& tag = "") {
    IndexRequest request;
    request.folder = dir / "widgets";
    request.id = "/acme/widgets";
    request.tag = tag;
    ASSERT_TRUE(index_folder(index, request));
  }

  static std::vector<std::string> titles(const DocIndex& index, const std::string& tag) {
    auto record = index.library("/acme/widgets");
    std::vector<std::string> out;
    if (!record) return out;
    for (const auto& v : record->versions)
      if (v.tag == tag && v.state == "finalized")
        for (const auto& s : index.all_snippets(v.row)) out.push_back(s.snippet.title);
    return out;
  }

  testing::TempDir dir;
  testing::ManualClock clock;
  std::string database = testing::shared_postgres().create_database();
  DocIndex first{dir / "first.db", clock};
  DocIndex second{dir / "second.db", clock};
  SharedIndex first_shared{first, settings(), dir / "first.position"};
  SharedIndex second_shared{second, settings(), dir / "second.position"};
};

TEST_F(SharedIndexTest, AVersionIndexedOnceIsServedByTheOtherServerWhole) {
  index_widgets(first, "v1.0.0");
  first_shared.publish_version("/acme/widgets", "v1.0.0");
  EXPECT_EQ(second_shared.apply_pending(), 1);
  auto mine = titles(first, "v1.0.0");
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(titles(second, "v1.0.0"), mine);
  auto record = second.library("/acme/widgets");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->info.title, first.library("/acme/widgets")->info.title);
  EXPECT_EQ(second_shared.apply_pending(), 0);  // nothing new

  // Its own publication, applied again, leaves the same documentation.
  EXPECT_EQ(first_shared.apply_pending(), 1);
  EXPECT_EQ(titles(first, "v1.0.0"), mine);
}

TEST_F(SharedIndexTest, RemovalsAndRestrictionsFollowInOrder) {
  index_widgets(first);
  index_widgets(first, "v2.0.0");
  first_shared.publish_version("/acme/widgets", "");
  first_shared.publish_version("/acme/widgets", "v2.0.0");
  first_shared.publish_restriction(7, "/acme/widgets", kGroup, true);
  first_shared.publish_removal("/acme/widgets", std::string("v2.0.0"));
  EXPECT_EQ(second_shared.apply_pending(), 4);
  EXPECT_FALSE(titles(second, "").empty());
  EXPECT_TRUE(titles(second, "v2.0.0").empty());
  auto restricted = second.restrictions(7);
  ASSERT_EQ(restricted.size(), 1u);
  EXPECT_EQ(restricted[0].second, std::vector<std::string>{kGroup});

  first_shared.publish_restriction(7, "/acme/widgets", kGroup, false);
  first_shared.publish_removal("/acme/widgets", std::nullopt);
  EXPECT_EQ(second_shared.apply_pending(), 2);
  EXPECT_TRUE(second.restrictions(7).empty());
  EXPECT_FALSE(second.library("/acme/widgets"));
}

TEST_F(SharedIndexTest, AServerStartedLaterCatchesUpAndRemembersWhereItStopped) {
  index_widgets(first);
  first_shared.publish_version("/acme/widgets", "");
  {
    DocIndex late(dir / "late.db", clock);
    SharedIndex late_shared(late, settings(), dir / "late.position");
    EXPECT_EQ(late_shared.apply_pending(), 1);
    EXPECT_FALSE(titles(late, "").empty());
  }
  DocIndex late(dir / "late.db", clock);
  SharedIndex restarted(late, settings(), dir / "late.position");
  EXPECT_EQ(restarted.last_applied(), 1);
  EXPECT_EQ(restarted.apply_pending(), 0);
}

TEST_F(SharedIndexTest, ADamagedEventIsSkippedAndDoesNotStopTheRest) {
  testing::shared_postgres().admin_query(database,
                                         "INSERT INTO doc_events (kind, library_id, tag, payload, created_ms) "
                                         "VALUES ('publish', '/acme/widgets', '', '{\"library\": 1', 0)");
  testing::shared_postgres().admin_query(database,
                                         "INSERT INTO doc_events (kind, library_id, payload, created_ms) "
                                         "VALUES ('remove', '../../etc', '', 0)");
  index_widgets(first);
  first_shared.publish_version("/acme/widgets", "");
  EXPECT_EQ(second_shared.apply_pending(), 3);
  EXPECT_FALSE(titles(second, "").empty());
}

TEST_F(SharedIndexTest, AVersionNotFinalizedHereCannotBePublished) {
  EXPECT_THROW(first_shared.publish_version("/acme/widgets", ""), std::runtime_error);
}

// The sync loop wakes on NOTIFY: a publication reaches the other server without its poll.
TEST_F(SharedIndexTest, TheSyncLoopAppliesPublicationsAsTheyArrive) {
  std::atomic<bool> stop{false};
  std::thread sync([&] { second_shared.run(stop, std::chrono::minutes(10)); });
  index_widgets(first);
  auto event = first_shared.publish_version("/acme/widgets", "");
  bool arrived = testing::eventually([&] { return second_shared.last_applied() >= event; }, std::chrono::seconds(20));
  stop = true;
  sync.join();
  ASSERT_TRUE(arrived);
  EXPECT_FALSE(titles(second, "").empty());
}

}  // namespace
}  // namespace mcpgate::docs
