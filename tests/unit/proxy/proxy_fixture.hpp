#pragma once
// Shared by the proxy unit tests: the seed's tenant and apps, a gateway configured the way the
// guide configures API Management (one Context7 route, one docs route), and request helpers.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http/form.hpp"
#include "http/message.hpp"
#include "idp/demo_tenant.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::proxy::testing {

namespace json = boost::json;

inline constexpr const char* kTenant = mcpgate::idp::demo::kTenantId;
inline constexpr const char* kGatewayApp = mcpgate::idp::demo::kGatewayApp;  // the OBO intermediary
inline constexpr const char* kMcpApi = mcpgate::idp::demo::kMcpApiApp;       // the MCP server's API
inline constexpr const char* kVsCode = mcpgate::idp::demo::kVsCodeClient;    // a public client
inline constexpr const char* kClientScope = "api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02/Mcp.Gateway.Access";
inline constexpr const char* kDocsScope = "api://b1e4d7a2-5c3f-4e8a-8d21-9f6a3c0e2b02/Docs.Read";
inline constexpr const char* kPublicUrl = "https://gw.contoso.dev";

inline RouteConfig route(std::string prefix, std::string client_scope = kClientScope) {
  RouteConfig r;
  r.prefix = std::move(prefix);
  r.upstream = "https://mcp.context7.com";
  r.audiences = {kGatewayApp};
  r.scopes = {"Mcp.Gateway.Access"};
  r.client_scope = std::move(client_scope);
  r.obo_scope = std::string("api://") + kMcpApi + "/.default";
  return r;
}

// /context7 (rewritten /mcp → /mcp/oauth, as the seed's rewrite-uri) and /docs, whose client
// scope differs; registration off.
inline GatewayConfig gateway_config() {
  GatewayConfig c;
  c.public_url = kPublicUrl;
  c.tenant_id = kTenant;
  c.client.client_id = kGatewayApp;
  c.client.client_secret = "a-test-secret-not-used";
  auto context7 = route("/context7");
  context7.rewrites = {{"/mcp", "/mcp/oauth"}};
  c.routes = {context7, route("/docs", kDocsScope)};
  return c;
}

inline http::Request request(std::string method, std::string target,
                             std::initializer_list<std::pair<std::string, std::string>> headers = {},
                             std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (auto& [name, value] : headers) r.headers.add(name, value);
  r.body = std::move(body);
  return r;
}

// The JSON object a response carries; a failed expectation (and an empty object) otherwise.
inline json::object json_body(const http::Response& response) {
  boost::system::error_code ec;
  auto v = json::parse(response.body, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << response.body;
    return {};
  }
  return v.as_object();
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The decoded pairs of a form body or query string, in order.
inline Pairs form_pairs(std::string_view encoded) {
  auto form = http::parse_form(encoded);
  if (!form) {
    ADD_FAILURE() << "not form encoding: " << encoded;
    return {};
  }
  return form->pairs();
}

}  // namespace mcpgate::proxy::testing
