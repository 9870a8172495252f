#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "crypto/key.hpp"

namespace mcpgate::auth {

// Why a compact JWS could not even be read. Verification failures are a separate matter.
enum class JwtParseError {
  oversized,
  not_three_parts,
  bad_base64,  // includes padding and non-canonical trailing bits (RFC 7515 §2)
  bad_json,
  not_an_object,
  missing_alg,
  unsupported_crit,  // a crit header (RFC 7515 §4.1.11): no extension is understood here
};
std::string_view to_string(JwtParseError e);

// A decoded, not yet trusted, compact JWS.
struct Jwt {
  boost::json::object header;
  boost::json::object payload;
  std::string signing_input;  // "<header>.<payload>" exactly as received
  std::string signature;      // raw bytes
  std::string alg_name;
  std::optional<crypto::JwsAlg> alg;  // nullopt when the name is unknown to us

  std::optional<std::string> header_string(std::string_view name) const;
  std::optional<std::string> claim_string(std::string_view name) const;
  std::optional<int64_t> claim_int(std::string_view name) const;
  // "scp" style space-separated claims, or a JSON array of strings ("roles", "groups").
  std::vector<std::string> claim_list(std::string_view name) const;
  // "aud" may be a string or an array.
  std::vector<std::string> audiences() const;
};

inline constexpr size_t kDefaultMaxTokenBytes = 16 * 1024;

boost::system::result<Jwt, JwtParseError> parse_jwt(std::string_view token, size_t max_bytes = kDefaultMaxTokenBytes);

// Serialises header and payload (in their given member order) and signs them.
std::string sign_jwt(const boost::json::object& header, const boost::json::object& payload, const crypto::Key& key,
                     crypto::JwsAlg alg);

// Reads a JSON number member as int64 whatever way the JSON parser stored it.
std::optional<int64_t> json_int(const boost::json::object& obj, std::string_view name);
std::optional<std::string> json_string(const boost::json::object& obj, std::string_view name);

}  // namespace mcpgate::auth
