#include "http/cookie.hpp"

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

TEST(CookieValue, FindsOneCookieAmongSeveralAndSeveralHeaders) {
  http::Request r;
  r.headers.add("Cookie", "a=1; mcpgate_session=abc ; b=2");
  EXPECT_EQ(cookie_value(r, "mcpgate_session"), "abc");
  EXPECT_EQ(cookie_value(r, "b"), "2");
  EXPECT_FALSE(cookie_value(r, "mcpgate"));
  r.headers.add("cookie", "c=3");
  EXPECT_EQ(cookie_value(r, "c"), "3");
}

TEST(SetCookie, AlwaysHttpOnlyAndSecureBehindHttps) {
  EXPECT_EQ(set_cookie("a", "1", "Path=/; SameSite=Lax", false), "a=1; Path=/; SameSite=Lax; HttpOnly");
  EXPECT_EQ(set_cookie("a", "1", "Path=/", true), "a=1; Path=/; HttpOnly; Secure");
  EXPECT_EQ(cookie_name("s", true), "__Host-s");
  EXPECT_EQ(cookie_name("s", false), "s");
}

}  // namespace
}  // namespace mcpgate::http
