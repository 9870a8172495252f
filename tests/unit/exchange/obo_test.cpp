#include "exchange/obo.hpp"

#include <stdexcept>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "common/strings.hpp"
#include "http/form.hpp"

namespace mcpgate::exchange {
namespace {

namespace json = boost::json;

constexpr std::string_view kEndpoint = "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token";
constexpr std::string_view kScope = "api://11111111-2222-3333-4444-555555555555/.default";
constexpr std::string_view kUserToken = "eyJ.user.token";
const SysTime kNow{std::chrono::seconds(1'800'000'000)};

ClientCredential secret_client() { return {.client_id = "gateway-app", .client_secret = "s3cret+&="}; }

ClientCredential certificate_client(const crypto::Key& key) {
  auto cert = crypto::Certificate::issue(key, {.common_name = "gateway"}, key);
  return {.client_id = "gateway-app", .certificate_key = key, .certificate = cert};
}

http::Form parse_body(const std::string& body) {
  auto form = http::parse_form(body);
  EXPECT_TRUE(form);
  EXPECT_FALSE(form->repeated_name());
  return *form;
}

std::vector<std::string> names(const http::Form& form) {
  std::vector<std::string> out;
  for (const auto& [name, value] : form.pairs()) out.push_back(name);
  return out;
}

TEST(OboRequest, SecretBodyCarriesTheOnBehalfOfGrant) {
  auto form = parse_body(obo_request_body(secret_client(), kEndpoint, kUserToken, kScope, kNow));
  EXPECT_EQ(names(form), (std::vector<std::string>{"grant_type", "client_id", "client_secret", "assertion", "scope",
                                                   "requested_token_use"}));
  EXPECT_EQ(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  EXPECT_EQ(form.get("client_id"), "gateway-app");
  EXPECT_EQ(form.get("client_secret"), "s3cret+&=");
  EXPECT_EQ(form.get("assertion"), kUserToken);
  EXPECT_EQ(form.get("scope"), kScope);
  EXPECT_EQ(form.get("requested_token_use"), "on_behalf_of");
  EXPECT_FALSE(form.get("client_assertion"));
  EXPECT_FALSE(form.get("client_assertion_type"));
}

TEST(OboRequest, CertificateBodyCarriesASignedClientAssertionAndNoSecret) {
  auto client = certificate_client(crypto::Key::generate_rsa(2048));
  auto form = parse_body(obo_request_body(client, kEndpoint, kUserToken, kScope, kNow));
  EXPECT_EQ(names(form), (std::vector<std::string>{"grant_type", "client_id", "client_assertion_type",
                                                   "client_assertion", "assertion", "scope", "requested_token_use"}));
  EXPECT_FALSE(form.get("client_secret"));
  EXPECT_EQ(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(form.get("assertion"), kUserToken);
  EXPECT_EQ(form.get("requested_token_use"), "on_behalf_of");

  // header {"alg":"PS256","typ":"JWT","x5t#S256":<thumbprint>}
  // payload {"aud":kEndpoint,"iss":"gateway-app","sub":"gateway-app","jti":<guid>,
  //          "nbf":1800000000,"iat":1800000000,"exp":1800000600}
  auto jwt = auth::parse_jwt(*form.get("client_assertion"));
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->alg, crypto::JwsAlg::PS256);
  EXPECT_EQ(jwt->header_string("typ"), "JWT");
  EXPECT_EQ(jwt->header_string("x5t#S256"), client.certificate->x5t_s256());
  EXPECT_TRUE(client.certificate->public_key().verify(*jwt->alg, jwt->signing_input, jwt->signature));
  EXPECT_EQ(jwt->audiences(), std::vector<std::string>{std::string(kEndpoint)});
  EXPECT_EQ(jwt->claim_string("iss"), "gateway-app");
  EXPECT_EQ(jwt->claim_string("sub"), "gateway-app");
  EXPECT_TRUE(is_guid(jwt->claim_string("jti").value_or("")));
  EXPECT_EQ(jwt->claim_int("nbf"), 1'800'000'000);
  EXPECT_EQ(jwt->claim_int("iat"), 1'800'000'000);
  EXPECT_EQ(jwt->claim_int("exp"), 1'800'000'600);
}

TEST(OboRequest, EveryAssertionHasItsOwnJti) {
  auto client = certificate_client(crypto::Key::generate_rsa(2048));
  auto jti = [&] {
    auto form = parse_body(obo_request_body(client, kEndpoint, kUserToken, kScope, kNow));
    return auth::parse_jwt(*form.get("client_assertion"))->claim_string("jti");
  };
  EXPECT_NE(jti(), jti());
}

TEST(OboRequest, EcCertificateSignsWithEs256) {
  auto client = certificate_client(crypto::Key::generate_ec_p256());
  auto form = parse_body(obo_request_body(client, kEndpoint, kUserToken, kScope, kNow));
  auto jwt = auth::parse_jwt(*form.get("client_assertion"));
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->alg, crypto::JwsAlg::ES256);
  EXPECT_TRUE(client.certificate->public_key().verify(*jwt->alg, jwt->signing_input, jwt->signature));
}

TEST(OboRequest, CredentialMisconfigurationIsRefused) {
  ClientCredential neither{.client_id = "gateway-app"};
  EXPECT_THROW(obo_request_body(neither, kEndpoint, kUserToken, kScope, kNow), std::invalid_argument);

  auto both = certificate_client(crypto::Key::generate_ec_p256());
  both.client_secret = "s3cret";
  EXPECT_THROW(obo_request_body(both, kEndpoint, kUserToken, kScope, kNow), std::invalid_argument);

  auto key_only = certificate_client(crypto::Key::generate_ec_p256());
  key_only.certificate.reset();
  EXPECT_THROW(obo_request_body(key_only, kEndpoint, kUserToken, kScope, kNow), std::invalid_argument);
}

TEST(OboResponse, SuccessWithNumericExpiresIn) {
  auto token = parse_obo_response(200, R"({"token_type":"Bearer","scope":"api://mcp/mcp.access","expires_in":3269,
      "ext_expires_in":0,"access_token":"eyJ.obo.token","refresh_token":"OAQAB"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->access_token, "eyJ.obo.token");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(3269));
  EXPECT_EQ(token->scope, "api://mcp/mcp.access");
}

TEST(OboResponse, SuccessWithStringExpiresInAndNoScope) {
  auto token = parse_obo_response(200, R"({"token_type":"Bearer","expires_in":"4799","access_token":"eyJ.obo"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->expires_in, std::chrono::seconds(4799));
  EXPECT_EQ(token->scope, "");
}

TEST(OboResponse, MissingExpiresInDefaultsToAnHour) {
  auto token = parse_obo_response(200, R"({"access_token":"eyJ.obo"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->expires_in, std::chrono::seconds(3600));
}

TEST(OboResponse, MalformedExpiresInIsNotGuessed) {
  for (auto body : {R"({"access_token":"a","expires_in":"soon"})", R"({"access_token":"a","expires_in":-5})",
                    R"({"access_token":"a","expires_in":true})"}) {
    auto result = parse_obo_response(200, body);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
    EXPECT_NE(result.error().description.find("expires_in"), std::string::npos);
  }
}

// Entra's error body, as the token endpoint writes it.
std::string entra_error(std::string_view error, int code, std::string_view text,
                        std::optional<std::string_view> suberror = std::nullopt) {
  json::object body{
      {"error", error},
      {"error_description", "AADSTS" + std::to_string(code) + ": " + std::string(text) +
                                "\r\nTrace ID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\nCorrelation ID: "
                                "73d656cf-54b1-4eb2-b429-26d8165a52d7\r\nTimestamp: 2017-05-01 22:43:20Z"},
      {"error_codes", json::array{code}},
      {"timestamp", "2017-05-01 22:43:20Z"},
      {"trace_id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
      {"correlation_id", "73d656cf-54b1-4eb2-b429-26d8165a52d7"},
      {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
  if (suberror) body["suberror"] = *suberror;
  return json::serialize(body);
}

struct CodeCase {
  int code;
  std::string_view error;
  int status;
  OboFailureKind kind;
};

class OboResponseCodes : public ::testing::TestWithParam<CodeCase> {};

TEST_P(OboResponseCodes, ClassifiesEntraErrors) {
  const auto& c = GetParam();
  auto result = parse_obo_response(c.status, entra_error(c.error, c.code, "Something went wrong."));
  ASSERT_FALSE(result);
  const auto& failure = result.error();
  EXPECT_EQ(failure.kind, c.kind);
  EXPECT_EQ(failure.aadsts, c.code);
  EXPECT_EQ(failure.error, c.error);
  EXPECT_EQ(failure.description, "AADSTS" + std::to_string(c.code) + ": Something went wrong.");
  EXPECT_EQ(failure.hint, troubleshooting_hint(c.code));
  EXPECT_FALSE(failure.claims);
}

using Kind = OboFailureKind;
INSTANTIATE_TEST_SUITE_P(AllListedCodes, OboResponseCodes,
                         ::testing::Values(CodeCase{50013, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{500133, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{50173, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{500131, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{500132, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{700082, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{65001, "invalid_grant", 400, Kind::configuration},
                                           CodeCase{65005, "invalid_client", 400, Kind::configuration},
                                           CodeCase{70011, "invalid_scope", 400, Kind::configuration},
                                           CodeCase{7000215, "invalid_client", 401, Kind::configuration},
                                           CodeCase{7000218, "invalid_client", 401, Kind::configuration},
                                           CodeCase{700016, "unauthorized_client", 400, Kind::configuration},
                                           CodeCase{500011, "invalid_resource", 400, Kind::configuration},
                                           CodeCase{90002, "invalid_request", 400, Kind::configuration},
                                           CodeCase{700024, "invalid_client", 401, Kind::configuration},
                                           CodeCase{700027, "invalid_client", 401, Kind::configuration},
                                           CodeCase{9010010, "invalid_request", 400, Kind::configuration},
                                           CodeCase{1002012, "invalid_request", 400, Kind::configuration},
                                           CodeCase{700025, "invalid_client", 401, Kind::configuration},
                                           // Unknown codes fall back on the OAuth error and the status.
                                           CodeCase{12345, "invalid_grant", 400, Kind::invalid_assertion},
                                           CodeCase{12345, "invalid_target", 400, Kind::configuration},
                                           CodeCase{12345, "temporarily_unavailable", 400, Kind::unavailable},
                                           CodeCase{12345, "server_error", 503, Kind::unavailable}),
                         [](const auto& info) {
                           return std::string(info.param.error) + "_" + std::to_string(info.param.code);
                         });

TEST(OboResponse, ConsentRequiredIsConfigurationWithTheAdminConsentHint) {
  auto result = parse_obo_response(
      400, entra_error("invalid_grant", 65001,
                       "The user or administrator has not consented to use the application with ID 'gateway-app' "
                       "named 'APIM Gateway'. Send an interactive authorization request for this user and resource.",
                       "consent_required"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::configuration);
  EXPECT_EQ(result.error().description.find('\n'), std::string::npos);
  EXPECT_EQ(result.error().description.find("Trace ID"), std::string::npos);
  EXPECT_NE(result.error().hint.find("Grant admin consent"), std::string::npos);
}

TEST(OboResponse, CodeIsReadFromTheDescriptionWhenErrorCodesAreAbsent) {
  auto result = parse_obo_response(
      400,
      R"({"error":"invalid_scope","error_description":"AADSTS70011: The provided value for scope is not valid.\nTrace ID: x"})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().aadsts, 70011);
  EXPECT_EQ(result.error().kind, OboFailureKind::configuration);
  EXPECT_EQ(result.error().description, "AADSTS70011: The provided value for scope is not valid.");
  EXPECT_NE(result.error().hint.find("api://<guid>/.default"), std::string::npos);
}

TEST(OboResponse, ErrorCodesWinOverTheDescription) {
  auto result = parse_obo_response(
      400, R"({"error":"invalid_grant","error_description":"AADSTS99999: text","error_codes":[500133]})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().aadsts, 500133);
}

TEST(OboResponse, InteractionRequiredCarriesTheClaimsChallenge) {
  auto body = json::parse(entra_error("interaction_required", 50079,
                                      "Due to a configuration change made by your "
                                      "administrator, you must enroll in MFA."))
                  .as_object();
  std::string claims =
      R"({"access_token":{"polids":{"essential":true,"values":["9ab03e19-ed42-4168-b6b7-7001fb3e933a"]}}})";
  body["claims"] = claims;
  auto result = parse_obo_response(400, json::serialize(body));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::interaction_required);
  EXPECT_EQ(result.error().aadsts, 50079);
  EXPECT_EQ(result.error().claims, claims);
  EXPECT_NE(result.error().hint.find("MFA"), std::string::npos);
}

TEST(OboResponse, ClaimsMakeAnyErrorAnInteraction) {
  auto body = json::parse(entra_error("invalid_grant", 50076, "You must use multi-factor authentication.")).as_object();
  body["claims"] = R"({"access_token":{"capolids":{"essential":true,"values":["p"]}}})";
  auto result = parse_obo_response(400, json::serialize(body));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::interaction_required);
  EXPECT_TRUE(result.error().claims);
}

TEST(OboResponse, HtmlServerErrorIsUnavailable) {
  for (int status : {500, 502}) {
    auto result = parse_obo_response(status, "<!DOCTYPE html><html><title>Service unavailable</title></html>");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
    EXPECT_EQ(result.error().aadsts, 0);
    EXPECT_EQ(result.error().description,
              "the token endpoint answered " + std::to_string(status) + " with a body that is not JSON");
    EXPECT_EQ(result.error().hint, "");
  }
}

TEST(OboResponse, NonJsonSuccessIsUnavailable) {
  auto result = parse_obo_response(200, "access_token=abc&expires_in=3600");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
  EXPECT_EQ(result.error().description, "the token endpoint answered 200 with a body that is not JSON");

  auto array = parse_obo_response(200, R"(["access_token"])");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().kind, OboFailureKind::unavailable);
}

TEST(OboResponse, EmptyBodyIsUnavailable) {
  auto result = parse_obo_response(200, "");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
  EXPECT_EQ(result.error().description, "the token endpoint answered 200 with an empty body");
}

TEST(OboResponse, SuccessWithoutAccessTokenIsUnavailable) {
  auto result = parse_obo_response(200, R"({"token_type":"Bearer","expires_in":3600})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
  EXPECT_EQ(result.error().description, "the token endpoint answered 200 without an access_token");
}

TEST(OboResponse, JsonErrorStatusWithoutErrorMemberIsUnavailable) {
  auto result = parse_obo_response(404, R"({"message":"not found"})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, OboFailureKind::unavailable);
  EXPECT_NE(result.error().description.find("404"), std::string::npos);
}

TEST(TroubleshootingHint, ListedCodesHaveOneActionableLine) {
  for (int code : {50013, 65001, 70011, 500011, 65005, 7000215, 500133, 50076, 50079, 500131}) {
    auto hint = troubleshooting_hint(code);
    EXPECT_FALSE(hint.empty()) << code;
    EXPECT_EQ(hint.find('\n'), std::string_view::npos) << code;
  }
  EXPECT_EQ(troubleshooting_hint(50013), troubleshooting_hint(65001));
  EXPECT_EQ(troubleshooting_hint(50076), troubleshooting_hint(50079));
  EXPECT_NE(troubleshooting_hint(65001).find("mcp.access (Delegated)"), std::string_view::npos);
  EXPECT_NE(troubleshooting_hint(65005).find("Authorized client applications"), std::string_view::npos);
  EXPECT_NE(troubleshooting_hint(7000215).find("Value"), std::string_view::npos);
  EXPECT_NE(troubleshooting_hint(500131).find("Mcp.Gateway.Access"), std::string_view::npos);
}

TEST(TroubleshootingHint, OtherCodesHaveNone) {
  EXPECT_EQ(troubleshooting_hint(0), "");
  EXPECT_EQ(troubleshooting_hint(50173), "");
  EXPECT_EQ(troubleshooting_hint(12345), "");
}

}  // namespace
}  // namespace mcpgate::exchange
