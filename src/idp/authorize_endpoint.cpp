// GET /{tenant}/oauth2/v2.0/authorize and the sign-in page behind it.
#include <boost/json.hpp>

#include "common/strings.hpp"
#include "crypto/random.hpp"
#include "idp/identity_provider.hpp"

namespace mcpgate::idp {
namespace json = boost::json;
using http::Form;
using http::Request;
using http::Response;

namespace {

// Errors Entra shows on its own page because the redirect URI cannot be trusted yet.
Response error_page(const EntraError& e) {
  std::string html =
      "<!doctype html><meta charset=utf-8><title>Sign in: error</title>"
      "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto}</style>"
      "<h1>Sorry, but we're having trouble signing you in.</h1><p><strong>AADSTS" +
      std::to_string(e.code) + ":</strong> " + html_escape(e.description) + "</p>";
  return Response::text(e.status, html, "text/html; charset=utf-8");
}

std::string append_params(const std::string& uri, char separator, const Form& params) {
  std::string out = uri;
  if (separator == '?')
    out += uri.find('?') == std::string::npos ? '?' : '&';
  else
    out += '#';
  return out + params.encode();
}

Response deliver(const std::string& redirect_uri, const std::string& response_mode, const Form& params) {
  if (response_mode == "form_post") {
    std::string html =
        "<!doctype html><meta charset=utf-8><title>Working...</title><body onload=\"document.forms[0].submit()\">"
        "<form method=post action=\"" +
        html_escape(redirect_uri) + "\">";
    for (auto& [n, v] : params.pairs())
      html += "<input type=hidden name=\"" + html_escape(n) + "\" value=\"" + html_escape(v) + "\">";
    html += "<noscript><button>Continue</button></noscript></form>";
    return Response::text(200, html, "text/html; charset=utf-8");
  }
  return Response::redirect(append_params(redirect_uri, response_mode == "fragment" ? '#' : '?', params));
}

Response redirect_error(const std::string& redirect_uri, const std::string& response_mode, const EntraError& e,
                        std::optional<std::string_view> state) {
  Form p;
  p.add("error", e.error);
  p.add("error_description", "AADSTS" + std::to_string(e.code) + ": " + e.description);
  p.add("error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(e.code));
  if (e.suberror) p.add("suberror", *e.suberror);
  if (state) p.add("state", std::string(*state));
  return deliver(redirect_uri, response_mode, p);
}

// A claims request naming Conditional Access policies or auth contexts is the step-up a
// claims challenge asks for; the sign-in then counts as multi-factor.
bool requests_step_up(std::optional<std::string_view> claims) {
  if (!claims || claims->empty()) return false;
  boost::system::error_code ec;
  auto v = json::parse(*claims, ec);
  if (ec || !v.is_object()) return false;
  auto* at = v.as_object().if_contains("access_token");
  if (!at || !at->is_object()) return false;
  return at->as_object().contains("capolids") || at->as_object().contains("acrs") || at->as_object().contains("amr");
}

}  // namespace

Response IdentityProvider::authorize(const Tenant& tenant, const std::string& base, const Form& params,
                                     const User* chosen_user) {
  if (auto repeated = params.repeated_name())
    return error_page(invalid_parameter(std::string(*repeated), "it is given more than once"));
  auto client_id = params.get("client_id");
  if (!client_id || client_id->empty()) return error_page(missing_parameter("client_id"));
  const App* client = tenant.app(*client_id);
  if (!client || !is_guid(*client_id)) return error_page(unknown_client(std::string(*client_id), tenant.name));
  auto redirect_uri = params.get("redirect_uri");
  if (!redirect_uri || redirect_uri->empty()) return error_page(missing_parameter("redirect_uri"));
  bool registered = std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                                [&](auto& r) { return redirect_uri_matches(r, *redirect_uri); });
  if (!registered)
    return error_page(make_error("invalid_request", 50011,
                                 "The redirect URI '" + std::string(*redirect_uri) +
                                     "' specified in the request does not match the redirect URIs configured for the "
                                     "application '" +
                                     client->client_id + "' (" + client->name +
                                     "). Add it to the app's redirect_uris."));

  std::string uri(*redirect_uri);
  std::string mode(params.get("response_mode").value_or("query"));
  if (mode != "query" && mode != "fragment" && mode != "form_post") mode = "query";
  auto state = params.get("state");
  auto reject = [&](const EntraError& e) {
    {
      std::lock_guard guard(mutex_);
      ++stats_.errors;
    }
    return redirect_error(uri, mode, e, state);
  };

  auto response_type = params.get("response_type");
  if (!response_type) return reject(missing_parameter("response_type"));
  if (*response_type != "code")
    return reject(make_error("unsupported_response_type", 700054,
                             "response_type '" + std::string(*response_type) +
                                 "' is not supported here; use the authorization code flow (response_type=code)."));
  auto scope = params.get("scope");
  if (!scope) return reject(missing_parameter("scope"));
  auto scopes = parse_scopes(tenant, *scope);
  if (!scopes) return reject(scopes.error());
  if (auto e = check_resource_parameter(*scopes, params.get("resource"))) return reject(*e);

  auto challenge = params.get("code_challenge");
  std::string method(params.get("code_challenge_method").value_or(challenge ? "plain" : ""));
  if (challenge) {
    if (method != "S256" && method != "plain") return reject(invalid_parameter("code_challenge_method", "use S256"));
    if (method == "S256" && challenge->size() != 43)
      return reject(invalid_parameter("code_challenge", "an S256 challenge is 43 base64url characters"));
  }
  if (client->public_client && (!challenge || method != "S256"))
    return reject(make_error("invalid_request", 9002325,
                             "Proof Key for Code Exchange is required for public clients: send code_challenge with "
                             "code_challenge_method=S256."));

  auto granted = delegated_grant(tenant, *client, *scopes, true);
  if (!granted) return reject(granted.error());

  const User* user = chosen_user;
  auto hint = params.get("login_hint");
  if (!user && config_.auto_login) {
    if (hint && !hint->empty())
      user = tenant.user(*hint);
    else if (config_.default_user)
      user = tenant.user(*config_.default_user);
  }
  auto prompt = params.get("prompt").value_or("");
  if (!user && prompt == "none")
    return reject(make_error("login_required", 50058,
                             "A silent sign-in request was sent but no user is signed in (prompt=none)."));

  if (!user) {
    // Interactive: show who can sign in; the choice comes back to /{tenant}/login.
    auto id = crypto::random_token(24);
    {
      std::lock_guard guard(mutex_);
      auto now = clock_.now();
      std::erase_if(pending_sign_ins_, [&](auto& p) { return p.second.second < now; });
      pending_sign_ins_[id] = {params, now + std::chrono::minutes(15)};
    }
    std::string html =
        "<!doctype html><meta charset=utf-8><title>Sign in to " + html_escape(tenant.name) +
        "</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}"
        "button{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left;font-size:1rem}</style>"
        "<h1>Sign in</h1><p>" +
        html_escape(client->name) + " wants to sign you in to <strong>" + html_escape(tenant.name) +
        "</strong> (development identity provider).</p>";
    if (hint && !hint->empty())
      html += "<p>No user '" + html_escape(*hint) + "' exists in this tenant; choose one:</p>";
    html += "<form method=post action=\"" + html_escape(base + "/" + tenant.id + "/login") +
            "\"><input type=hidden name=pending value=\"" + id + "\">";
    for (auto& u : tenant.users)
      html += "<button name=user value=\"" + u.oid + "\">" + html_escape(u.name) + " &lt;" + html_escape(u.upn) +
              "&gt;</button>";
    html += "</form>";
    return Response::text(200, html, "text/html; charset=utf-8");
  }

  AuthorizationCode code{
      &tenant,
      client,
      user,
      uri,
      *scopes,
      *granted,
      challenge ? std::optional<std::string>(std::string(*challenge)) : std::nullopt,
      method,
      params.get("nonce") ? std::optional<std::string>(std::string(*params.get("nonce"))) : std::nullopt,
      requests_step_up(params.get("claims")),
      clock_.now() + config_.lifetimes.authorization_code};
  auto value = crypto::random_token(48);
  {
    std::lock_guard guard(mutex_);
    auto now = clock_.now();
    std::erase_if(codes_, [&](auto& c) { return c.second.expires < now; });
    codes_.emplace(value, std::move(code));
  }
  Form out;
  out.add("code", value);
  if (params.get("client_info") == "1") out.add("client_info", TokenIssuer::client_info(tenant, *user));
  if (state) out.add("state", std::string(*state));
  out.add("session_state", crypto::random_guid());
  return deliver(uri, mode, out);
}

Response IdentityProvider::sign_in_submission(const Tenant& tenant, const std::string& base, const Request& request) {
  auto form = http::parse_form(request.body);
  if (!form || !form->get("pending") || !form->get("user")) return error_page(missing_parameter("pending and user"));
  Form original;
  {
    std::lock_guard guard(mutex_);
    auto it = pending_sign_ins_.find(std::string(*form->get("pending")));
    if (it == pending_sign_ins_.end() || it->second.second < clock_.now())
      return error_page(make_error("invalid_request", 50058,
                                   "This sign-in page has expired or was already used. Start the sign-in again."));
    original = std::move(it->second.first);
    pending_sign_ins_.erase(it);
  }
  const User* user = tenant.user(*form->get("user"));
  if (!user) return error_page(make_error("invalid_request", 50034, "The user account does not exist in this tenant."));
  return authorize(tenant, base, original, user);
}

}  // namespace mcpgate::idp
