#include "proxy/metrics.hpp"

#include <string>

#include <gtest/gtest.h>

namespace mcpgate::proxy {
namespace {

// Whether the exposition has `line` as one whole line.
bool has_line(const std::string& exposition, const std::string& line) {
  return ("\n" + exposition).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, CountsRequestsByRouteAndStatus) {
  Metrics m;
  m.request("/context7", 200);
  m.request("/context7", 200);
  m.request("/context7", 401);
  m.request("/docs", 200);
  auto text = m.render();
  EXPECT_TRUE(has_line(text, "# TYPE mcpgate_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_requests_total{route="/context7",status="200"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_requests_total{route="/context7",status="401"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_requests_total{route="/docs",status="200"} 1)")) << text;
}

TEST(Metrics, CountsValidationFailuresAndExchanges) {
  Metrics m;
  m.validation_failure("expired");
  m.validation_failure("expired");
  m.validation_failure("bad_audience");
  m.exchange("ok", 0.25);
  m.exchange("ok", 0.25);
  m.exchange("invalid_assertion", 0.5);
  auto text = m.render();
  EXPECT_TRUE(has_line(text, R"(mcpgate_token_validation_failures_total{reason="expired"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_token_validation_failures_total{reason="bad_audience"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_obo_exchanges_total{outcome="ok"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(mcpgate_obo_exchanges_total{outcome="invalid_assertion"} 1)")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE mcpgate_obo_exchange_seconds summary")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_exchange_seconds_sum 1")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_exchange_seconds_count 3")) << text;
}

TEST(Metrics, ReportsCacheCountersAndOpenStreams) {
  Metrics m;
  m.verified_cache_hits += 5;
  m.obo_cache_hits += 3;
  ++m.obo_cache_misses;
  ++m.open_streams;
  ++m.open_streams;
  --m.open_streams;
  auto text = m.render();
  EXPECT_TRUE(has_line(text, "mcpgate_verified_token_cache_hits_total 5")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_cache_hits_total 3")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_cache_misses_total 1")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE mcpgate_open_streams gauge")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_open_streams 1")) << text;
}

TEST(Metrics, StartsAtZeroWithEveryFamilyDeclared) {
  auto text = Metrics().render();
  for (auto family :
       {"mcpgate_requests_total", "mcpgate_token_validation_failures_total", "mcpgate_obo_exchanges_total"})
    EXPECT_TRUE(has_line(text, std::string("# TYPE ") + family + " counter")) << family;
  EXPECT_EQ(text.find("mcpgate_requests_total{"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_exchange_seconds_sum 0")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_obo_exchange_seconds_count 0")) << text;
  EXPECT_TRUE(has_line(text, "mcpgate_open_streams 0")) << text;
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace mcpgate::proxy
