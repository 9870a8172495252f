#include "proxy/authorization_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "common/base64.hpp"
#include "common/scope_exit.hpp"
#include "common/strings.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "exchange/obo.hpp"
#include "http/cookie.hpp"
#include "http/form.hpp"
#include "http/upstream.hpp"
#include "http/url.hpp"
#include "proxy/forwarding.hpp"
#include "proxy/oauth_clients.hpp"

namespace mcpgate::proxy {
namespace json = boost::json;
using http::Response;
using http::Task;

namespace {

constexpr std::string_view kCallbackPath = "/oauth/callback";
constexpr std::string_view kConsentPath = "/oauth/consent";
constexpr std::string_view kBindingCookie = "mcpgate_oauth";
constexpr std::string_view kConsentCookie = "mcpgate_consent";

constexpr std::chrono::minutes kSignInLifetime{10};
constexpr std::chrono::minutes kConsentPageLifetime{10};
constexpr std::chrono::seconds kCodeLifetime{60};
constexpr size_t kMaxPending = 10'000;  // sign-ins, consents and codes, each
constexpr size_t kMaxSignInsPerAddress = 20;
constexpr size_t kMaxMetadataDocuments = 1'000;
constexpr int kMaxMetadataFetches = 16;  // at once
constexpr size_t kMaxConsentMarks = 20;  // per browser: the oldest go first

// The parameters of a client's authorization request that go on to Entra unchanged.
constexpr std::array<std::string_view, 6> kForwardedToEntra = {"login_hint", "domain_hint", "prompt",
                                                               "claims",     "max_age",     "ui_locales"};

std::string s256(std::string_view verifier) { return base64url_encode(crypto::sha256(verifier)); }

// An OAuth error from the token and registration endpoints: never cached.
Response token_error(int status, const std::string& error, const std::string& description) {
  auto r = oauth_error(status, error, description);
  r.headers.set("Cache-Control", "no-store");
  return r;
}

// The pages a person sees: no script at all, nothing framed, nothing leaked by Referer.
void protect_page(Response& r, std::string_view style_hash) {
  r.headers.set("Content-Security-Policy", "default-src 'none'; style-src 'sha256-" + std::string(style_hash) +
                                               "'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.set("X-Frame-Options", "DENY");
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Referrer-Policy", "no-referrer");
  r.headers.set("Cache-Control", "no-store");
}

constexpr std::string_view kStyle =
    "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}"
    "h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}"
    "dd{margin:0;overflow-wrap:anywhere}.warn{background:#fff4ce;padding:.5rem .75rem;border-radius:4px}"
    "button{font:inherit;padding:.5rem 1.25rem;margin-right:.75rem;border-radius:4px;border:1px solid #444}"
    "button[value=allow]{background:#0f6cbd;color:#fff;border-color:#0f6cbd}";

std::string page(std::string_view title, std::string_view body) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width\"><title>" +
         html_escape(title) + " - mcpgate</title><style>" + std::string(kStyle) + "</style></head><body><main>" +
         std::string(body) + "</main></body></html>";
}

// Appends OAuth response parameters to a redirect URI that may already have a query.
std::string with_params(const std::string& uri, const http::Form& params) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + params.encode();
}

std::string host_of(std::string_view uri) {
  auto u = boost::urls::parse_absolute_uri(uri);
  if (!u) return std::string(uri);
  if (u->has_authority()) return std::string(u->encoded_host_and_port());
  return std::string(u->scheme()) + ":";
}

struct Refused {  // why a client or a sign-in cannot go on, in a sentence
  std::string why;
};

struct TokenGrant {  // Entra's answer to the code, as the client will receive it
  json::object response;
  std::string tenant, oid, username;
};

struct SignIn {  // between /authorize and /oauth/callback
  OAuthClient client;
  std::string redirect_uri;
  bool redirect_given = true;  // RFC 6749 §4.1.3: /token must repeat it only when it was sent
  std::optional<std::string> client_state;
  std::string code_challenge;
  std::string scope;
  size_t route = 0;
  std::string verifier;      // ours, toward Entra
  std::string binding_hash;  // SHA-256 of the browser's binding cookie
  std::string remote_address;
  SysTime expires;
};

struct ConsentWait {  // between /oauth/callback and /oauth/consent
  SignIn sign_in;
  TokenGrant grant;
  SysTime expires;
};

struct IssuedCode {  // between the redirect to the client and /token
  std::string client_id;
  std::string redirect_uri;  // empty: the authorization request sent none
  std::string code_challenge;
  json::object response;
  SysTime expires;
};

struct CachedDocument {
  std::optional<OAuthClient> client;
  std::string problem;  // when client is empty
  SysTime expires;
};

template <class Map>
void drop_expired(Map& map, SysTime now) {
  for (auto it = map.begin(); it != map.end();) it = it->second.expires <= now ? map.erase(it) : std::next(it);
}

// A consent mark in the browser's cookie: "<expiry unix seconds>:<tag>", several joined by '!'.
struct ConsentMark {
  int64_t expires = 0;
  std::string tag;
};

std::vector<ConsentMark> read_marks(std::optional<std::string> cookie) {
  std::vector<ConsentMark> marks;
  if (!cookie) return marks;
  std::string_view rest = *cookie;
  while (!rest.empty() && marks.size() < kMaxConsentMarks * 2) {
    auto end = rest.find('!');
    auto entry = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    auto colon = entry.find(':');
    if (colon == std::string_view::npos) continue;
    ConsentMark m;
    auto digits = entry.substr(0, colon);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), m.expires);
    if (ec != std::errc() || p != digits.data() + digits.size()) continue;
    m.tag = std::string(entry.substr(colon + 1));
    marks.push_back(std::move(m));
  }
  return marks;
}

std::string write_marks(const std::vector<ConsentMark>& marks) {
  std::string out;
  for (const auto& m : marks) out += (out.empty() ? "" : "!") + std::to_string(m.expires) + ":" + m.tag;
  return out;
}

}  // namespace

struct AuthorizationServer::Impl {
  Context ctx;
  const AuthorizationServerConfig& settings;
  GatewayKey key;
  std::string style_hash;
  std::string origin;  // of public_url: the only Origin a consent may come from

  mutable std::mutex mutex;
  std::unordered_map<std::string, SignIn> sign_ins;       // by our state toward Entra
  std::unordered_map<std::string, ConsentWait> consents;  // by the consent form's ID
  std::unordered_map<std::string, IssuedCode> codes;      // by the SHA-256 of the code
  std::unordered_map<std::string, CachedDocument> documents;
  std::atomic<int> fetches_in_flight{0};

  explicit Impl(Context c)
      : ctx(std::move(c)),
        settings(ctx.config.authorization_server),
        // Without a key of its own, a random one: config_advisories() tells the operator the cost.
        key(settings.key ? *settings.key : crypto::random_bytes(32)),
        style_hash(base64_encode(crypto::sha256(kStyle))),
        origin(http::origin_of(ctx.config.public_url)) {}

  bool secure() const { return ctx.config.public_url.starts_with("https://"); }

  // Sign-ins, consent pages and codes are each usable once: taken out whether or not still valid.
  template <class Map>
  std::optional<typename Map::mapped_type> take_once(Map& map, std::optional<std::string_view> key) {
    if (!key) return std::nullopt;
    std::lock_guard guard(mutex);
    auto it = map.find(std::string(*key));
    if (it == map.end()) return std::nullopt;
    std::optional<typename Map::mapped_type> taken;
    if (it->second.expires > ctx.clock.now()) taken = std::move(it->second);
    map.erase(it);
    return taken;
  }
  std::string issuer() const { return ctx.config.public_url; }
  std::string callback_uri() const { return ctx.config.public_url + std::string(kCallbackPath); }

  // ---- pages ------------------------------------------------------------------------------

  Response error_page(int status, std::string_view title, std::string_view message) const {
    auto r =
        Response::text(status, page(title, "<h1>" + html_escape(title) + "</h1><p>" + html_escape(message) + "</p>"),
                       "text/html; charset=utf-8");
    protect_page(r, style_hash);
    return r;
  }

  // Errors go back to the client's redirect URI (RFC 6749 §4.1.2.1, with `iss`) only when the
  // person has agreed to that client, or an administrator registered it: anyone may register a
  // redirect URI, and a gateway that redirects there on error is an open redirector (RFC 9700
  // §4.11.2). Before that, the person reads the error on the gateway's own page.
  Response refuse(const SignIn& s, bool consented, const std::string& error, const std::string& description) const {
    if (consented || s.client.kind == ClientKind::preregistered) return redirect_error(s, error, description);
    return error_page(400, "Sign-in stopped", description + ".");
  }

  Response redirect_error(const SignIn& s, const std::string& error, const std::string& description) const {
    http::Form p;
    p.add("error", error);
    p.add("error_description", description.substr(0, 500));
    if (s.client_state) p.add("state", *s.client_state);
    p.add("iss", issuer());
    auto r = Response::redirect(with_params(s.redirect_uri, p));
    r.headers.set("Cache-Control", "no-store");
    return r;
  }

  // ---- clients ----------------------------------------------------------------------------

  // The client a client_id names, with the reason when it names none.
  Task<boost::system::result<OAuthClient, Refused>> resolve_client(std::string client_id) {
    if (client_id == ctx.config.registration.client_id && !client_id.empty()) {
      OAuthClient c;
      c.client_id = client_id;
      c.kind = ClientKind::preregistered;
      c.name = "pre-registered client";
      c.redirect_uris = ctx.config.registration.allowed_redirect_uris;  // and loopback: see authorize()
      co_return c;
    }
    if (auto sealed = key.open_client(client_id)) co_return *sealed;
    if (!is_metadata_document_url(client_id))
      co_return Refused{"client_id '" + client_id.substr(0, 100) +
                        "' is not known here: register the client at /register, or use an https URL of its "
                        "client ID metadata document"};
    auto document = co_await metadata_document(std::move(client_id));
    co_return document;
  }

  Task<boost::system::result<OAuthClient, Refused>> metadata_document(std::string url) {
    const auto& rules = settings.metadata_documents;
    if (auto problem = metadata_url_problem(url, rules)) co_return Refused{*problem};
    auto now = ctx.clock.now();
    {
      std::lock_guard guard(mutex);
      auto it = documents.find(url);
      if (it != documents.end() && it->second.expires > now) {
        if (it->second.client) co_return *it->second.client;
        co_return Refused{it->second.problem};
      }
    }
    // Outsiders choose these URLs: a few fetches at a time, each within `timeout` overall (a server
    // trickling a byte at a time gains nothing), and what failed stays in the log: a page that
    // said "refused" or "timed out" would make the gateway a port scanner.
    if (fetches_in_flight.fetch_add(1) >= kMaxMetadataFetches) {
      --fetches_in_flight;
      co_return Refused{"too many client metadata documents are being fetched right now; try again shortly"};
    }
    OnScopeExit release{[this] { --fetches_in_flight; }};
    const auto started = std::chrono::steady_clock::now();
    auto overdue = [&] { return std::chrono::steady_clock::now() - started > rules.timeout; };
    const std::string unreachable =
        "the client's metadata document at " + url + " could not be fetched (the gateway's log says why)";
    http::ClientRequest request{"GET", url, {}, {}};
    request.headers.add("Accept", "application/json");
    auto deadlines = http::Deadlines{rules.timeout, rules.timeout};
    auto opened = co_await ctx.outside.open(std::move(request), deadlines);
    CachedDocument doc;
    doc.expires = now + std::chrono::seconds(60);  // failures are retried after a minute
    std::string detail;
    if (!opened) {
      detail = opened.error().message;
      doc.problem = unreachable;
    } else if ((*opened)->status != 200) {
      doc.problem = "the client's metadata document answered HTTP " + std::to_string((*opened)->status);
    } else if ((*opened)->content_length && *(*opened)->content_length > rules.max_bytes) {
      doc.problem = "the client's metadata document is larger than " + std::to_string(rules.max_bytes) + " bytes";
    } else {
      std::string body;
      bool too_large = false;
      for (;;) {
        auto piece = co_await (*opened)->read_some();
        if (!piece || overdue()) {
          detail = piece ? "took longer than the timeout" : piece.error().message;
          doc.problem = unreachable;
          break;
        }
        if (piece->empty()) break;
        body += *piece;
        if (body.size() > rules.max_bytes) {
          too_large = true;
          break;
        }
      }
      if (too_large) {
        doc.problem = "the client's metadata document is larger than " + std::to_string(rules.max_bytes) + " bytes";
      } else if (doc.problem.empty()) {
        auto client = read_metadata_document(body, url);
        if (client) {
          doc.client = std::move(*client);
          doc.expires = now + metadata_lifetime((*opened)->headers.get("Cache-Control"));
        } else {
          doc.problem = "the client's metadata document is not acceptable: " + client.error().description;
        }
      }
    }
    {
      std::lock_guard guard(mutex);
      drop_expired(documents, now);
      if (documents.size() < kMaxMetadataDocuments && doc.expires > now) documents[url] = doc;
    }
    if (!doc.client)
      spdlog::info("client metadata document {}: {}{}", url, doc.problem, detail.empty() ? "" : " (" + detail + ")");
    if (doc.client) co_return *doc.client;
    co_return Refused{doc.problem};
  }

  // ---- /authorize -------------------------------------------------------------------------

  // What the gateway asks Entra for on a client's behalf: only scopes of its own routes (and the
  // OpenID ones), never what else a client names: a registered client must not turn the gateway's
  // credential into a token for another API (Graph, or the MCP API the gateway exchanges for).
  std::string gateway_scope(std::optional<std::string_view> requested) const {
    std::vector<std::string> kept;
    for (const auto& scope : split_whitespace(requested.value_or(""))) {
      bool ours = scope == "offline_access" || scope == "openid" || scope == "profile" || scope == "email";
      for (const auto& r : ctx.config.routes) ours = ours || iequals(scope, r.client_scope);
      if (ours) kept.push_back(scope);
    }
    return bridged_scope(join(kept, " "), ctx.config);
  }

  // The route whose client scope a scope string names (the first route when none does).
  size_t route_of_scope(std::string_view scope) const {
    auto scopes = split_whitespace(scope);
    for (size_t r = 0; r < ctx.config.routes.size(); ++r)
      for (const auto& s : scopes)
        if (!ctx.config.routes[r].client_scope.empty() && iequals(s, ctx.config.routes[r].client_scope)) return r;
    return 0;
  }

  std::optional<size_t> route_for(std::optional<std::string_view> resource) const {
    const auto& routes = ctx.config.routes;
    if (!resource) return 0;
    auto u = boost::urls::parse_absolute_uri(*resource);
    if (!u || http::origin_of(*resource) != origin) return std::nullopt;
    std::string path(u->encoded_path());
    auto m = match_route(routes, path.empty() ? "/" : path);
    if (!m) return std::nullopt;
    return size_t(m->route - routes.data());
  }

  // References: the connection's request, which outlives the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<Response> authorize(const http::Request& req) {
    auto form = http::parse_form(req.query);
    if (!form)
      co_return error_page(400, "Sign-in request not understood", "The query string is not valid URL encoding.");
    if (auto repeated = form->repeated_name())
      co_return error_page(400, "Sign-in request not understood",
                           "The parameter " + std::string(*repeated) + " is given more than once.");
    auto client_id = form->get("client_id");
    if (!client_id || client_id->empty())
      co_return error_page(400, "Sign-in request not understood",
                           "The request names no client_id. Start the sign-in again from your editor.");
    auto resolved = co_await resolve_client(std::string(*client_id));
    if (!resolved) co_return error_page(400, "Unknown application", resolved.error().why);
    const OAuthClient& client = *resolved;
    std::string redirect_uri(form->get("redirect_uri").value_or(""));
    if (redirect_uri.empty() && client.redirect_uris.size() == 1) redirect_uri = client.redirect_uris.front();
    bool loopback_preregistered = client.kind == ClientKind::preregistered && is_loopback_redirect(redirect_uri);
    if (redirect_uri.empty() || !(redirect_uri_allowed(client, redirect_uri) || loopback_preregistered))
      co_return error_page(400, "Redirect not allowed",
                           "The redirect URI '" + redirect_uri.substr(0, 200) +
                               "' is not one this application registered, so the sign-in cannot return to it.");

    SignIn s;
    s.client = client;
    s.redirect_uri = redirect_uri;
    if (auto st = form->get("state")) s.client_state = std::string(*st);
    if (form->get("response_type").value_or("") != "code")
      co_return refuse(s, false, "unsupported_response_type", "response_type must be code");
    auto challenge = form->get("code_challenge");
    if (!challenge || form->get("code_challenge_method").value_or("") != "S256" || challenge->size() < 43 ||
        challenge->size() > 128)
      co_return refuse(s, false, "invalid_request",
                       "PKCE is required: send code_challenge with code_challenge_method S256");
    s.code_challenge = std::string(*challenge);
    auto route = route_for(form->get("resource"));
    if (!route)
      co_return refuse(s, false, "invalid_target",
                       "resource '" + std::string(form->get("resource").value_or("")).substr(0, 200) +
                           "' is not an MCP server behind this gateway");
    s.route = *route;
    s.scope = gateway_scope(form->get("scope"));
    s.redirect_given = form->get("redirect_uri").has_value();
    s.verifier = crypto::random_token(32);
    s.remote_address = req.remote_address;
    s.expires = ctx.clock.now() + kSignInLifetime;

    auto binding = http::cookie_value(req, cookie_name(kBindingCookie));
    if (!binding || binding->size() != 43) binding = crypto::random_token(32);
    s.binding_hash = crypto::sha256(*binding);

    auto state = crypto::random_token(32);
    {
      std::lock_guard guard(mutex);
      drop_expired(sign_ins, ctx.clock.now());
      size_t from_here = 0;
      for (const auto& entry : sign_ins) from_here += entry.second.remote_address == req.remote_address ? 1 : 0;
      if (sign_ins.size() >= kMaxPending || from_here >= kMaxSignInsPerAddress)
        co_return error_page(429, "Too many sign-ins",
                             "Too many sign-ins are in progress from this address. Finish or close the others, "
                             "or wait ten minutes.");
      sign_ins[state] = s;
    }

    http::Form out;
    out.add("client_id", ctx.config.client.client_id);
    out.add("response_type", "code");
    out.add("redirect_uri", callback_uri());
    out.add("response_mode", "query");
    out.add("scope", s.scope);
    out.add("state", state);
    out.add("code_challenge", s256(s.verifier));
    out.add("code_challenge_method", "S256");
    for (auto name : kForwardedToEntra)
      if (auto v = form->get(name)) out.add(std::string(name), std::string(*v));
    auto r = Response::redirect(ctx.endpoints().authorization_endpoint + "?" + out.encode());
    r.headers.set("Cache-Control", "no-store");
    // Renewed on every sign-in, so a cookie about to expire cannot end one half-way.
    r.headers.add("Set-Cookie", binding_cookie(*binding, 600));
    co_return r;
  }

  std::string cookie_name(std::string_view name) const { return http::cookie_name(name, secure()); }

  std::string binding_cookie(std::string_view value, int max_age) const {
    return http::set_cookie(cookie_name(kBindingCookie), value,
                            "Path=/; SameSite=Lax; Max-Age=" + std::to_string(max_age), secure());
  }

  bool bound_to_browser(const http::Request& req, const std::string& binding_hash) const {
    auto binding = http::cookie_value(req, cookie_name(kBindingCookie));
    return binding && crypto::constant_time_equals(crypto::sha256(*binding), binding_hash);
  }

  // ---- /oauth/callback --------------------------------------------------------------------

  // References: the connection's request, which outlives the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<Response> callback(const http::Request& req) {
    auto form = http::parse_form(req.query);
    auto state = form ? form->get("state") : std::nullopt;
    auto found = take_once(sign_ins, state);
    if (!found)
      co_return error_page(400, "This sign-in has expired",
                           "This sign-in was already completed, took longer than ten minutes, or was started "
                           "before the gateway restarted. Start it again from your editor.");
    SignIn s = std::move(*found);
    if (!bound_to_browser(req, s.binding_hash))
      co_return error_page(400, "Sign-in started elsewhere",
                           "This sign-in was started in another browser (or its cookie was blocked). Start it "
                           "again from your editor, in this browser.");
    if (auto error = form->get("error")) {
      std::string description(form->get("error_description").value_or(""));
      spdlog::info("sign-in through the gateway: Entra answered {}: {}", *error, description.substr(0, 300));
      co_return refuse(s, false, std::string(*error) == "access_denied" ? "access_denied" : "server_error",
                       "Entra ID: " + std::string(*error) + (description.empty() ? "" : ": " + description));
    }
    auto code = form->get("code");
    if (!code) co_return refuse(s, false, "server_error", "Entra ID returned neither a code nor an error");

    auto grant = co_await redeem(s, std::string(*code));  // a copy: the coroutine owns what it reads
    if (!grant) co_return refuse(s, false, "server_error", grant.error().why);

    if (needs_consent(req, s.client, *grant)) {
      auto id = crypto::random_token(32);
      {
        std::lock_guard guard(mutex);
        drop_expired(consents, ctx.clock.now());
        if (consents.size() >= kMaxPending)
          co_return redirect_error(s, "temporarily_unavailable", "too many sign-ins await consent; try again shortly");
        consents[id] = ConsentWait{s, *grant, ctx.clock.now() + kConsentPageLifetime};
      }
      co_return consent_page(id, s, *grant);
    }
    co_return issue_code(s, std::move(grant->response));
  }

  // Redeems Entra's code with the gateway's own credential and checks the token as the route
  // would: a sign-in that ends in a token the gateway then refuses would only loop.
  Task<boost::system::result<TokenGrant, Refused>> redeem(SignIn s, std::string code) {
    auto token_endpoint = ctx.endpoints().token_endpoint;
    http::Form form;
    form.add("grant_type", "authorization_code");
    form.add("code", code);
    form.add("redirect_uri", callback_uri());
    form.add("code_verifier", s.verifier);
    form.add("scope", s.scope);
    exchange::add_client_authentication(form, ctx.config.client, token_endpoint, ctx.clock.now());
    http::ClientRequest request{"POST", token_endpoint, {}, form.encode()};
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    auto answer = co_await ctx.idp.fetch(std::move(request), ctx.config.obo_timeout);
    if (!answer) {
      spdlog::warn("sign-in through the gateway: {}", answer.error().message);
      co_return Refused{"the gateway could not reach Entra ID to complete the sign-in; try again shortly"};
    }
    if (answer->status != 200) {
      auto failure = exchange::parse_obo_response(answer->status, answer->body);
      std::string why = "Entra ID answered " + std::to_string(answer->status);
      if (!failure) {
        const auto& f = failure.error();
        bool coded = f.aadsts && f.description.rfind("AADSTS", 0) != 0;
        why = (coded ? "AADSTS" + std::to_string(f.aadsts) + ": " : "") + f.description +
              (f.hint.empty() ? "" : " (" + f.hint + ")");
      }
      if (!failure && failure.error().aadsts == 50011)
        why +=
            " Add " + callback_uri() + " as a Web redirect URI of the gateway app " + ctx.config.client.client_id + ".";
      spdlog::warn("sign-in through the gateway: redeeming the code failed: {}", why);
      co_return Refused{"the gateway could not redeem the sign-in at Entra ID: " + why};
    }
    boost::system::error_code ec;
    auto body = json::parse(answer->body, ec);
    if (ec || !body.is_object() || !body.as_object().if_contains("access_token") ||
        !body.as_object().at("access_token").is_string())
      co_return Refused{"Entra ID's token response carries no access token"};
    TokenGrant grant;
    grant.response = std::move(body.as_object());
    grant.response.erase("id_token");  // issued to the gateway's app, not the client's
    std::string access_token(grant.response.at("access_token").get_string());
    auto verified = co_await ctx.verify(s.route, access_token);
    if (!verified)
      co_return Refused{"you are signed in, but the token Entra ID issued is not one route " +
                        ctx.config.routes[s.route].prefix + " accepts: " + verified.error().detail};
    grant.tenant = (*verified)->tid;
    grant.oid = (*verified)->oid;
    grant.username = (*verified)->preferred_username;
    co_return grant;
  }

  // ---- consent ----------------------------------------------------------------------------

  int64_t now_seconds() const { return unix_seconds(ctx.clock.now()); }

  bool needs_consent(const http::Request& req, const OAuthClient& client, const TokenGrant& grant) const {
    if (!settings.consent || client.kind == ClientKind::preregistered) return false;
    auto now = now_seconds();
    for (const auto& m : read_marks(http::cookie_value(req, cookie_name(kConsentCookie))))
      if (m.expires > now &&
          crypto::constant_time_equals(m.tag, key.consent_tag(grant.tenant, grant.oid, client.client_id, m.expires)))
        return false;
    return true;
  }

  Response consent_page(const std::string& id, const SignIn& s, const TokenGrant& grant) const {
    const auto& c = s.client;
    bool document = c.kind == ClientKind::metadata_document;
    std::string name = c.name.empty() ? "An application" : c.name;
    std::string destination = is_loopback_redirect(s.redirect_uri)
                                  ? "an application on this computer (" + host_of(s.redirect_uri) + ")"
                                  : host_of(s.redirect_uri);
    const auto& route = ctx.config.routes[s.route];
    std::string body = "<h1>Allow " + html_escape(name) + " to use MCP servers as you?</h1>";
    body += "<p>You are signed in as <strong>" + html_escape(grant.username.empty() ? grant.oid : grant.username) +
            "</strong>. This application has not been used with your account through this gateway before.</p><dl>";
    body += "<dt>Application</dt><dd>" + html_escape(name) +
            (document ? "" : " <small>(the name the application gave itself; not verified)</small>") + "</dd>";
    if (document) body += "<dt>Published by</dt><dd>" + html_escape(host_of(c.client_id)) + "</dd>";
    body += "<dt>Returns to</dt><dd>" + html_escape(destination) + "</dd>";
    body += "<dt>Will use</dt><dd>" + html_escape(ctx.config.public_url + route.prefix + "/mcp") +
            " with your identity</dd>";
    body += "<dt>Permissions</dt><dd>" + html_escape(s.scope) + "</dd></dl>";
    body +=
        "<p class=\"warn\">Allow only if you started this sign-in yourself, from your editor or tool, just now.</p>";
    body += "<form method=\"post\" action=\"" + std::string(kConsentPath) +
            "\"><input type=\"hidden\" name=\"consent\" value=\"" + html_escape(id) +
            "\"><button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>"
            "<button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button></form>";
    auto r = Response::text(200, page("Allow access", body), "text/html; charset=utf-8");
    protect_page(r, style_hash);
    return r;
  }

  Response consent(const http::Request& req) {
    if (auto o = req.header("Origin"); o && http::origin_of(*o) != origin)
      return error_page(403, "Not allowed", "This form can only be sent from the gateway's own page.");
    auto form = http::parse_form(req.body);
    auto id = form ? form->get("consent") : std::nullopt;
    auto found = take_once(consents, id);
    if (!found)
      return error_page(400, "This sign-in has expired",
                        "This page was already answered or left open for more than ten minutes. Start the sign-in "
                        "again from your editor.");
    auto& w = *found;
    if (!bound_to_browser(req, w.sign_in.binding_hash))
      return error_page(400, "Sign-in started elsewhere", "This page belongs to a sign-in started in another browser.");
    if (form->get("decision").value_or("") != "allow")
      return redirect_error(w.sign_in, "access_denied", "you declined to let this application use your account");
    auto r = issue_code(w.sign_in, std::move(w.grant.response));
    // Remembered in this browser, for this person and this client only.
    auto marks = read_marks(http::cookie_value(req, cookie_name(kConsentCookie)));
    auto now = now_seconds();
    marks.erase(std::remove_if(marks.begin(), marks.end(), [&](const ConsentMark& m) { return m.expires <= now; }),
                marks.end());
    int64_t expires = now + settings.consent_lifetime.count();
    marks.push_back({expires, key.consent_tag(w.grant.tenant, w.grant.oid, w.sign_in.client.client_id, expires)});
    if (marks.size() > kMaxConsentMarks) marks.erase(marks.begin(), marks.end() - kMaxConsentMarks);
    r.headers.add("Set-Cookie",
                  http::set_cookie(cookie_name(kConsentCookie), write_marks(marks),
                                   "Path=/; SameSite=Lax; Max-Age=" + std::to_string(settings.consent_lifetime.count()),
                                   secure()));
    spdlog::info("consent: {} allowed client {} ", w.grant.username.empty() ? w.grant.oid : w.grant.username,
                 w.sign_in.client.client_id);
    return r;
  }

  // ---- codes and tokens -------------------------------------------------------------------

  // Entra's refresh token leaves the gateway only wrapped for the client it was issued to.
  void wrap_refresh_token(json::object& response, std::string_view client_id) const {
    auto* rt = response.if_contains("refresh_token");
    if (rt && rt->is_string()) *rt = key.seal_refresh_token(client_id, rt->get_string());
  }

  Response issue_code(const SignIn& s, json::object response) {
    wrap_refresh_token(response, s.client.client_id);
    auto code = crypto::random_token(32);
    {
      std::lock_guard guard(mutex);
      drop_expired(codes, ctx.clock.now());
      if (codes.size() >= kMaxPending)
        return redirect_error(s, "temporarily_unavailable", "too many sign-ins are being completed; try again");
      codes[crypto::sha256(code)] = IssuedCode{s.client.client_id, s.redirect_uri, s.code_challenge,
                                               std::move(response), ctx.clock.now() + kCodeLifetime};
    }
    http::Form p;
    p.add("code", code);
    if (s.client_state) p.add("state", *s.client_state);
    p.add("iss", issuer());
    auto r = Response::redirect(with_params(s.redirect_uri, p));
    r.headers.set("Cache-Control", "no-store");
    return r;
  }

  static Response token_answer(int status, const json::object& body) {
    auto r = Response::json(status, body);
    r.headers.set("Cache-Control", "no-store");
    r.headers.set("Pragma", "no-cache");
    allow_cors(r);
    return r;
  }

  // References: the connection's request, which outlives the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<Response> token(const http::Request& req) {
    auto type = to_lower(req.header("Content-Type").value_or(""));
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
      co_return token_error(400, "invalid_request", "the token request must be application/x-www-form-urlencoded");
    auto form = http::parse_form(req.body);
    if (!form) co_return token_error(400, "invalid_request", "the token request body is not valid form encoding");
    if (auto repeated = form->repeated_name())
      co_return token_error(400, "invalid_request", "parameter " + std::string(*repeated) + " is given more than once");
    auto grant = form->get("grant_type").value_or("");
    if (grant == "authorization_code") co_return redeem_code(*form);
    if (grant == "refresh_token") {
      auto answer = co_await refresh(std::move(*form));
      co_return answer;
    }
    co_return token_error(400, "unsupported_grant_type",
                          "this server issues tokens for the authorization_code and refresh_token grants only");
  }

  Response redeem_code(const http::Form& form) {
    auto code = form.get("code");
    if (!code) return token_error(400, "invalid_request", "code is required");
    auto issued = take_once(codes, crypto::sha256(*code));  // single use, whatever happens next
    if (!issued)
      return token_error(400, "invalid_grant", "the code is unknown, used already or expired; sign in again");
    if (form.get("client_id").value_or("") != issued->client_id)
      return token_error(400, "invalid_grant", "the code was issued to another client");
    if (!issued->redirect_uri.empty() && form.get("redirect_uri").value_or("") != issued->redirect_uri)
      return token_error(400, "invalid_grant", "redirect_uri differs from the one in the authorization request");
    auto verifier = form.get("code_verifier");
    if (!verifier || verifier->size() < 43 || verifier->size() > 128 ||
        !crypto::constant_time_equals(s256(*verifier), issued->code_challenge))
      return token_error(400, "invalid_grant", "code_verifier does not match the code_challenge (PKCE)");
    return token_answer(200, issued->response);
  }

  Task<Response> refresh(http::Form form) {
    auto refresh_token = form.get("refresh_token");
    if (!refresh_token || refresh_token->empty())
      co_return token_error(400, "invalid_request", "refresh_token is required");
    std::string client_id(form.get("client_id").value_or(""));
    bool known = client_id == ctx.config.registration.client_id || key.open_client(client_id) ||
                 (is_metadata_document_url(client_id) && !metadata_url_problem(client_id, settings.metadata_documents));
    if (client_id.empty() || !known)
      co_return token_error(401, "invalid_client", "client_id is missing or not one this server issued or accepts");
    auto token_endpoint = ctx.endpoints().token_endpoint;
    http::Form out;
    auto entra_refresh_token = key.open_refresh_token(client_id, *refresh_token);
    if (!entra_refresh_token)
      co_return token_error(400, "invalid_grant",
                            "the refresh token was not issued to this client by this gateway (or the gateway's key "
                            "changed); sign in again");
    out.add("grant_type", "refresh_token");
    out.add("refresh_token", *entra_refresh_token);
    auto scope = gateway_scope(form.get("scope"));
    out.add("scope", scope);
    exchange::add_client_authentication(out, ctx.config.client, token_endpoint, ctx.clock.now());
    http::ClientRequest request{"POST", token_endpoint, {}, out.encode()};
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    auto answer = co_await ctx.idp.fetch(std::move(request), ctx.config.obo_timeout);
    if (!answer) {
      spdlog::warn("refresh through the gateway: {}", answer.error().message);
      co_return token_error(503, "temporarily_unavailable", "Entra ID could not be reached; retry shortly");
    }
    boost::system::error_code ec;
    auto body = json::parse(answer->body, ec);
    if (ec || !body.is_object())
      co_return token_error(502, "server_error", "Entra ID answered the refresh with something other than JSON");
    body.as_object().erase("id_token");
    // Entra's own errors (invalid_grant when the refresh token expired or was revoked) go to
    // the client as they are: it signs the user in again.
    if (answer->status != 200) co_return token_answer(answer->status >= 500 ? 502 : 400, body.as_object());
    // As at the callback: only a token the route accepts leaves the gateway.
    const auto* access = body.as_object().if_contains("access_token");
    std::string access_token = access && access->is_string() ? std::string(access->get_string()) : "";
    auto verified = co_await ctx.verify(route_of_scope(scope), access_token);
    if (!verified) {
      spdlog::warn("refresh through the gateway: Entra's token is not one the route accepts: {}",
                   verified.error().detail);
      co_return token_error(400, "invalid_grant", "the refreshed token is not one this gateway accepts; sign in again");
    }
    wrap_refresh_token(body.as_object(), client_id);
    co_return token_answer(200, body.as_object());
  }

  // ---- /register --------------------------------------------------------------------------

  Response register_client(const http::Request& req) {
    auto client = read_client_metadata(req.body);
    if (!client) return token_error(400, client.error().error, client.error().description);
    auto issued = ctx.clock.now();
    client->client_id = key.seal_client(*client, issued);
    json::array uris;
    for (const auto& u : client->redirect_uris) uris.emplace_back(u);
    json::object reply{{"client_id", client->client_id},
                       {"client_id_issued_at", unix_seconds(issued)},
                       {"redirect_uris", uris},
                       {"grant_types", json::array{"authorization_code", "refresh_token"}},
                       {"response_types", json::array{"code"}},
                       {"token_endpoint_auth_method", "none"}};
    if (!client->name.empty()) reply["client_name"] = client->name;
    auto r = Response::json(201, reply);
    r.headers.set("Cache-Control", "no-store");
    allow_cors(r);
    return r;
  }
};

AuthorizationServer::AuthorizationServer(Context context) : impl_(std::make_unique<Impl>(std::move(context))) {}
AuthorizationServer::~AuthorizationServer() = default;

bool AuthorizationServer::serves(const http::Request& r) {
  return (r.method == "GET" && (r.path == "/authorize" || r.path == kCallbackPath)) ||
         (r.method == "POST" && (r.path == kConsentPath || r.path == "/token" || r.path == "/register"));
}

// The caller keeps the request alive until the task completes (awaited at once).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
Task<Response> AuthorizationServer::handle(const http::Request& r) {
  if (r.path == "/authorize") {
    auto answer = co_await impl_->authorize(r);
    co_return answer;
  }
  if (r.path == kCallbackPath) {
    auto answer = co_await impl_->callback(r);
    co_return answer;
  }
  if (r.path == kConsentPath) co_return impl_->consent(r);
  if (r.path == "/token") {
    auto answer = co_await impl_->token(r);
    co_return answer;
  }
  co_return impl_->register_client(r);
}

void AuthorizationServer::describe(json::object& m) const {
  const auto& url = impl_->ctx.config.public_url;
  m["registration_endpoint"] = url + "/register";
  m["authorization_response_iss_parameter_supported"] = true;
  m["client_id_metadata_document_supported"] = impl_->settings.metadata_documents.enabled;
  m["token_endpoint_auth_methods_supported"] = json::array{"none"};
  json::array scopes{"offline_access"};
  for (const auto& r : impl_->ctx.config.routes)
    if (!r.client_scope.empty() && std::find(scopes.begin(), scopes.end(), json::value(r.client_scope)) == scopes.end())
      scopes.emplace_back(r.client_scope);
  m["scopes_supported"] = scopes;
}

}  // namespace mcpgate::proxy
