#include "config/yaml_reader.hpp"

#include <cstdlib>
#include <functional>

#include <gtest/gtest.h>

namespace mcpgate::config {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(YamlReader, ReadsTypedValuesWithDefaults) {
  auto r = YamlReader::from_string("a: x\nb: true\nc: 42\nd: 10m\ne: [p, q]\n", "t.yaml");
  EXPECT_EQ(r.str("a"), "x");
  EXPECT_TRUE(r.boolean("b", false));
  EXPECT_EQ(r.integer("c", 0, 0, 100), 42);
  EXPECT_EQ(r.duration("d", {}), std::chrono::minutes(10));
  EXPECT_EQ(r.strings("e"), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(r.str_or("missing", "dflt"), "dflt");
  EXPECT_EQ(r.strings("missing"), std::vector<std::string>{});
}

TEST(YamlReader, TellsAMappingFromAScalar) {
  auto r = YamlReader::from_string("a: x\nb: {c: 1}\n", "t.yaml");
  EXPECT_FALSE(r.has_map("a"));
  EXPECT_TRUE(r.has_map("b"));
  EXPECT_FALSE(r.has_map("missing"));
}

TEST(YamlReader, ErrorsNameFileAndPath) {
  auto r = YamlReader::from_string("outer:\n  items:\n    - {n: abc}\n", "t.yaml");
  auto items = r.child("outer").list("items");
  EXPECT_EQ(error_of([&] { items[0].integer("n", 0, 0, 9); }),
            "t.yaml: outer.items[0].n: must be a whole number, got 'abc'");
  EXPECT_EQ(error_of([&] { r.str("nope"); }), "t.yaml: nope: is required");
  EXPECT_EQ(error_of([&] { r.child("outer").allow_only({"other"}); }),
            "t.yaml: outer.items: unknown key (expected one of: other)");
}

TEST(YamlReader, RangeAndShapeErrors) {
  auto r = YamlReader::from_string("n: 500\nl: [1]\nb: maybe\n", "t.yaml");
  EXPECT_NE(error_of([&] { r.integer("n", 0, 1, 100); }).find("between 1 and 100"), std::string::npos);
  EXPECT_NE(error_of([&] { r.str("l"); }).find("single value"), std::string::npos);
  EXPECT_NE(error_of([&] { r.boolean("b", false); }).find("true or false"), std::string::npos);
}

TEST(YamlReader, AKeyThatIsAListIsAConfigErrorNamingThePlace) {
  // Found by fuzz/yaml_config.cpp: yaml-cpp's own "bad conversion" escaped before.
  auto r = YamlReader::from_string("validation: {clock_skew: 5m, [RS256]}\n", "gateway.yaml");
  try {
    r.child("validation").allow_only({"clock_skew", "algorithms"});
    FAIL() << "accepted a list as a key";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("gateway.yaml: validation: a key must be a plain name"), std::string::npos)
        << e.what();
  }
}

TEST(YamlReader, InvalidYamlReportsLine) {
  EXPECT_NE(error_of([] { YamlReader::from_string("a: [\n", "t.yaml"); }).find("t.yaml: line"), std::string::npos);
  EXPECT_NE(error_of([] { YamlReader::from_string("- a\n", "t.yaml"); }).find("top level must be a mapping"),
            std::string::npos);
}

TEST(ResolveReference, EnvAndFileAndPlainText) {
  ::setenv("MCPGATE_YAML_TEST", "v", 1);
  EXPECT_EQ(resolve_reference("${env:MCPGATE_YAML_TEST}", "w"), "v");
  EXPECT_EQ(resolve_reference("plain ${text}", "w"), "plain ${text}");
  EXPECT_NE(error_of([] { resolve_reference("${file:/nonexistent/x}", "here"); }).find("here: refers to file"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_reference("${vault:x}", "here"); }).find("${env:NAME} or ${file:/path}"),
            std::string::npos);
}

TEST(YamlReader, MissingFileIsAClearError) {
  EXPECT_NE(error_of([] { YamlReader::from_file("/nonexistent/mcpgate.yaml"); }).find("cannot read the file"),
            std::string::npos);
}

}  // namespace
}  // namespace mcpgate::config
