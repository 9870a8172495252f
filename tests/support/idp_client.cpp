#include "support/idp_client.hpp"

#include <stdexcept>

#include <boost/json.hpp>

#include "common/base64.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "http/client.hpp"
#include "http/form.hpp"

namespace mcpgate::testing {

std::string sign_in(const std::string& idp_base, const std::string& upn, const std::string& scope,
                    const std::string& client_id, const std::string& tenant) {
  auto verifier = crypto::random_token(32);
  http::Form q;
  q.add("client_id", client_id);
  q.add("response_type", "code");
  q.add("redirect_uri", "http://127.0.0.1:40000/cb");
  q.add("scope", scope);
  q.add("code_challenge", base64url_encode(crypto::sha256(verifier)));
  q.add("code_challenge_method", "S256");
  q.add("login_hint", upn);
  auto redirect = http::fetch({"GET", idp_base + "/" + tenant + "/oauth2/v2.0/authorize?" + q.encode()});
  auto location = redirect.headers.get("Location");
  if (redirect.status != 302 || !location)
    throw std::runtime_error("authorize failed for " + upn + ": " + redirect.body);
  auto params = http::parse_form(location->substr(location->find('?') + 1));
  auto code = params ? params->get("code") : std::nullopt;
  if (!code) throw std::runtime_error("no code in " + std::string(*location));
  http::Form t;
  t.add("grant_type", "authorization_code");
  t.add("client_id", client_id);
  t.add("code", std::string(*code));
  t.add("redirect_uri", "http://127.0.0.1:40000/cb");
  t.add("code_verifier", verifier);
  http::ClientRequest post{"POST", idp_base + "/" + tenant + "/oauth2/v2.0/token", {}, t.encode()};
  post.headers.add("Content-Type", "application/x-www-form-urlencoded");
  auto token = http::fetch(post);
  if (token.status != 200) throw std::runtime_error("token failed for " + upn + ": " + token.body);
  return std::string(boost::json::parse(token.body).at("access_token").as_string());
}

std::string gateway_token(const std::string& idp_base, const std::string& upn) {
  return sign_in(idp_base, upn, std::string("api://") + kDemoGatewayApp + "/Mcp.Gateway.Access");
}

}  // namespace mcpgate::testing
