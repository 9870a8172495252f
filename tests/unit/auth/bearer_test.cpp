#include "auth/bearer.hpp"

#include <gtest/gtest.h>

namespace mcpgate::auth {
namespace {

http::Headers with_authorization(std::initializer_list<std::string> values) {
  http::Headers h;
  h.add("Host", "gw.example");
  for (const auto& v : values) h.add("Authorization", v);
  return h;
}

// The token of a single Authorization header, or "<error>".
std::string token_of(std::string value) {
  auto h = with_authorization({std::move(value)});
  auto token = extract_bearer(h);
  return token ? std::string(*token) : "<error>";
}

BearerError error_of(std::string value) {
  auto h = with_authorization({std::move(value)});
  return extract_bearer(h).error();
}

TEST(ExtractBearer, ReturnsTheToken) { EXPECT_EQ(token_of("Bearer eyJ0.eyJ1.c2ln"), "eyJ0.eyJ1.c2ln"); }

TEST(ExtractBearer, SchemeIsCaseInsensitive) {
  EXPECT_EQ(token_of("bearer abc"), "abc");
  EXPECT_EQ(token_of("BEARER abc"), "abc");
  EXPECT_EQ(token_of("bEaReR abc"), "abc");
}

TEST(ExtractBearer, TrimsSpacesAroundTheToken) {
  EXPECT_EQ(token_of("Bearer    abc"), "abc");
  EXPECT_EQ(token_of("  Bearer abc \t "), "abc");
}

TEST(ExtractBearer, HeaderNameIsCaseInsensitive) {
  http::Headers h;
  h.add("authorization", "Bearer abc");
  EXPECT_EQ(*extract_bearer(h), "abc");
}

TEST(ExtractBearer, ViewPointsIntoTheHeaders) {
  auto h = with_authorization({"Bearer abc"});
  auto token = *extract_bearer(h);
  auto stored = h.fields().back().second;
  EXPECT_GE(token.data(), stored.data());
  EXPECT_LE(token.data() + token.size(), stored.data() + stored.size());
}

TEST(ExtractBearer, NoHeaderIsMissing) {
  EXPECT_EQ(extract_bearer(http::Headers{}).error(), BearerError::missing);
  EXPECT_EQ(extract_bearer(with_authorization({})).error(), BearerError::missing);
}

TEST(ExtractBearer, TwoHeadersAreRefusedEvenIfEqual) {
  EXPECT_EQ(extract_bearer(with_authorization({"Bearer abc", "Bearer abc"})).error(), BearerError::duplicate_header);
  EXPECT_EQ(extract_bearer(with_authorization({"Bearer abc", "Basic dXNlcjpwYXNz"})).error(),
            BearerError::duplicate_header);
  http::Headers h;
  h.add("Authorization", "Bearer abc");
  h.add("AUTHORIZATION", "Bearer def");
  EXPECT_EQ(extract_bearer(h).error(), BearerError::duplicate_header);
}

TEST(ExtractBearer, OtherSchemesAreNotBearer) {
  EXPECT_EQ(error_of("Basic dXNlcjpwYXNz"), BearerError::not_bearer);
  EXPECT_EQ(error_of("Token abc"), BearerError::not_bearer);
  EXPECT_EQ(error_of("Bearerabc"), BearerError::not_bearer);
  EXPECT_EQ(error_of("Bear abc"), BearerError::not_bearer);
  EXPECT_EQ(error_of(""), BearerError::not_bearer);
}

TEST(ExtractBearer, SchemeWithoutTokenIsEmpty) {
  EXPECT_EQ(error_of("Bearer"), BearerError::empty);
  EXPECT_EQ(error_of("Bearer    "), BearerError::empty);
  EXPECT_EQ(error_of("bearer \t"), BearerError::empty);
}

}  // namespace
}  // namespace mcpgate::auth
