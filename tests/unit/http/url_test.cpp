#include "http/url.hpp"

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

HttpTarget parsed(const std::string& url) {
  std::string error;
  auto t = parse_http_url(url, error);
  EXPECT_TRUE(t) << url << ": " << error;
  return t.value_or(HttpTarget{});
}

std::string refusal(const std::string& url) {
  std::string error;
  auto t = parse_http_url(url, error);
  EXPECT_FALSE(t) << url << " was accepted";
  return error;
}

TEST(HttpUrl, DefaultPortsFollowTheScheme) {
  auto plain = parsed("http://example.com");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.target, "/");
  EXPECT_EQ(plain.host_header, "example.com");
  auto secure = parsed("https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration");
  EXPECT_TRUE(secure.tls);
  EXPECT_EQ(secure.port, "443");
  EXPECT_EQ(secure.host, "login.microsoftonline.com");
  EXPECT_EQ(secure.target, "/tenant/v2.0/.well-known/openid-configuration");
  EXPECT_EQ(secure.origin(), "https://login.microsoftonline.com:443");
}

TEST(HttpUrl, ExplicitPortAndQueryAreKeptAsWritten) {
  auto t = parsed("http://127.0.0.1:9420/mcp/oauth?a=1&b=%20x");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, "9420");
  EXPECT_EQ(t.host_header, "127.0.0.1:9420");
  EXPECT_EQ(t.target, "/mcp/oauth?a=1&b=%20x");
}

TEST(HttpUrl, Ipv6HostsLoseTheirBracketsForResolvingButNotInTheHostHeader) {
  auto t = parsed("http://[::1]:8080/x");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.host_header, "[::1]:8080");
  EXPECT_EQ(t.origin(), "http://::1:8080");
}

TEST(HttpUrl, OtherSchemesAndRelativeUrlsAreRefusedWithTheUrlNamed) {
  EXPECT_NE(refusal("ftp://example.com/").find("only http and https"), std::string::npos);
  EXPECT_NE(refusal("/relative/path").find("'/relative/path' is not an absolute URL"), std::string::npos);
  EXPECT_NE(refusal("").find("not an absolute URL"), std::string::npos);
  EXPECT_NE(refusal("http://exa mple.com/").find("not an absolute URL"), std::string::npos);
}

TEST(OriginOf, AsABrowserSendsIt) {
  EXPECT_EQ(origin_of("HTTPS://GW.Contoso.dev:443/x?y"), "https://gw.contoso.dev");
  EXPECT_EQ(origin_of("http://localhost:80/"), "http://localhost");
  EXPECT_EQ(origin_of("http://localhost:9410"), "http://localhost:9410");
  EXPECT_EQ(origin_of("not a url"), "");
}

}  // namespace
}  // namespace mcpgate::http
