#include "docs/manifest.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "config/yaml_reader.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::docs {
namespace {

TEST(Manifest, ReadsEntriesRelativeToItsFolder) {
  testing::TempDir dir;
  std::ofstream(dir / "libraries.yaml") << "libraries:\n"
                                           "  - id: /nodejs/node\n    path: nodejs\n    version: v18.20.4\n"
                                           "    title: Node.js\n    trust_score: 10\n    aliases: [node, nodejs]\n"
                                           "    source_url: https://example.test/node\n"
                                           "  - {id: /a/b, path: /abs/b}\n";
  auto requests = read_manifest(dir / "libraries.yaml");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].folder, dir / "nodejs");
  EXPECT_EQ(requests[0].tag, "v18.20.4");
  EXPECT_EQ(requests[0].title, "Node.js");
  EXPECT_EQ(requests[0].trust_score, 10);
  EXPECT_EQ(requests[0].aliases, (std::vector<std::string>{"node", "nodejs"}));
  EXPECT_EQ(requests[1].folder, "/abs/b");
  EXPECT_FALSE(requests[1].trust_score);
}

TEST(Manifest, MistakesNameTheEntryAndKey) {
  testing::TempDir dir;
  auto error_of = [&](const std::string& yaml) {
    std::ofstream(dir / "m.yaml") << yaml;
    try {
      read_manifest(dir / "m.yaml");
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("libraries:\n  - {id: nodejs, path: x}\n").find("id"), std::string::npos);
  EXPECT_NE(error_of("libraries:\n  - {id: /a/b, path: x, trust: 3}\n").find("trust"), std::string::npos);
  EXPECT_NE(error_of("libraries:\n  - {id: /a/b, path: x, trust_score: 11}\n").find("trust_score"), std::string::npos);
  EXPECT_NE(error_of("libraries: []\n").find("lists no library"), std::string::npos);
  EXPECT_NE(error_of("libraries:\n  - {id: /a/b}\n").find("path"), std::string::npos);
}

}  // namespace
}  // namespace mcpgate::docs
