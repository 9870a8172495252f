#include "auth/jwt.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/base64.hpp"

namespace mcpgate::auth {
namespace {

namespace json = boost::json;

std::string part(const json::object& o) { return base64url_encode(json::serialize(o)); }

TEST(Jwt, ParsesAndExposesClaims) {
  auto key = crypto::Key::generate_rsa(2048);
  // {"aud":["a","b"],"scp":"one two","exp":1.9e9,"roles":["r"]}
  auto token =
      sign_jwt({{"alg", "RS256"}, {"kid", "k1"}},
               {{"aud", json::array{"a", "b"}}, {"scp", "one two"}, {"exp", 1.9e9}, {"roles", json::array{"r"}}}, key,
               crypto::JwsAlg::RS256);
  auto jwt = parse_jwt(token);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->alg, crypto::JwsAlg::RS256);
  EXPECT_EQ(jwt->header_string("kid"), "k1");
  EXPECT_EQ(jwt->audiences(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(jwt->claim_list("scp"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(jwt->claim_list("roles"), (std::vector<std::string>{"r"}));
  EXPECT_EQ(jwt->claim_int("exp"), 1900000000);
  EXPECT_TRUE(key.verify(*jwt->alg, jwt->signing_input, jwt->signature));
}

TEST(Jwt, MalformedTokensAreNamed) {
  std::string h = part({{"alg", "RS256"}}), p = part({{"a", 1}});
  EXPECT_EQ(parse_jwt("abc").error(), JwtParseError::not_three_parts);
  EXPECT_EQ(parse_jwt(h + "." + p).error(), JwtParseError::not_three_parts);
  EXPECT_EQ(parse_jwt(h + "." + p + ".sig.extra").error(), JwtParseError::not_three_parts);
  EXPECT_EQ(parse_jwt(h + ".%%%." + "c2ln").error(), JwtParseError::bad_base64);
  EXPECT_EQ(parse_jwt(h + "." + base64url_encode("{not json") + ".c2ln").error(), JwtParseError::bad_json);
  EXPECT_EQ(parse_jwt(h + "." + base64url_encode("[1]") + ".c2ln").error(), JwtParseError::not_an_object);
  EXPECT_EQ(parse_jwt(part({{"typ", "JWT"}}) + "." + p + ".c2ln").error(), JwtParseError::missing_alg);
  EXPECT_EQ(parse_jwt(std::string(20000, 'a')).error(), JwtParseError::oversized);
}

TEST(Jwt, UnknownAndDangerousAlgorithmsAreRecognisedNotTrusted) {
  auto none = parse_jwt(part({{"alg", "none"}}) + "." + part({{"a", 1}}) + ".");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->alg, crypto::JwsAlg::None);
  auto weird = parse_jwt(part({{"alg", "XY999"}}) + "." + part({{"a", 1}}) + ".");
  ASSERT_TRUE(weird);
  EXPECT_FALSE(weird->alg);
  EXPECT_EQ(weird->alg_name, "XY999");
}

TEST(Jwt, NumericClaimsOfEveryJsonShape) {
  json::object o{{"i", 5}, {"u", 7u}, {"d", 9.0}, {"s", "10"}, {"huge", 1e300}};
  EXPECT_EQ(json_int(o, "i"), 5);
  EXPECT_EQ(json_int(o, "u"), 7);
  EXPECT_EQ(json_int(o, "d"), 9);
  EXPECT_FALSE(json_int(o, "s"));
  EXPECT_FALSE(json_int(o, "huge"));
}

}  // namespace
}  // namespace mcpgate::auth
