#include "exchange/obo.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/jwt.hpp"
#include "crypto/random.hpp"
#include "http/form.hpp"

namespace mcpgate::exchange {
namespace json = boost::json;

namespace {

constexpr std::string_view kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::string_view kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr auto kAssertionLifetime = std::chrono::minutes(10);
constexpr std::chrono::seconds kDefaultExpiresIn{3600};

// The user's token is no good: expired, revoked, wrong audience, bad signature.
constexpr std::array kInvalidAssertionCodes = {50013, 500133, 50173, 500131, 500132, 700082};
// The gateway's registration, consent, credential or scope is wrong: an administrator must act.
constexpr std::array kConfigurationCodes = {65001, 65005,  70011,  7000215, 7000218, 700016, 500011,
                                            90002, 700024, 700027, 9010010, 1002012, 700025};
constexpr std::array<std::string_view, 5> kConfigurationErrors = {
    "invalid_client", "unauthorized_client", "invalid_scope", "invalid_resource", "invalid_target"};
// Answers that say "try again later" whatever the status.
constexpr std::array<std::string_view, 2> kTransientErrors = {"temporarily_unavailable", "server_error"};

template <class T, class Set>
bool one_of(const T& value, const Set& set) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

// A non-negative decimal integer that is the whole of `text`.
std::optional<int64_t> parse_digits(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The private_key_jwt client assertion: signed with the certificate's key, named by its SHA-256 thumbprint.
std::string client_assertion(const ClientCredential& client, std::string_view token_endpoint, SysTime now) {
  const auto& key = client.certificate_key.value();
  auto alg = key.is_rsa() ? crypto::JwsAlg::PS256 : crypto::JwsAlg::ES256;
  if (!key.fits(alg) && key.fits(crypto::JwsAlg::ES384)) alg = crypto::JwsAlg::ES384;
  json::object header{{"alg", crypto::to_string(alg)}, {"typ", "JWT"}, {"x5t#S256", client.certificate->x5t_s256()}};
  auto issued = unix_seconds(now);
  json::object payload{{"aud", token_endpoint},
                       {"iss", client.client_id},
                       {"sub", client.client_id},
                       {"jti", crypto::random_guid()},
                       {"nbf", issued},
                       {"iat", issued},
                       {"exp", issued + std::chrono::duration_cast<Seconds>(kAssertionLifetime).count()}};
  return auth::sign_jwt(header, payload, key, alg);
}

std::string answered(int status) { return "the token endpoint answered " + std::to_string(status); }

OboFailure unavailable(std::string description) {
  OboFailure failure;
  failure.kind = OboFailureKind::unavailable;
  failure.description = std::move(description);
  return failure;
}

// error_codes[0], else the number in an "AADSTS<digits>" prefix of the description; 0 if neither.
int aadsts_code(const json::object& body, std::string_view description) {
  if (auto it = body.find("error_codes"); it != body.end() && it->value().is_array()) {
    const auto& codes = it->value().get_array();
    boost::system::error_code ec;
    int code = codes.empty() ? 0 : codes.front().to_number<int>(ec);
    if (!ec && code > 0) return code;
  }
  constexpr std::string_view prefix = "AADSTS";
  if (!description.starts_with(prefix)) return 0;
  auto digits = description.substr(prefix.size());
  int code = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
  return ec == std::errc() && code > 0 ? code : 0;
}

OboFailureKind classify(int status, std::string_view error, int aadsts, bool has_claims) {
  if (error == "interaction_required" || has_claims) return OboFailureKind::interaction_required;
  bool configuration_code = one_of(aadsts, kConfigurationCodes);
  if (one_of(aadsts, kInvalidAssertionCodes) || (error == "invalid_grant" && !configuration_code))
    return OboFailureKind::invalid_assertion;
  if (configuration_code || one_of(error, kConfigurationErrors)) return OboFailureKind::configuration;
  if (status >= 500 || status == 429 || one_of(error, kTransientErrors)) return OboFailureKind::unavailable;
  // Any other refusal (invalid_request, unsupported_grant_type, …) will not go away on a retry:
  // the request as the gateway builds it is wrong for this tenant.
  return OboFailureKind::configuration;
}

OboFailure entra_failure(int status, const json::object& body) {
  OboFailure failure;
  failure.error = auth::json_string(body, "error").value_or("");
  auto full_description = auth::json_string(body, "error_description").value_or("");
  failure.aadsts = aadsts_code(body, full_description);
  // The first line; Entra appends Trace ID, Correlation ID and Timestamp lines after "\r\n".
  failure.description = full_description.substr(0, full_description.find_first_of("\r\n"));
  if (failure.description.empty()) failure.description = answered(status) + " with error " + failure.error;
  if (auto it = body.find("claims"); it != body.end() && !it->value().is_null())
    failure.claims = it->value().is_string() ? std::string(it->value().get_string()) : json::serialize(it->value());
  failure.kind = classify(status, failure.error, failure.aadsts, failure.claims.has_value());
  failure.hint = std::string(troubleshooting_hint(failure.aadsts));
  return failure;
}

// expires_in as a number or, as some endpoints send it, a numeric string; nullopt if malformed.
std::optional<std::chrono::seconds> expires_in(const json::object& body) {
  auto it = body.find("expires_in");
  if (it == body.end()) return kDefaultExpiresIn;
  std::optional<int64_t> seconds;
  if (it->value().is_string())
    seconds = parse_digits(it->value().get_string());
  else
    seconds = auth::json_int(body, "expires_in");
  if (!seconds || *seconds < 0) return std::nullopt;
  return std::chrono::seconds(*seconds);
}

}  // namespace

void add_client_authentication(http::Form& form, const ClientCredential& client, std::string_view token_endpoint,
                               SysTime now) {
  bool has_certificate = client.certificate_key || client.certificate;
  if (client.client_secret && has_certificate)
    throw std::invalid_argument("client " + client.client_id +
                                " has both a client secret and a certificate: configure exactly one");
  if (!client.client_secret && !has_certificate)
    throw std::invalid_argument("client " + client.client_id +
                                " has neither a client secret nor a certificate: configure exactly one");
  if (has_certificate && !(client.certificate_key && client.certificate))
    throw std::invalid_argument("client " + client.client_id +
                                " needs both the certificate and its private key for a client assertion");
  form.add("client_id", client.client_id);
  if (client.client_secret) {
    form.add("client_secret", *client.client_secret);
  } else {
    form.add("client_assertion_type", std::string(kJwtBearerAssertionType));
    form.add("client_assertion", client_assertion(client, token_endpoint, now));
  }
}

std::string obo_request_body(const ClientCredential& client, std::string_view token_endpoint,
                             std::string_view assertion, std::string_view scope, SysTime now) {
  http::Form form;
  form.add("grant_type", std::string(kJwtBearerGrant));
  add_client_authentication(form, client, token_endpoint, now);
  form.add("assertion", std::string(assertion));
  form.add("scope", std::string(scope));
  form.add("requested_token_use", "on_behalf_of");
  return form.encode();
}

boost::system::result<OboToken, OboFailure> parse_obo_response(int http_status, std::string_view body) {
  if (body.empty()) return unavailable(answered(http_status) + " with an empty body");
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return unavailable(answered(http_status) + " with a body that is not JSON");
  const auto& object = value.get_object();

  auto error = auth::json_string(object, "error");
  if (http_status >= 200 && http_status < 300 && !error) {
    auto access_token = auth::json_string(object, "access_token");
    if (!access_token || access_token->empty()) return unavailable(answered(http_status) + " without an access_token");
    auto lifetime = expires_in(object);
    if (!lifetime) return unavailable(answered(http_status) + " with an expires_in that is not a number of seconds");
    return OboToken{std::move(*access_token), *lifetime, auth::json_string(object, "scope").value_or("")};
  }
  if (!error) return unavailable(answered(http_status) + " with JSON that has no error member");
  return entra_failure(http_status, object);
}

std::string_view troubleshooting_hint(int aadsts) {
  switch (aadsts) {
    case 50013:
    case 65001:
      return "The gateway app is not authorised to call the MCP API on the user's behalf: in the gateway app's API "
             "permissions, the MCP API's mcp.access (Delegated) must show \"Granted for <tenant>\"; run Grant admin "
             "consent.";
    case 70011:
      return "The OBO scope is malformed: the MCP API app ID setting must hold the MCP API app's client ID (a GUID) "
             "so the scope renders api://<guid>/.default.";
    case 500011:
      return "The OBO scope names an app that does not exist in the tenant: check the MCP API app ID setting "
             "(api://<guid>/.default).";
    case 65005:
      return "The client's app ID is not in the gateway app's Authorized client applications for the "
             "Mcp.Gateway.Access scope (or the permission is missing): add it.";
    case 7000215:
      return "The gateway's client secret is wrong or expired: use the secret's Value (not its Secret ID) from the "
             "gateway app's Certificates & secrets.";
    case 500133:
      return "The user's token expired before the exchange: sign in again.";
    case 50076:
    case 50079:
      return "Conditional Access requires MFA: the client must sign in again with the claims challenge.";
    case 500131:
      return "The token presented to the gateway was issued for another audience: clients must request a token for "
             "the gateway app (api://<gateway-app-id>/Mcp.Gateway.Access), not the MCP API.";
    default:
      return {};
  }
}

}  // namespace mcpgate::exchange
