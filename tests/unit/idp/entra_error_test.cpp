#include "idp/entra_error.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace mcpgate::idp {
namespace {

TEST(EntraError, ResponseCarriesCodeTraceAndTimestampInEntrasForm) {
  auto e = make_error("invalid_grant", 65001, "No consent.");
  e.suberror = "consent_required";
  auto r = to_response(e, SysTime(std::chrono::seconds(1493678600)), "corr-1");
  EXPECT_EQ(r.status, 400);
  auto b = boost::json::parse(r.body).as_object();
  EXPECT_EQ(b.at("timestamp").as_string(), "2017-05-01 22:43:20Z");
  EXPECT_EQ(b.at("correlation_id").as_string(), "corr-1");
  EXPECT_EQ(b.at("suberror").as_string(), "consent_required");
  std::string description(b.at("error_description").as_string());
  EXPECT_EQ(description.rfind("AADSTS65001: No consent.\r\nTrace ID: ", 0), 0u);
  EXPECT_NE(description.find("\r\nCorrelation ID: corr-1\r\nTimestamp: 2017-05-01 22:43:20Z"), std::string::npos);
  EXPECT_EQ(b.at("error_uri").as_string(), "https://login.microsoftonline.com/error?code=65001");
}

TEST(EntraError, MissingParameterNamesIt) {
  EXPECT_EQ(missing_parameter("scope").description, "The request body must contain the following parameter: 'scope'.");
}

}  // namespace
}  // namespace mcpgate::idp
