#pragma once
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "auth/verifier.hpp"
#include "http/message.hpp"

namespace mcpgate::auth {

// What a 401/403 challenge tells the client about this protected resource (RFC 9728, MCP).
struct ChallengeContext {
  std::string resource_metadata_url;  // <public URL>/.well-known/oauth-protected-resource/<route>/mcp
  std::string scope;                  // space-separated scopes the client should request
};

// The one place that maps a refused token to HTTP:
// - missing: 401, `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (no error);
// - scope_missing: 403, `Bearer resource_metadata="…", scope="…", error="insufficient_scope",
//   error_description="<detail>"`;
// - anything else: 401, the same with error="invalid_token".
// Empty values are left out; quoted values have `"` and `\` backslash-escaped and CR/LF removed.
// Every refusal carries Cache-Control: no-store.
// Body: {"error":…, "reason":"<reason_code>", "message":"<detail>"}. Never echoes the token.
http::Response token_refused(const VerifyError& error, const ChallengeContext& context);

// 401 invalid_token for refusals found after verification (e.g. the identity provider refusing
// the token in an On-Behalf-Of exchange): same challenge, the given reason code, and extra
// members merged into the JSON body.
http::Response invalid_token(std::string_view reason, const std::string& detail, const ChallengeContext& context,
                             const boost::json::object& extra = {});

// Conditional Access step-up relayed from an On-Behalf-Of interaction_required answer:
// 401 `Bearer resource_metadata="…", error="insufficient_claims", claims="<base64 of the minified
// claims JSON>", error_description="<message>"`; body {"error":"insufficient_claims", …}.
http::Response claims_challenge(const std::string& claims_json, const std::string& message,
                                const ChallengeContext& context);

// The `error` auth-param of the Bearer challenge in a WWW-Authenticate value ("invalid_token",
// "insufficient_scope", …), or empty when there is no Bearer challenge or it names no error.
// Reads RFC 9110 §11.6.1 syntax: several challenges in one value, quoted-strings with escapes
// and commas, any case for names; anything malformed ends the scan with what was read so far.
std::string bearer_error_code(std::string_view www_authenticate);

}  // namespace mcpgate::auth
