#include "admin/tenant_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/jwt.hpp"
#include "auth/key_set.hpp"
#include "common/strings.hpp"
#include "http/client.hpp"

namespace mcpgate::admin {
namespace {

constexpr std::string_view kMicrosoftAuthority = "https://login.microsoftonline.com";
constexpr size_t kMaxQuotedDescriptionChars = 300;

TenantCheck failed(std::string step, std::string message, std::string issuer = {}) {
  return {.ok = false, .step = std::move(step), .message = std::move(message), .issuer = std::move(issuer)};
}

// Entra explains a refusal (an unknown tenant is 400 with AADSTS90002) in error_description.
std::string refusal_detail(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  auto description = auth::json_string(doc.get_object(), "error_description");
  if (!description || description->empty()) return {};
  std::string first_line = description->substr(0, description->find_first_of("\r\n"));
  if (first_line.size() > kMaxQuotedDescriptionChars)
    first_line = first_line.substr(0, kMaxQuotedDescriptionChars) + "…";
  return " (" + first_line + ")";
}

}  // namespace

TenantCheck test_tenant_connection(const std::string& authority, const std::string& tenant_id,
                                   const std::optional<std::string>& ca_file, std::chrono::milliseconds timeout) {
  std::string base = authority;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/" + tenant_id + "/v2.0/.well-known/openid-configuration";

  http::Response response;
  try {
    http::ClientRequest request{"GET", url, {}, {}};
    request.headers.add("Accept", "application/json");
    response = http::fetch(request, {.ca_file = ca_file, .timeout = timeout});
  } catch (const http::ClientError& e) {
    return failed("unreachable", "cannot reach " + url + ": " + e.what() +
                                     "; check the authority URL, the network and, for a private CA, ca_file");
  }
  if (response.status != 200)
    return failed("http_status", url + " answered HTTP " + std::to_string(response.status) +
                                     refusal_detail(response.body) +
                                     "; check the tenant ID (Entra answers 400 for a tenant it does not know)");

  std::string error;
  auto metadata = auth::parse_openid_metadata(response.body, error);
  if (!metadata)
    return failed("not_json", url + " did not return a discovery document: " + error +
                                  "; check that the authority is a Microsoft Entra ID (OpenID Connect) endpoint");

  const std::string expected = base + "/" + tenant_id + "/v2.0";
  const std::string microsoft = std::string(kMicrosoftAuthority) + "/" + tenant_id + "/v2.0";
  if (!iequals(metadata->issuer, expected) && !iequals(metadata->issuer, microsoft))
    return failed("issuer_mismatch",
                  "the discovery document's issuer is " + metadata->issuer + ", not " + microsoft +
                      (iequals(expected, microsoft) ? "" : " or " + expected) +
                      "; check the tenant ID and that the authority is the tenant's identity provider",
                  metadata->issuer);

  return {.ok = true,
          .step = "ok",
          .message = "tenant " + tenant_id + " answered at " + url + " with its issuer " + metadata->issuer,
          .issuer = metadata->issuer};
}

}  // namespace mcpgate::admin
