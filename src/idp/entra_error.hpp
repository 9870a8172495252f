#pragma once
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "http/message.hpp"

namespace mcpgate::idp {

// An OAuth error as Entra reports it: an RFC 6749 error code plus an AADSTS number whose
// description is what people search for (and what the seed's troubleshooting names).
struct EntraError {
  int status = 400;
  std::string error;  // invalid_request, invalid_grant, invalid_client, ...
  int code = 0;       // the AADSTS number
  std::string description;
  std::optional<std::string> suberror;
  std::optional<std::string> claims;  // raw JSON, for interaction_required challenges
};

EntraError make_error(std::string error, int code, std::string description, int status = 400);

// Common errors, named after what went wrong.
EntraError missing_parameter(const std::string& name);
EntraError invalid_parameter(const std::string& name, const std::string& why);
EntraError tenant_not_found(const std::string& tenant);
EntraError unknown_client(const std::string& client_id, const std::string& tenant_name);

// Entra's JSON body: error, error_description "AADSTSnnnn: … Trace ID … Correlation ID …
// Timestamp …", error_codes, timestamp, trace_id, correlation_id, error_uri.
http::Response to_response(const EntraError& e, SysTime now, const std::string& correlation_id = {});

// "2017-05-01 22:43:20Z", the form Entra writes in error bodies.
std::string entra_timestamp(SysTime t);

}  // namespace mcpgate::idp
