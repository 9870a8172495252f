#include "doctor/check.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::doctor {
namespace {

TEST(DoctorReport, OneAlignedLinePerCheck) {
  std::vector<Check> checks{pass("audience", "api matches"), fail("issuer", "token is v1"), skip("tenant", "tid x")};
  EXPECT_EQ(render_text(checks),
            "PASS audience  api matches\n"
            "FAIL issuer    token is v1\n"
            "SKIP tenant    tid x\n");
}

TEST(DoctorReport, ExitCodeIsOneOnlyWhenSomethingFailed) {
  EXPECT_EQ(exit_code({pass("a", "ok"), skip("b", "nothing to compare")}), 0);
  EXPECT_EQ(exit_code({pass("a", "ok"), fail("b", "no")}), 1);
  EXPECT_EQ(exit_code({}), 0);
}

TEST(DoctorReport, JsonCarriesEveryCheckAndTheVerdict) {
  auto doc = boost::json::parse(render_json({pass("audience", "ok"), fail("expiry", "expired 2h ago")})).as_object();
  EXPECT_FALSE(doc.at("ok").as_bool());
  auto& list = doc.at("checks").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].at("name").as_string(), "expiry");
  EXPECT_EQ(list[1].at("status").as_string(), "fail");
  EXPECT_EQ(list[1].at("message").as_string(), "expired 2h ago");
  EXPECT_TRUE(boost::json::parse(render_json({pass("a", "b")})).at("ok").as_bool());
}

}  // namespace
}  // namespace mcpgate::doctor
