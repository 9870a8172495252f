#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "auth/key_set.hpp"
#include "common/clock.hpp"
#include "crypto/key.hpp"

namespace mcpgate::auth {

// Why a bearer token was refused. Each has a stable reason code for bodies, logs and metrics.
enum class TokenFailure {
  missing,    // no token at all
  malformed,  // not a JWS, bad base64/JSON, duplicate Authorization headers, not Bearer
  oversized,
  disallowed_algorithm,  // none, HS*, anything outside the allow-list or not fitting the key
  unknown_key,           // kid not in the tenant's keys (even after one refetch)
  bad_signature,
  v1_token,  // iss = https://sts.windows.net/<tid>/
  issuer_mismatch,
  graph_token,  // aud is Microsoft Graph: never ours, never "verified"
  audience_mismatch,
  token_expired,
  not_yet_valid,
  tenant_mismatch,
  scope_missing,
};

std::string_view reason_code(TokenFailure f);  // "token_expired", "audience_mismatch", …

struct VerifyError {
  TokenFailure failure;
  std::string detail;  // one sentence a person can act on; never contains the token
};

struct VerificationPolicy {
  std::string issuer;                        // the tenant's v2 issuer, exactly (from its discovery document)
  std::string tenant_id;                     // for the v1 issuer message and tid checks
  std::vector<std::string> audiences;        // any one may match
  std::vector<std::string> required_scopes;  // in scp
  bool require_all_scopes = false;           // APIM's match="all"; default "any"
  std::optional<std::string> required_tenant;
  std::chrono::seconds clock_skew{300};
  // Entra signs access tokens with RS256 only: anything else from an Entra issuer is a forgery
  // or a misconfiguration. Widen per issuer where another IdP signs otherwise.
  std::vector<crypto::JwsAlg> allowed_algorithms{crypto::JwsAlg::RS256};
  size_t max_token_bytes = 16 * 1024;
};

// What the rest of the request needs of a verified token.
struct VerifiedToken {
  std::string tid;
  std::string oid;
  std::string preferred_username;
  std::string name;
  std::string azp;
  std::vector<std::string> scopes;
  std::vector<std::string> groups;
  // Entra lists no groups past its limit (200 in a JWT) and names a source instead
  // (_claim_names.groups): `groups` is then incomplete, not the user's membership.
  bool groups_overage = false;
  std::vector<std::string> roles;
  int64_t exp = 0;
  int64_t nbf = 0;
};

// Walks one token through parse → algorithm → issuer → time → audience → tenant → scope →
// key → signature. Pure: keys come from `keys`; an unknown kid is reported as unknown_key so the
// caller can refetch once and call again.
boost::system::result<VerifiedToken, VerifyError> verify_token(std::string_view token, const VerificationPolicy& policy,
                                                               const KeySet& keys, SysTime now);

}  // namespace mcpgate::auth
