// "Test connection" against a stand-in identity provider on a loopback port.
#include "admin/tenant_check.hpp"

#include <gtest/gtest.h>

#include "unit/admin/admin_fixture.hpp"

namespace mcpgate::admin {
namespace {

using namespace testing;  // the admin fixture

constexpr std::chrono::milliseconds kTimeout{5'000};

TenantCheck check(const DiscoveryServer& idp, std::string authority = {}) {
  return test_tenant_connection(authority.empty() ? idp.authority() : authority, std::string(kTenant), std::nullopt,
                                kTimeout);
}

TEST(TenantCheck, AcceptsTheIssuerOfTheDevelopmentIdpsOwnHost) {
  DiscoveryServer idp;
  idp.serve_issuer(idp.issuer_for(kTenant));
  auto result = check(idp);
  EXPECT_TRUE(result.ok) << result.message;
  EXPECT_EQ(result.step, "ok");
  EXPECT_EQ(result.issuer, idp.issuer_for(kTenant));
  EXPECT_EQ(idp.paths(),
            std::vector<std::string>{"/" + std::string(kTenant) + "/v2.0/.well-known/openid-configuration"});
}

TEST(TenantCheck, AcceptsMicrosoftsIssuerFormAndIgnoresATrailingSlashAndCase) {
  DiscoveryServer idp;
  idp.serve_issuer("https://login.microsoftonline.com/" + std::string(kTenant) + "/v2.0");
  EXPECT_TRUE(check(idp, idp.authority() + "/").ok);
  EXPECT_EQ(idp.paths().back(), "/" + std::string(kTenant) + "/v2.0/.well-known/openid-configuration");

  idp.serve_issuer("HTTPS://LOGIN.MICROSOFTONLINE.COM/" + std::string(kTenant) + "/v2.0");
  EXPECT_TRUE(check(idp).ok);
}

TEST(TenantCheck, ReportsAnIssuerOfAnotherTenant) {
  DiscoveryServer idp;
  idp.serve_issuer(idp.issuer_for(kOtherTenant));
  auto result = check(idp);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.step, "issuer_mismatch");
  EXPECT_EQ(result.issuer, idp.issuer_for(kOtherTenant));
  EXPECT_TRUE(mentions(result.message, idp.issuer_for(kOtherTenant))) << result.message;
  EXPECT_TRUE(mentions(result.message, idp.issuer_for(kTenant))) << result.message;
  EXPECT_TRUE(mentions(result.message, "check the tenant ID")) << result.message;
}

TEST(TenantCheck, ReportsAnIssuerThatOnlyContainsTheTenant) {
  DiscoveryServer idp;
  idp.serve_issuer(idp.issuer_for(kTenant) + "/extra");  // the v1-style or a proxy's issuer
  EXPECT_EQ(check(idp).step, "issuer_mismatch");
}

TEST(TenantCheck, ReportsABodyThatIsNotJson) {
  DiscoveryServer idp;
  idp.respond(http::Response::text(200, "<html>sign in</html>", "text/html"));
  auto result = check(idp);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.step, "not_json");
  EXPECT_TRUE(mentions(result.message, "not a JSON object")) << result.message;
  EXPECT_TRUE(result.issuer.empty());
}

TEST(TenantCheck, ReportsJsonThatIsNoDiscoveryDocument) {
  DiscoveryServer idp;
  idp.respond(http::Response::text(200, R"({"jwks_uri":"https://example.com/keys"})", "application/json"));
  auto result = check(idp);
  EXPECT_EQ(result.step, "not_json");
  EXPECT_TRUE(mentions(result.message, "\"issuer\"")) << result.message;
}

TEST(TenantCheck, ReportsAnErrorStatus) {
  DiscoveryServer idp;
  idp.respond(http::Response::text(500, "oops"));
  auto result = check(idp);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.step, "http_status");
  EXPECT_TRUE(mentions(result.message, "HTTP 500")) << result.message;
}

TEST(TenantCheck, QuotesEntrasExplanationOfAnUnknownTenant) {
  DiscoveryServer idp;
  idp.respond(http::Response::text(
      400, R"({"error":"invalid_tenant","error_description":"AADSTS90002: Tenant not found.\r\nTrace ID: x"})",
      "application/json"));
  auto result = check(idp);
  EXPECT_EQ(result.step, "http_status");
  EXPECT_TRUE(mentions(result.message, "HTTP 400 (AADSTS90002: Tenant not found.)")) << result.message;
  EXPECT_FALSE(mentions(result.message, "Trace ID")) << result.message;
}

TEST(TenantCheck, ReportsARefusedConnection) {
  auto result = test_tenant_connection("http://127.0.0.1:1", std::string(kTenant), std::nullopt, kTimeout);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.step, "unreachable");
  EXPECT_TRUE(mentions(result.message, "cannot reach http://127.0.0.1:1/" + std::string(kTenant))) << result.message;
}

}  // namespace
}  // namespace mcpgate::admin
