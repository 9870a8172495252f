#include "idp/entra_error.hpp"

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "crypto/random.hpp"

namespace mcpgate::idp {

EntraError make_error(std::string error, int code, std::string description, int status) {
  EntraError e;
  e.status = status;
  e.error = std::move(error);
  e.code = code;
  e.description = std::move(description);
  return e;
}

EntraError missing_parameter(const std::string& name) {
  return make_error("invalid_request", 900144,
                    "The request body must contain the following parameter: '" + name + "'.");
}

EntraError invalid_parameter(const std::string& name, const std::string& why) {
  return make_error("invalid_request", 90014, "The parameter '" + name + "' is not valid: " + why);
}

EntraError tenant_not_found(const std::string& tenant) {
  return make_error("invalid_request", 90002,
                    "Tenant '" + tenant +
                        "' not found. Check that the tenant ID or domain in the URL is one the "
                        "identity provider's configuration lists.");
}

EntraError unknown_client(const std::string& client_id, const std::string& tenant_name) {
  return make_error("unauthorized_client", 700016,
                    "Application with identifier '" + client_id + "' was not found in the directory '" + tenant_name +
                        "'. Check the client ID, or register the app in this tenant.");
}

std::string entra_timestamp(SysTime t) {
  // fmt 9 prints a time_point in local time; Entra's timestamps are UTC.
  return fmt::format("{:%Y-%m-%d %H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

http::Response to_response(const EntraError& e, SysTime now, const std::string& correlation_id) {
  auto trace = crypto::random_guid();
  auto correlation = correlation_id.empty() ? crypto::random_guid() : correlation_id;
  auto stamp = entra_timestamp(now);
  boost::json::object body{
      {"error", e.error},
      {"error_description", fmt::format("AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}", e.code,
                                        e.description, trace, correlation, stamp)},
      {"error_codes", boost::json::array{e.code}},
      {"timestamp", stamp},
      {"trace_id", trace},
      {"correlation_id", correlation},
      {"error_uri", fmt::format("https://login.microsoftonline.com/error?code={}", e.code)}};
  if (e.suberror) body["suberror"] = *e.suberror;
  if (e.claims) body["claims"] = *e.claims;
  return http::Response::json(e.status, body);
}

}  // namespace mcpgate::idp
