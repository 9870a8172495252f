#include "auth/jwt.hpp"

#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/base64.hpp"
#include "common/strings.hpp"

namespace mcpgate::auth {

std::string_view to_string(JwtParseError e) {
  switch (e) {
    case JwtParseError::oversized:
      return "token is larger than allowed";
    case JwtParseError::not_three_parts:
      return "token is not a compact JWS (three dot-separated parts)";
    case JwtParseError::bad_base64:
      return "token part is not valid base64url";
    case JwtParseError::bad_json:
      return "token header or payload is not valid JSON";
    case JwtParseError::not_an_object:
      return "token header or payload is not a JSON object";
    case JwtParseError::missing_alg:
      return "token header has no alg";
    case JwtParseError::unsupported_crit:
      return "token header has a crit parameter naming extensions this verifier does not implement";
  }
  return "malformed token";
}

std::optional<int64_t> json_int(const boost::json::object& obj, std::string_view name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX)) return int64_t(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) && std::fabs(v.get_double()) < 9e15)
    return int64_t(v.get_double());
  return std::nullopt;
}

std::optional<std::string> json_string(const boost::json::object& obj, std::string_view name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

std::optional<std::string> Jwt::header_string(std::string_view name) const { return json_string(header, name); }
std::optional<std::string> Jwt::claim_string(std::string_view name) const { return json_string(payload, name); }
std::optional<int64_t> Jwt::claim_int(std::string_view name) const { return json_int(payload, name); }

std::vector<std::string> Jwt::claim_list(std::string_view name) const {
  auto it = payload.find(name);
  if (it == payload.end()) return {};
  if (it->value().is_string()) return split_whitespace(it->value().get_string());
  std::vector<std::string> out;
  if (it->value().is_array())
    for (auto& v : it->value().get_array())
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

std::vector<std::string> Jwt::audiences() const {
  auto it = payload.find("aud");
  if (it == payload.end()) return {};
  if (it->value().is_string()) return {std::string(it->value().get_string())};
  return claim_list("aud");
}

namespace {

boost::system::result<boost::json::object, JwtParseError> decode_part(std::string_view part) {
  auto bytes = base64url_decode_canonical(part);
  if (!bytes) return JwtParseError::bad_base64;
  boost::system::error_code ec;
  auto value = boost::json::parse(*bytes, ec);
  if (ec) return JwtParseError::bad_json;
  if (!value.is_object()) return JwtParseError::not_an_object;
  return std::move(value.get_object());
}

}  // namespace

boost::system::result<Jwt, JwtParseError> parse_jwt(std::string_view token, size_t max_bytes) {
  if (token.size() > max_bytes) return JwtParseError::oversized;
  auto first = token.find('.');
  if (first == std::string_view::npos) return JwtParseError::not_three_parts;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return JwtParseError::not_three_parts;
  auto header = decode_part(token.substr(0, first));
  if (!header) return header.error();
  auto payload = decode_part(token.substr(first + 1, second - first - 1));
  if (!payload) return payload.error();
  auto signature = base64url_decode_canonical(token.substr(second + 1));
  if (!signature) return JwtParseError::bad_base64;

  Jwt jwt;
  jwt.header = std::move(*header);
  jwt.payload = std::move(*payload);
  jwt.signing_input = std::string(token.substr(0, second));
  jwt.signature = std::move(*signature);
  auto alg = jwt.header_string("alg");
  if (!alg) return JwtParseError::missing_alg;
  // RFC 7515 §4.1.11: a recipient must refuse a crit it does not understand, and understands none.
  if (jwt.header.contains("crit")) return JwtParseError::unsupported_crit;
  jwt.alg_name = *alg;
  jwt.alg = crypto::parse_jws_alg(*alg);
  return jwt;
}

std::string sign_jwt(const boost::json::object& header, const boost::json::object& payload, const crypto::Key& key,
                     crypto::JwsAlg alg) {
  std::string input =
      base64url_encode(boost::json::serialize(header)) + "." + base64url_encode(boost::json::serialize(payload));
  auto sig = key.sign(alg, input);
  return input + "." + base64url_encode(sig);
}

}  // namespace mcpgate::auth
