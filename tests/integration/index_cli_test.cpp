// `mcpgate index` as a real process: adding, listing, querying, refreshing, restricting and
// removing libraries, and the messages for each kind of bad input.
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace testing;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class IndexCli : public ::testing::Test {
 protected:
  struct Result {
    int status = -1;
    std::string output;
  };

  Result index(std::vector<std::string> args) {
    args.insert(args.begin(), {"index", "--data-dir", (dir / "data").string()});
    ChildProcess p(mcpgate_binary(), args, dir / ("index-" + std::to_string(++runs) + ".log"));
    Result r;
    r.status = p.wait_exit(std::chrono::seconds(120)).value_or(-1);
    r.output = p.output();
    return r;
  }

  void SetUp() override {
    write(dir / "gizmo/README.md",
          "# Gizmo\n\nGizmo assembles widgets from gadgets, safely and quickly.\n\n## Start\n\n"
          "Start the engine before anything else happens.\n\n```js\ngizmo.start()\n```\n");
  }

  TempDir dir;
  int runs = 0;
};

TEST_F(IndexCli, AddListQuerySearchRemove) {
  auto added =
      index({"add", (dir / "gizmo").string(), "--id", "/acme/gizmo", "--version", "v1.2.0", "--trust-score", "8"});
  ASSERT_EQ(added.status, 0) << added.output;
  EXPECT_NE(added.output.find("/acme/gizmo@v1.2.0: 1 files, "), std::string::npos) << added.output;

  auto listed = index({"list"});
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.output.find("/acme/gizmo"), std::string::npos);
  EXPECT_NE(listed.output.find("v1.2.0"), std::string::npos);
  EXPECT_NE(listed.output.find("finalized"), std::string::npos);
  auto as_json = index({"list", "--json"});
  auto entries = json::parse(as_json.output).as_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("title").as_string(), "Gizmo");
  EXPECT_EQ(entries[0].at("trustScore").as_int64(), 8);

  auto query = index({"query", "/acme/gizmo/v1.2.0", "start the engine"});
  EXPECT_EQ(query.status, 0) << query.output;
  EXPECT_EQ(query.output.rfind("### Start", 0), 0u) << query.output;
  auto search = index({"search", "gizmo"});
  EXPECT_NE(search.output.find("Context7-compatible library ID: /acme/gizmo"), std::string::npos) << search.output;

  EXPECT_EQ(index({"remove", "/acme/gizmo/v1.2.0"}).status, 0);
  auto gone = index({"remove", "/acme/gizmo/v1.2.0"});
  EXPECT_EQ(gone.status, 1);
  EXPECT_NE(gone.output.find("is not in the index"), std::string::npos) << gone.output;
}

TEST_F(IndexCli, RefreshReadsTheRecordedFolderAgain) {
  ASSERT_EQ(index({"add", (dir / "gizmo").string(), "--id", "/acme/gizmo"}).status, 0);
  EXPECT_EQ(index({"query", "/acme/gizmo", "sprockets"}).status, 1);
  write(dir / "gizmo/docs/sprockets.md", "# Sprockets\n\nSprockets turn the gadgets when the engine runs.\n");
  auto refreshed = index({"refresh", "/acme/gizmo"});
  ASSERT_EQ(refreshed.status, 0) << refreshed.output;
  auto query = index({"query", "/acme/gizmo", "sprockets"});
  EXPECT_EQ(query.status, 0) << query.output;
  EXPECT_NE(query.output.find("Sprockets turn the gadgets"), std::string::npos);
  EXPECT_EQ(index({"refresh", "/acme/other"}).status, 1);
}

TEST_F(IndexCli, ManifestIndexesSeveralLibraries) {
  write(dir / "more/README.md", "# More\n\nMore is another library with its own words.\n");
  write(dir / "libraries.yaml",
        "libraries:\n  - {id: /acme/gizmo, path: gizmo, version: v1}\n"
        "  - {id: /acme/more, path: more, title: More Things, aliases: [morejs]}\n");
  auto added = index({"add", "--manifest", (dir / "libraries.yaml").string()});
  ASSERT_EQ(added.status, 0) << added.output;
  auto search = index({"search", "morejs"});
  EXPECT_NE(search.output.find("- Title: More Things"), std::string::npos) << search.output;
}

TEST_F(IndexCli, RestrictAndUnrestrict) {
  ASSERT_EQ(index({"add", (dir / "gizmo").string(), "--id", "/acme/gizmo"}).status, 0);
  EXPECT_EQ(index({"restrict", "/acme/gizmo", "--teamspace", "1", "--group", "g-1"}).status, 0);
  EXPECT_EQ(index({"unrestrict", "/acme/gizmo", "--teamspace", "1", "--group", "g-1"}).status, 0);
  auto again = index({"unrestrict", "/acme/gizmo", "--teamspace", "1", "--group", "g-1"});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("has no restriction"), std::string::npos);
}

TEST_F(IndexCli, BadInputIsExplained) {
  auto id = index({"add", (dir / "gizmo").string(), "--id", "gizmo"});
  EXPECT_EQ(id.status, 1);
  EXPECT_NE(id.output.find("/owner/project"), std::string::npos) << id.output;
  auto pinned = index({"add", (dir / "gizmo").string(), "--id", "/acme/gizmo/v2"});
  EXPECT_NE(pinned.output.find("--version v2"), std::string::npos) << pinned.output;
  auto folder = index({"add", (dir / "missing").string(), "--id", "/acme/missing"});
  EXPECT_NE(folder.output.find("is not a folder"), std::string::npos) << folder.output;
  write(dir / "gizmo/context7.json", "{\"excludeFolders\": 3}");
  auto settings = index({"add", (dir / "gizmo").string(), "--id", "/acme/gizmo"});
  EXPECT_EQ(settings.status, 1);
  EXPECT_NE(settings.output.find("\"excludeFolders\" must be an array"), std::string::npos) << settings.output;
  write(dir / "bad.yaml", "libraries:\n  - {id: /acme/x, path: x, trust_score: high}\n");
  auto manifest = index({"add", "--manifest", (dir / "bad.yaml").string()});
  EXPECT_EQ(manifest.status, 1);
  EXPECT_NE(manifest.output.find("trust_score"), std::string::npos) << manifest.output;
  auto both = index({"add", (dir / "gizmo").string(), "--manifest", (dir / "bad.yaml").string()});
  EXPECT_NE(both.output.find("either --manifest or a folder"), std::string::npos) << both.output;
  auto missing_tag = index({"query", "/acme/gizmo/v9", "x"});
  EXPECT_EQ(missing_tag.status, 1);
}

}  // namespace
}  // namespace mcpgate
