#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace mcpgate::admin {

// What "Test connection" on the Microsoft Entra ID card found.
struct TenantCheck {
  bool ok = false;
  // Where it stopped: "unreachable" (no HTTP answer: DNS, refused, TLS, timeout), "http_status"
  // (an answer other than 200), "not_json" (not a discovery document: not JSON, or no issuer or
  // jwks_uri), "issuer_mismatch", or "ok".
  std::string step;
  std::string message;  // one sentence: what was fetched, what came back, what to check
  std::string issuer;   // the document's issuer, when there was one
};

// Fetches <authority>/<tenant_id>/v2.0/.well-known/openid-configuration (one blocking request,
// `timeout` for all of it) and checks that the issuer is the tenant's v2.0 issuer: either
// <authority>/<tenant_id>/v2.0 (the development IdP) or Microsoft's own form,
// https://login.microsoftonline.com/<tenant_id>/v2.0, compared without regard to case.
// A trailing '/' on the authority is ignored. Never throws for network or document problems.
TenantCheck test_tenant_connection(const std::string& authority, const std::string& tenant_id,
                                   const std::optional<std::string>& ca_file, std::chrono::milliseconds timeout);

}  // namespace mcpgate::admin
