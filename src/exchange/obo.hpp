#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "common/clock.hpp"
#include "crypto/certificate.hpp"
#include "crypto/key.hpp"
#include "http/form.hpp"

namespace mcpgate::exchange {

// How the gateway authenticates to the token endpoint as the middle-tier app.
struct ClientCredential {
  std::string client_id;
  std::optional<std::string> client_secret;  // client_secret_post
  // private_key_jwt: a client assertion signed with this key, identified by the certificate.
  std::optional<crypto::Key> certificate_key;
  std::optional<crypto::Certificate> certificate;
};

// client_id and the credential: client_secret, or a fresh client assertion (PS256, x5t#S256,
// aud = token endpoint, 10 minutes) minted at `now`. Throws std::invalid_argument when the
// credential is incomplete or ambiguous.
void add_client_authentication(http::Form& form, const ClientCredential& client, std::string_view token_endpoint,
                               SysTime now);

// The form body of an On-Behalf-Of request (grant urn:ietf:params:oauth:grant-type:jwt-bearer,
// requested_token_use=on_behalf_of). With a certificate, a fresh client assertion (PS256,
// x5t#S256, aud = token endpoint, 10 minutes) is minted at `now`.
std::string obo_request_body(const ClientCredential& client, std::string_view token_endpoint,
                             std::string_view assertion, std::string_view scope, SysTime now);

struct OboToken {
  std::string access_token;
  std::chrono::seconds expires_in{0};
  std::string scope;
};

// What the gateway does with a failed exchange.
enum class OboFailureKind {
  invalid_assertion,     // 50013, 500133, 50173, 500131: the user's token is no good → 401 invalid_token
  interaction_required,  // Conditional Access: relay the claims challenge → 401 insufficient_claims
  configuration,         // 65001, 65005, 70011, 7000215, 500011, … → 502 with the code and a hint
  unavailable,           // the IdP did not answer usefully (5xx, not JSON, timeout) → 502/504
};

struct OboFailure {
  OboFailureKind kind = OboFailureKind::unavailable;
  int aadsts = 0;                     // 0 when there was no Entra error body
  std::string error;                  // OAuth error code, e.g. invalid_grant
  std::string description;            // error_description's first line, without trace/correlation IDs
  std::optional<std::string> claims;  // raw claims JSON of an interaction_required answer
  std::string hint;                   // one line from the guide's troubleshooting, if known
};

// Interprets the token endpoint's answer. Branches on `error` and `error_codes`, never on text.
boost::system::result<OboToken, OboFailure> parse_obo_response(int http_status, std::string_view body);

// The troubleshooting hint for an AADSTS code the guide explains; empty when there is none.
std::string_view troubleshooting_hint(int aadsts);

}  // namespace mcpgate::exchange
