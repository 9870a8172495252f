#include "http/form.hpp"

#include <cstring>
#include <memory>

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

TEST(Form, DecodesPlusAsSpaceButEncodedPlusAsPlus) {
  auto f = parse_form("scope=openid+profile&secret=a%2Bb&empty=&flag");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get("scope"), "openid profile");
  EXPECT_EQ(f->get("secret"), "a+b");
  EXPECT_EQ(f->get("empty"), "");
  EXPECT_EQ(f->get("flag"), "");
  EXPECT_FALSE(f->get("missing"));
}

TEST(Form, RejectsBadPercentEncoding) {
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a=%4"));
}

TEST(Form, FindsRepeatedParameters) {
  EXPECT_EQ(parse_form("a=1&b=2&a=3")->repeated_name(), "a");
  EXPECT_FALSE(parse_form("a=1&b=2")->repeated_name());
  EXPECT_EQ(parse_form("x=1&b=2&b=3&x=4")->repeated_name(), "x") << "the first name that repeats";
  // Many distinct names: answered at once (a quadratic check took minutes on a 4 MiB body).
  std::string many;
  for (int i = 0; i < 200'000; ++i) many += (i ? "&k" : "k") + std::to_string(i) + "=v";
  EXPECT_FALSE(parse_form(many)->repeated_name());
}

TEST(Form, EncodeRoundTripsAndFilters) {
  Form f;
  f.add("redirect_uri", "http://127.0.0.1:1/cb?x=1");
  f.add("resource", "https://mcp/");
  f.add("scope", "a b");
  auto kept = f.encode_if([](std::string_view n) { return n != "resource"; });
  auto back = parse_form(kept);
  EXPECT_EQ(back->get("redirect_uri"), "http://127.0.0.1:1/cb?x=1");
  EXPECT_EQ(back->get("scope"), "a b");
  EXPECT_FALSE(back->get("resource"));
}

TEST(Form, ParsesAViewThatEndsAtTheEndOfItsBuffer) {
  // Found by fuzz/form.cpp: Boost.URL read one byte past such a view (AddressSanitizer:
  // heap-buffer-overflow); the buffer here has nothing after its last byte.
  const std::string text = "grant_type=authorization_code&scope=openid+offline_access";
  std::unique_ptr<char[]> exact(new char[text.size()]);
  std::memcpy(exact.get(), text.data(), text.size());
  auto form = parse_form(std::string_view(exact.get(), text.size()));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->get("scope"), "openid offline_access");
}

}  // namespace
}  // namespace mcpgate::http
