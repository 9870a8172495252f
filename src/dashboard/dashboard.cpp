#include "dashboard/dashboard.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "http/cookie.hpp"
#include "http/form.hpp"
#include "http/url.hpp"

namespace mcpgate::dashboard {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kPrefix = "/dashboard";
// Behind https the names carry __Host-: the browser then takes them only from this origin with
// Secure and Path=/, so a sibling subdomain cannot plant one (login CSRF, session fixation).
constexpr std::string_view kSessionCookie = "mcpgate_session";
constexpr std::string_view kSignInCookie = "mcpgate_sign_in";
constexpr std::string_view kCallbackPath = "/dashboard/callback";

// No inline script or style anywhere: the built page loads its own files only.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

Response hardened(Response r) {
  r.headers.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("X-Frame-Options", "DENY");
  r.headers.set("Referrer-Policy", "no-referrer");
  if (!r.headers.get("Cache-Control")) r.headers.set("Cache-Control", "no-store");
  return r;
}

using admin::problem;

// A plain page for sign-in failures, readable without the front end.
Response failure_page(int status, std::string_view title, std::string_view message) {
  std::string body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                     " - mcpgate</title></head><body><main><h1>" + html_escape(title) + "</h1><p>" +
                     html_escape(message) +
                     "</p><p><a href=\"/dashboard/login\">Sign in again</a></p></main></body></html>";
  return Response::text(status, std::move(body), "text/html; charset=utf-8");
}

// Only paths of the dashboard itself: never another site, never a scheme-relative //host, and
// only characters that cannot break out of the Location header (no CR, LF, %, quotes, spaces).
std::string safe_return_path(std::optional<std::string_view> wanted) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("/-._~#").find(c) != std::string_view::npos;
  };
  if (!wanted || !wanted->starts_with("/dashboard/") || wanted->find("//") != std::string_view::npos ||
      !std::all_of(wanted->begin(), wanted->end(), plain))
    return "/dashboard/";
  return std::string(*wanted);
}

}  // namespace

Dashboard::Dashboard(DashboardOptions options, store::Store& store, IdTokenCheck check_id_token, const Clock& clock,
                     TokenRequest token_request)
    : options_(std::move(options)),
      store_(store),
      check_id_token_(std::move(check_id_token)),
      token_request_(std::move(token_request)),
      sessions_(clock, options_.session_lifetime) {
  if (!token_request_) {
    http::ClientOptions client;
    client.ca_file = options_.ca_file;
    token_request_ = [client](const http::ClientRequest& r) { return http::fetch(r, client); };
  }
  while (options_.public_url.ends_with('/')) options_.public_url.pop_back();
  for (auto& oid : options_.owners) oid = to_lower(oid);
}

bool Dashboard::serves(std::string_view path) {
  return path == kPrefix || (path.starts_with(kPrefix) && path[kPrefix.size()] == '/');
}

bool Dashboard::secure() const { return options_.public_url.starts_with("https://"); }

std::string Dashboard::cookie_name(std::string_view name) const { return http::cookie_name(name, secure()); }

Response Dashboard::handle(const Request& request) {
  std::string_view path = request.path;
  std::string_view rest = path.substr(std::min(path.size(), kPrefix.size() + 1));
  const auto& method = request.method;
  if (path == kPrefix) return hardened(Response::redirect("/dashboard/", 301));
  if (rest == "login" && method == "GET") return hardened(start_sign_in(request));
  if (path == kCallbackPath && method == "GET") return hardened(finish_sign_in(request));
  if (rest == "session" && method == "GET") return hardened(session_info(request));
  if (rest == "logout" && method == "POST") return hardened(sign_out(request));
  if (method != "GET" && method != "HEAD") {
    auto r = problem(405, "method_not_allowed", method + " is not allowed on " + std::string(path));
    r.headers.set("Allow", "GET, HEAD");
    return hardened(std::move(r));
  }
  return hardened(page(rest));
}

Response Dashboard::page(std::string_view path) const {
  // The page's own routes (#/teamspaces/…) live after the '#', so any other path is a file.
  std::string_view file = path.empty() ? "index.html" : path;
  for (const auto& asset : built_assets()) {
    if (asset.path != file) continue;
    Response r;
    r.body = std::string(asset.body);
    r.headers.set("Content-Type", std::string(asset.content_type));
    // Built files carry a content hash in their names; the page itself must be fetched afresh.
    r.headers.set("Cache-Control", file == "index.html" ? "no-cache" : "public, max-age=31536000, immutable");
    return r;
  }
  if (built_assets().empty())
    return problem(503, "not_built",
                   "this mcpgate was built without the dashboard's front end (web/dashboard); rebuild with Node.js");
  return problem(404, "not_found", "the dashboard has no file " + std::string(path));
}

Response Dashboard::start_sign_in(const Request& request) {
  auto query = http::parse_form(request.query);
  if (!query) return failure_page(400, "Sign-in failed", "The sign-in link is malformed; open /dashboard/ instead.");
  PendingSignIn pending;
  pending.code_verifier = crypto::random_token(32);
  pending.nonce = crypto::random_token(16);
  pending.return_to = safe_return_path(query->get("return_to"));
  pending.requester = request.remote_address;
  std::string challenge = base64url_encode(crypto::sha256(pending.code_verifier));
  std::string nonce = pending.nonce;
  std::string state = sessions_.start_sign_in(std::move(pending));

  http::Form params;
  params.add("client_id", options_.client_id);
  params.add("response_type", "code");
  params.add("redirect_uri", options_.public_url + std::string(kCallbackPath));
  params.add("response_mode", "query");
  params.add("scope", "openid profile email");
  params.add("state", state);
  params.add("nonce", nonce);
  params.add("code_challenge", challenge);
  params.add("code_challenge_method", "S256");
  if (auto hint = query->get("login_hint"); hint && !hint->empty()) params.add("login_hint", std::string(*hint));
  auto r =
      Response::redirect(options_.authority + "/" + options_.tenant_id + "/oauth2/v2.0/authorize?" + params.encode());
  // Lax: the callback is a top-level navigation back from the identity provider's site.
  r.headers.add("Set-Cookie",
                http::set_cookie(cookie_name(kSignInCookie), state, "Path=/; SameSite=Lax; Max-Age=600", secure()));
  return r;
}

Response Dashboard::finish_sign_in(const Request& request) {
  auto query = http::parse_form(request.query);
  if (!query) return failure_page(400, "Sign-in failed", "The identity provider's answer is malformed.");
  if (auto error = query->get("error")) {
    // Only the codes are shown: the rest of the query is anyone's text on this origin's page.
    auto description = query->get("error_description").value_or("");
    std::string code;
    if (auto at = description.find("AADSTS"); at != std::string_view::npos) {
      auto end = at + 6;
      while (end < description.size() && description[end] >= '0' && description[end] <= '9') ++end;
      code = " " + std::string(description.substr(at, end - at));
    }
    bool plain_error = std::all_of(error->begin(), error->end(),
                                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    return failure_page(401, "Sign-in failed",
                        "Microsoft Entra ID refused the sign-in (" + (plain_error ? std::string(*error) : "error") +
                            code + "). Look the code up in Entra's sign-in logs, or ask your administrator.");
  }
  auto code = query->get("code");
  auto state = query->get("state");
  auto bound = http::cookie_value(request, cookie_name(kSignInCookie));
  // The state must be the one this browser was given: a sign-in started elsewhere (login CSRF)
  // or replayed is refused.
  if (!code || !state || !bound || !crypto::constant_time_equals(*bound, *state))
    return failure_page(400, "Sign-in failed",
                        "This sign-in was not started in this browser, or it was already used. Start again.");
  auto pending = sessions_.finish_sign_in(*state);
  if (!pending) return failure_page(400, "Sign-in failed", "The sign-in took longer than 10 minutes. Start again.");

  http::Form form;
  form.add("grant_type", "authorization_code");
  form.add("client_id", options_.client_id);
  form.add("code", std::string(*code));
  form.add("redirect_uri", options_.public_url + std::string(kCallbackPath));
  form.add("code_verifier", pending->code_verifier);
  form.add("scope", "openid profile email");
  if (options_.client_secret) form.add("client_secret", *options_.client_secret);
  http::ClientRequest token_call;
  token_call.method = "POST";
  token_call.url = options_.authority + "/" + options_.tenant_id + "/oauth2/v2.0/token";
  token_call.headers.set("Content-Type", "application/x-www-form-urlencoded");
  token_call.body = form.encode();
  Response answer;
  try {
    answer = token_request_(token_call);
  } catch (const std::exception& e) {
    spdlog::warn("dashboard sign-in: the token endpoint did not answer: {}", e.what());
    return failure_page(502, "Sign-in failed", "Microsoft Entra ID's token endpoint could not be reached; try again.");
  }
  boost::system::error_code ec;
  auto body = json::parse(answer.body, ec);
  const json::object* fields = !ec && body.is_object() ? &body.as_object() : nullptr;
  if (answer.status != 200 || !fields) {
    std::string why = fields && fields->contains("error_description") && (*fields).at("error_description").is_string()
                          ? std::string((*fields).at("error_description").as_string())
                          : "HTTP " + std::to_string(answer.status);
    return failure_page(401, "Sign-in failed", "Microsoft Entra ID did not redeem the sign-in: " + why);
  }
  auto id_token = auth::json_string(*fields, "id_token");
  if (!id_token) return failure_page(401, "Sign-in failed", "Microsoft Entra ID sent no ID token (scope openid).");
  auto verified = check_id_token_(*id_token);
  if (!verified) return failure_page(401, "Sign-in failed", verified.error());
  auto parsed = auth::parse_jwt(*id_token);
  auto nonce = parsed ? parsed->claim_string("nonce") : std::nullopt;
  if (!nonce || !crypto::constant_time_equals(*nonce, pending->nonce))
    return failure_page(401, "Sign-in failed", "The ID token does not answer this sign-in (nonce). Start again.");
  // preferred_username (the UPN in a work tenant), never the `email` claim, which is not verified.
  std::string email = verified->preferred_username;
  Identity who{to_lower(verified->oid), to_lower(verified->tid), to_lower(email), verified->name};
  if (who.oid.empty() || who.email.empty())
    return failure_page(401, "Sign-in failed", "The ID token names no object ID or user name.");

  auto r = Response::redirect(pending->return_to);
  // Strict: no other site can make the browser send it, on top of the CSRF token.
  r.headers.add("Set-Cookie",
                http::set_cookie(
                    cookie_name(kSessionCookie), sessions_.create(who),
                    "Path=/; SameSite=Strict; Max-Age=" + std::to_string(options_.session_lifetime.count()), secure()));
  r.headers.add("Set-Cookie",
                http::set_cookie(cookie_name(kSignInCookie), "", "Path=/; SameSite=Lax; Max-Age=0", secure()));
  spdlog::info("dashboard: {} ({}) signed in", who.email, who.oid);
  return r;
}

std::optional<Session> Dashboard::session_of(const Request& request, std::string* cookie_out) {
  auto value = http::cookie_value(request, cookie_name(kSessionCookie));
  if (!value || value->empty()) return std::nullopt;
  if (cookie_out) *cookie_out = *value;
  return sessions_.find(*value);
}

Response Dashboard::session_info(const Request& request) {
  auto session = session_of(request);
  if (!session)
    return problem(401, "signed_out", "nobody is signed in; open /dashboard/login to sign in with Microsoft Entra ID");
  bool owner = std::find(options_.owners.begin(), options_.owners.end(), session->who.oid) != options_.owners.end();
  return Response::json(200, json::object{{"email", session->who.email},
                                          {"name", session->who.name},
                                          {"oid", session->who.oid},
                                          {"installation_owner", owner},
                                          {"csrf_token", session->csrf_token}});
}

Response Dashboard::sign_out(const Request& request) {
  std::string value;
  auto session = session_of(request, &value);
  if (session) {
    if (auto refusal = refuse_change(request, *session)) return std::move(*refusal);
    sessions_.remove(value);
  }
  Response r;
  r.status = 204;
  r.headers.add("Set-Cookie",
                http::set_cookie(cookie_name(kSessionCookie), "", "Path=/; SameSite=Strict; Max-Age=0", secure()));
  return r;
}

std::optional<Response> Dashboard::refuse_change(const Request& request, const Session& session) const {
  auto token = request.header("X-CSRF-Token");
  if (!token || !crypto::constant_time_equals(*token, session.csrf_token))
    return problem(403, "csrf_token_missing",
                   "a change needs the X-CSRF-Token header from /dashboard/session; reload the dashboard");
  auto origin = request.header("Origin");
  if (origin && http::origin_of(*origin) != http::origin_of(options_.public_url))
    return problem(403, "cross_origin", "changes are accepted only from the dashboard's own origin");
  return std::nullopt;
}

// The object ID decides, not the user name: a user name can change hands (and in some accounts
// says what its holder likes). In a teamspace whose Entra tenant is the signer's, a provisioned
// user is who their (tenant, oid) mapping says, whatever name they sign in with; a member's name
// that is mapped to another object ID gives no role. A member added by name alone, with no
// mapping, is matched by name, and only from the teamspace's own tenant when it has one.
store::StoreResult<std::map<int64_t, store::Role>> Dashboard::roles_of(const Identity& who) {
  std::map<int64_t, store::Role> roles;
  auto teamspaces = store_.list_teamspaces();
  if (!teamspaces) return teamspaces.error();
  for (const auto& ts : *teamspaces) {
    auto id = std::to_string(ts.id);
    auto config = store_.entra_config(id);
    std::optional<std::string> tenant = config ? std::optional<std::string>(config->tenant_id) : std::nullopt;
    if (tenant && *tenant != who.tenant_id) continue;  // signed in from another tenant
    std::optional<std::string> email;
    if (tenant) {
      auto mapped = store_.find_entra_user(id, who.tenant_id, who.oid);
      if (!mapped) return mapped.error();
      if (*mapped) {
        email = (*mapped)->email;
      } else {
        auto users = store_.list_entra_users(id);
        if (!users) return users.error();
        bool name_taken = std::any_of(users->begin(), users->end(), [&](const store::EntraUser& u) {
          return u.email == who.email && u.oid != who.oid;
        });
        if (!name_taken) email = who.email;
      }
    } else {
      email = who.email;
    }
    if (!email) continue;
    auto members = store_.list_members(id);
    if (!members) return members.error();
    for (const auto& m : *members)
      if (m.user.email == *email) roles[ts.id] = m.role;
  }
  return roles;
}

std::optional<boost::system::result<admin::Caller, Response>> Dashboard::session_caller(const Request& request) {
  if (request.header("Authorization")) return std::nullopt;
  auto value = http::cookie_value(request, cookie_name(kSessionCookie));
  if (!value) return std::nullopt;
  auto session = sessions_.find(*value);
  if (!session)
    return boost::system::result<admin::Caller, Response>(
        boost::system::in_place_error,
        problem(401, "unauthorized", "your dashboard session has ended; sign in again at /dashboard/"));
  if (request.method != "GET" && request.method != "HEAD")
    if (auto refusal = refuse_change(request, *session))
      return boost::system::result<admin::Caller, Response>(boost::system::in_place_error, std::move(*refusal));

  admin::Caller caller;
  caller.actor = admin::Actor{session->who.oid, session->who.email, "dashboard"};
  caller.installation_admin =
      std::find(options_.owners.begin(), options_.owners.end(), session->who.oid) != options_.owners.end();
  auto roles = roles_of(session->who);
  if (!roles)
    return boost::system::result<admin::Caller, Response>(boost::system::in_place_error,
                                                          problem(503, "store_failure", roles.error().message));
  caller.roles = std::move(*roles);
  return boost::system::result<admin::Caller, Response>(std::move(caller));
}

}  // namespace mcpgate::dashboard
