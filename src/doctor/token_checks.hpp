#pragma once
// The guide's troubleshooting section as pure functions over a decoded, untrusted token and what
// a configuration expects of it. No I/O: the caller fetches keys and looks users up.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "auth/key_set.hpp"
#include "common/clock.hpp"
#include "doctor/check.hpp"

namespace mcpgate::doctor {

// Which hop of the guide's chain the token is meant for.
enum class Hop {
  gateway,  // the client's token: aud = the gateway app, scp Mcp.Gateway.Access
  server,   // the On-Behalf-Of token the gateway forwards: aud = the MCP API app, scp mcp.access
};

struct TokenExpectations {
  Hop hop = Hop::gateway;
  std::optional<std::string> tenant_id;
  std::optional<std::string> issuer;   // the tenant's v2 issuer, from its discovery document
  std::vector<std::string> audiences;  // empty: nothing to compare against
  std::vector<std::string> scopes;     // in scp; empty: nothing to compare against
  bool require_all_scopes = false;
  // The app of the other hop (the MCP API app for the gateway, the gateway app for the server):
  // a token for it is the guide's most common mistake and gets its own explanation.
  std::optional<std::string> other_hop_audience;
  std::chrono::seconds clock_skew{300};
};

Check check_issuer(const auth::Jwt& token, const TokenExpectations& expect);
Check check_audience(const auth::Jwt& token, const TokenExpectations& expect);
Check check_scope(const auth::Jwt& token, const TokenExpectations& expect);
Check check_expiry(const auth::Jwt& token, const TokenExpectations& expect, SysTime now);
Check check_tenant(const auth::Jwt& token, const TokenExpectations& expect);
// Against the configured tenant's keys (never keys the token itself points at).
Check check_signature(const auth::Jwt& token, const auth::KeySet& tenant_keys, const std::string& keys_source);

// All of the above but the signature, in report order.
std::vector<Check> check_claims(const auth::Jwt& token, const TokenExpectations& expect, SysTime now);

// "2h 13m", "45s": how long, for people.
std::string human_duration(std::chrono::seconds d);

}  // namespace mcpgate::doctor
