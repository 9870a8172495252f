#include "proxy/gateway_service.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <unordered_map>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "auth/bearer.hpp"
#include "auth/challenge.hpp"
#include "auth/key_set.hpp"
#include "auth/verified_cache.hpp"
#include "auth/verifier.hpp"
#include "common/duration.hpp"
#include "common/scope_exit.hpp"
#include "common/strings.hpp"
#include "crypto/random.hpp"
#include "exchange/obo.hpp"
#include "exchange/obo_tokens.hpp"
#include "http/async.hpp"
#include "http/beast_pch.hpp"
#include "http/form.hpp"
#include "http/path.hpp"
#include "http/rate_limiter.hpp"
#include "http/upstream.hpp"
#include "mcp/peek.hpp"
#include "proxy/audit.hpp"
#include "proxy/authorization_server.hpp"
#include "proxy/discovery.hpp"
#include "proxy/forwarding.hpp"
#include "proxy/metrics.hpp"
#include "proxy/upstream_set.hpp"
#include "redis/rate_limit.hpp"

namespace mcpgate::proxy {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;
using http::Task;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

http::Response json_error(int status, const std::string& error, const std::string& message,
                          const json::object& extra = {}) {
  json::object body{{"error", error}, {"message", message}};
  for (auto& [k, v] : extra) body[k] = v;
  return http::Response::json(status, body);
}

// A JSON-RPC error the gateway answers itself, for a request it cannot tie to an id.
http::Response rpc_error(int status, int code, std::string message, json::object data = {}) {
  json::object error{{"code", code}, {"message", std::move(message)}};
  if (!data.empty()) error["data"] = std::move(data);
  return http::Response::json(status, json::object{{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", std::move(error)}});
}

using ExchangeOutcome = exchange::OboTokens::Outcome;

// At most one re-exchange per user in this time after the MCP server refused a cached token.
constexpr std::chrono::seconds kEvictionInterval{30};

}  // namespace

struct GatewayService::Impl {
  GatewayConfig config;
  const Clock& clock;
  http::Upstream& upstream;
  auth::KeySet keys;
  exchange::OboTokens tokens;
  std::vector<std::unique_ptr<auth::VerifiedTokenCache>> verified;  // per route
  Metrics metrics;
  std::vector<size_t> route_slots;  // per route: its counters in metrics
  AuditLog audit;

  std::mutex state_mutex;  // guards endpoints, policies and recent evictions
  TenantEndpoints endpoints;
  std::vector<std::shared_ptr<const auth::VerificationPolicy>> policies;  // per route
  bool keys_warned = false;
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> key_retirements{0};  // bumped whenever a signing key leaves the tenant's set
  // When each user's cached token was last dropped on a server's refusal (guarded by state_mutex).
  std::unordered_map<std::string, SysTime> recent_evictions;
  std::unique_ptr<AuthorizationServer> authorization;       // when the gateway signs users in itself
  std::vector<std::unique_ptr<UpstreamSet>> upstream_sets;  // per route: its MCP servers
  // Per route; neither without a limit. The shared one counts across gateways (in Redis).
  struct RouteLimiter {
    std::unique_ptr<http::RateLimiter> local;
    std::unique_ptr<redis::SharedRateLimiter> shared;
    std::unique_ptr<http::QuotaCounter> local_quota;
    std::unique_ptr<redis::SharedQuota> shared_quota;
  };
  std::vector<RouteLimiter> rate_limiters;
  Shared shared;

  Impl(GatewayConfig c, const Clock& clk, http::Upstream& up, http::Upstream& outside, Shared shared_state)
      : config(std::move(c)),
        clock(clk),
        upstream(up),
        keys({config.jwks_refresh_interval, config.unknown_kid_refetch_interval}),
        tokens({{config.obo_expiry_margin, config.obo_negative_ttl, 100'000},
                config.obo_timeout + std::chrono::seconds(2)},
               clock, shared_state.tokens),
        audit(config.audit_log),
        shared(shared_state) {
    endpoints = default_endpoints(config);
    for (size_t i = 0; i < config.routes.size(); ++i) verified.push_back(std::make_unique<auth::VerifiedTokenCache>());
    for (auto& r : config.routes) route_slots.push_back(metrics.route_slot(r.prefix));
    rebuild_policies();
    for (auto& r : config.routes) {
      RouteLimiter limiter;
      if (r.rate_limit_requests > 0 && shared.redis)
        limiter.shared = std::make_unique<redis::SharedRateLimiter>(*shared.redis, config.redis->prefix, r.prefix,
                                                                    r.rate_limit_requests, r.rate_limit_window, clock);
      else if (r.rate_limit_requests > 0)
        limiter.local = std::make_unique<http::RateLimiter>(r.rate_limit_requests, r.rate_limit_window, clock);
      if (r.quota_requests > 0 && shared.redis)
        limiter.shared_quota = std::make_unique<redis::SharedQuota>(*shared.redis, config.redis->prefix, r.prefix,
                                                                    r.quota_requests, r.quota_window, clock);
      else if (r.quota_requests > 0)
        limiter.local_quota = std::make_unique<http::QuotaCounter>(r.quota_requests, r.quota_window, clock);
      rate_limiters.push_back(std::move(limiter));
    }
    auto session_key = config.session_key.value_or(crypto::random_bytes(32));
    // Each route seals with its own key: a session ID of one route means nothing on another.
    for (auto& r : config.routes)
      upstream_sets.push_back(
          std::make_unique<UpstreamSet>(r.upstreams.empty() ? std::vector<std::string>{r.upstream} : r.upstreams,
                                        r.upstream_health, session_key + "\n" + r.prefix));
    if (config.authorization_server.enabled)
      authorization = std::make_unique<AuthorizationServer>(AuthorizationServer::Context{
          config, clock, upstream, outside, [this] { return current_endpoints(); },
          [this](size_t route, std::string token) { return verify_owned(route, std::move(token)); }});
  }

  void rebuild_policies() {
    policies.clear();
    for (auto& r : config.routes) {
      auto p = std::make_shared<auth::VerificationPolicy>();
      p->issuer = endpoints.issuer;
      p->tenant_id = config.tenant_id;
      p->audiences = r.audiences;
      p->required_scopes = r.scopes;
      p->require_all_scopes = r.require_all_scopes;
      // The authority names one tenant, so its tokens must say so too, whether or not the route
      // repeats it.
      p->required_tenant = r.required_tenant ? r.required_tenant : std::optional<std::string>(config.tenant_id);
      p->allowed_algorithms = config.algorithms;
      p->clock_skew = config.clock_skew;
      policies.push_back(std::move(p));
    }
  }

  TenantEndpoints current_endpoints() {
    std::lock_guard guard(state_mutex);
    return endpoints;
  }

  // ---- keys -------------------------------------------------------------------------------

  bool key_fetch_failed(const std::string& why) {
    keys.fetch_failed(clock.now());
    if (!keys_warned || !keys.loaded())
      spdlog::warn("tenant signing keys: {}{}", why,
                   keys.loaded() ? "; validating with the keys fetched before" : "; requests get 503 until this works");
    keys_warned = true;
    return false;
  }

  Task<bool> refresh_keys() {
    auto discovery_url = auth::openid_configuration_url(config.authority, config.tenant_id);
    // Named requests, not temporaries: GCC 12 mishandles temporaries that live across co_await.
    http::ClientRequest discovery_request{"GET", discovery_url, {}, {}};
    auto doc = co_await upstream.fetch(std::move(discovery_request), std::chrono::seconds(10));
    if (!doc) co_return key_fetch_failed("cannot fetch " + discovery_url + ": " + doc.error().message);
    std::string error;
    auto metadata = auth::read_discovery_answer(discovery_url, doc->status, doc->body, config.tenant_id, error);
    if (!metadata) co_return key_fetch_failed(error);
    http::ClientRequest jwks_request{"GET", metadata->jwks_uri, {}, {}};
    auto jwks = co_await upstream.fetch(std::move(jwks_request), std::chrono::seconds(10));
    if (!jwks) co_return key_fetch_failed("cannot fetch " + metadata->jwks_uri + ": " + jwks.error().message);
    auto kids_before = keys.kids();
    if (auto e = keys.update_from(metadata->jwks_uri, jwks->status, jwks->body, clock.now()))
      co_return key_fetch_failed(*e);
    forget_tokens_of_retired_keys(kids_before, keys.kids());
    {
      std::lock_guard guard(state_mutex);
      bool changed = endpoints.issuer != metadata->issuer;
      endpoints.issuer = metadata->issuer;
      endpoints.jwks_uri = metadata->jwks_uri;
      if (!metadata->authorization_endpoint.empty())
        endpoints.authorization_endpoint = metadata->authorization_endpoint;
      if (!metadata->token_endpoint.empty()) endpoints.token_endpoint = metadata->token_endpoint;
      if (changed || keys_warned) rebuild_policies();
    }
    if (keys_warned) spdlog::info("tenant signing keys loaded from {} ({} keys)", metadata->jwks_uri, keys.size());
    keys_warned = false;
    co_return true;
  }

  // A key that left the tenant's set may have been retired because it leaked: tokens it signed
  // are verified again (and refused) rather than served from the cache until they expire.
  void forget_tokens_of_retired_keys(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    std::vector<std::string> retired;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(retired));
    if (retired.empty()) return;
    ++key_retirements;  // before the clear: a check in flight will then not insert after it
    for (auto& cache : verified) cache->clear();
    spdlog::info("tenant signing key{} {} retired; tokens verified with {} are checked again",
                 retired.size() > 1 ? "s" : "", fmt::join(retired, ", "), retired.size() > 1 ? "them" : "it");
  }

  Task<void> key_refresh_loop() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      if (keys.refresh_due(clock.now())) co_await refresh_keys();
      timer.expires_after(keys.loaded() ? std::chrono::seconds(30) : std::chrono::seconds(1));
      auto [ec] = co_await timer.async_wait(as_tuple);
      if (ec) co_return;
    }
  }

  // ---- upstream health ----------------------------------------------------------------------

  // For /metrics: whether each replica of a route with several takes new requests.
  std::string replica_metrics() const {
    std::string out;
    auto now = clock.now();
    for (size_t r = 0; r < upstream_sets.size(); ++r) {
      const auto& set = *upstream_sets[r];
      if (set.size() < 2) continue;
      if (out.empty())
        out =
            "# HELP mcpgate_upstream_available 1 when a replica takes new requests (healthy, not ejected).\n"
            "# TYPE mcpgate_upstream_available gauge\n";
      for (size_t i = 0; i < set.size(); ++i)
        out += fmt::format("mcpgate_upstream_available{{route=\"{}\",upstream=\"{}\"}} {}\n", config.routes[r].prefix,
                           set.url(i), set.available(i, now) ? 1 : 0);
    }
    return out;
  }

  std::string shared_metrics() const {
    if (!shared.tokens) return {};
    return fmt::format(
        "# HELP mcpgate_redis_up 1 while the gateways' shared Redis answers; 0 while each gateway caches and limits "
        "alone.\n"
        "# TYPE mcpgate_redis_up gauge\nmcpgate_redis_up {}\n"
        "# HELP mcpgate_obo_shared_cache_hits_total On-Behalf-Of tokens another gateway exchanged, taken from Redis.\n"
        "# TYPE mcpgate_obo_shared_cache_hits_total counter\nmcpgate_obo_shared_cache_hits_total {}\n",
        shared.tokens->available() ? 1 : 0, tokens.counters().shared_hits.load());
  }

  // Routes with several MCP servers: each is asked its health path every interval; one that
  // fails `unhealthy_after` checks in a row gets no new requests (its sessions still go to it)
  // until it passes `healthy_after`.
  Task<void> check_upstreams_loop() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      auto interval = std::chrono::milliseconds::max();
      for (size_t r = 0; r < upstream_sets.size(); ++r) {
        UpstreamSet& set = *upstream_sets[r];
        if (set.size() < 2) continue;
        interval = std::min(interval, set.health().interval);
        for (size_t i = 0; i < set.size(); ++i) {
          http::ClientRequest probe{"GET", set.url(i) + set.health().path, {}, {}};
          auto answer = co_await upstream.fetch(std::move(probe), set.health().timeout);
          bool ok = answer && answer->status == 200;
          if (set.checked(i, ok)) {
            if (ok)
              spdlog::info("route {}: upstream {} is healthy again", config.routes[r].prefix, set.url(i));
            else
              spdlog::warn("route {}: upstream {} fails its health check ({}); no new requests go to it",
                           config.routes[r].prefix, set.url(i),
                           answer ? "HTTP " + std::to_string(answer->status) : answer.error().message);
          }
        }
      }
      if (interval == std::chrono::milliseconds::max()) co_return;  // no route has several
      timer.expires_after(interval);
      auto [ec] = co_await timer.async_wait(as_tuple);
      if (ec) co_return;
    }
  }

  // ---- verification -----------------------------------------------------------------------

  using Verified = std::shared_ptr<const auth::VerifiedToken>;

  // What can be decided without I/O: the route's cache of verified tokens, then the keys
  // already loaded. A success is cached for the token's next request.
  boost::system::result<Verified, auth::VerifyError> verify_now(size_t route, std::string_view token) {
    auto now = clock.now();
    auto hit = verified[route]->find_shared(token, now);
    if (hit) {
      ++metrics.verified_cache_hits;
      return hit;
    }
    std::shared_ptr<const auth::VerificationPolicy> policy;
    {
      std::lock_guard guard(state_mutex);
      policy = policies[route];
    }
    // A key retired while this token was checked must not see it cached after the caches were
    // cleared: the insert happens only if no key was retired meanwhile.
    const auto retirements_before = key_retirements.load();
    auto result = auth::verify_token(token, *policy, keys, now);
    if (!result) return result.error();
    if (key_retirements.load() == retirements_before) verified[route]->insert(token, *result, now);
    return std::make_shared<const auth::VerifiedToken>(std::move(*result));
  }

  Task<boost::system::result<Verified, auth::VerifyError>> verify(size_t route, std::string_view token) {
    auto result = verify_now(route, token);
    if (!result && result.error().failure == auth::TokenFailure::unknown_key &&
        keys.claim_unknown_kid_refetch(clock.now())) {
      // Keys may have rotated since the last fetch: one refetch, then one more try.
      co_await refresh_keys();
      result = verify_now(route, token);
    }
    co_return result;
  }

  // verify() for a token the coroutine keeps alive itself.
  Task<boost::system::result<Verified, auth::VerifyError>> verify_owned(size_t route, std::string token) {
    auto verified = co_await verify(route, token);
    co_return verified;
  }

  // ---- On-Behalf-Of -----------------------------------------------------------------------

  // One exchange at the identity provider; OboTokens caches what it returns.
  Task<exchange::OboTokens::Exchanged> exchange_once(exchange::TokenCache::Key key, std::string assertion) {
    auto started = std::chrono::steady_clock::now();
    auto endpoint = current_endpoints().token_endpoint;
    http::ClientRequest request{"POST", endpoint, {}, {}};
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.headers.add("Accept", "application/json");
    request.body = exchange::obo_request_body(config.client, endpoint, assertion, key.scope, clock.now());
    auto answer = co_await upstream.fetch(std::move(request), config.obo_timeout);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!answer) {
      exchange::OboFailure f;
      f.kind = exchange::OboFailureKind::unavailable;
      f.error = answer.error().timed_out ? "timeout" : "unreachable";
      spdlog::warn("On-Behalf-Of exchange: {}", answer.error().message);
      f.description = answer.error().timed_out
                          ? "the identity provider did not answer the On-Behalf-Of exchange in time; retry shortly"
                          : "the identity provider could not be reached for the On-Behalf-Of exchange; retry shortly";
      metrics.exchange(f.error, seconds);
      co_return f;  // not cached: an unreachable IdP should be retried by the next request
    }
    auto parsed = exchange::parse_obo_response(answer->status, answer->body);
    if (!parsed) {
      static constexpr std::array<std::string_view, 4> kinds{"invalid_assertion", "interaction_required",
                                                             "configuration", "unavailable"};
      metrics.exchange(std::string(kinds[size_t(parsed.error().kind)]), seconds);
      co_return parsed.error();
    }
    metrics.exchange("ok", seconds);
    co_return std::move(*parsed);
  }

  // `from_cache` tells whether the answer is a token exchanged before this request.
  Task<ExchangeOutcome> exchanged_token(exchange::TokenCache::Key key, std::string_view assertion, bool* from_cache) {
    ++metrics.obo_cache_misses;
    // Copies into the exchange's own frame: it may outlive this request (others wait on it).
    // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a plain lambda
    auto exchange = [this, key, assertion = std::string(assertion)] { return exchange_once(key, assertion); };
    auto outcome = co_await tokens.obtain(key, std::move(exchange), from_cache);
    co_return outcome;
  }

  http::Response exchange_refused(const exchange::OboFailure& f, const auth::ChallengeContext& context) {
    // Entra's descriptions start with their code already; it is added only where one does not.
    std::string code = f.aadsts ? "AADSTS" + std::to_string(f.aadsts) + ": " : std::string();
    if (!code.empty() && f.description.starts_with(code)) code.clear();
    json::object extra{{"aadsts", f.aadsts}};
    if (!f.hint.empty()) extra["hint"] = f.hint;
    switch (f.kind) {
      case exchange::OboFailureKind::invalid_assertion:
        return auth::invalid_token("obo_assertion_rejected",
                                   "the identity provider refused the token for On-Behalf-Of: " + code + f.description,
                                   context, extra);
      case exchange::OboFailureKind::interaction_required:
        return auth::claims_challenge(f.claims.value_or("{}"),
                                      "Conditional Access requires you to sign in again: " + code + f.description,
                                      context);
      case exchange::OboFailureKind::configuration:
        return json_error(502, "obo_configuration",
                          "the gateway's On-Behalf-Of exchange is misconfigured: " + code + f.description, extra);
      case exchange::OboFailureKind::unavailable:
        return json_error(f.error == "timeout" ? 504 : 502, f.error == "timeout" ? "idp_timeout" : "idp_unavailable",
                          f.description);
    }
    return json_error(502, "obo_failed", f.description);
  }

  // ---- request handling -------------------------------------------------------------------

  // Everything the gateway answers itself (not proxied): plain request → response.
  std::optional<http::Response> local_response(const http::Request& req) {
    const auto& path = req.path;
    if (req.method == "OPTIONS") return cors_preflight();
    if (path == "/healthz") return http::Response::json(200, json::object{{"status", "ok"}});
    if (path == "/readyz") {
      if (draining.load())
        return http::Response::json(503, json::object{{"status", "draining"}, {"keys", keys.size()}});
      bool ready = keys.loaded();
      std::string status = ready ? "ready" : "waiting for the tenant's signing keys";
      json::object body{{"status", status}, {"keys", keys.size()}};
      // Replicas out of service do not make the gateway unready: it routes around them.
      json::object replicas;
      auto now = clock.now();
      for (size_t r = 0; r < upstream_sets.size(); ++r) {
        const auto& set = *upstream_sets[r];
        if (set.size() < 2) continue;
        json::object states;
        for (size_t i = 0; i < set.size(); ++i) states[set.url(i)] = set.available(i, now) ? "in service" : "out";
        replicas[config.routes[r].prefix] = std::move(states);
      }
      if (!replicas.empty()) body["upstreams"] = std::move(replicas);
      // Without Redis the gateway still serves (its own cache, its own limits): it is degraded, not
      // unready, and says so.
      if (shared.tokens) body["redis"] = shared.tokens->state();
      return http::Response::json(ready ? 200 : 503, body);
    }
    if (path == "/metrics")
      return http::Response::text(200, metrics.render() + replica_metrics() + shared_metrics(),
                                  "text/plain; version=0.0.4");
    constexpr std::string_view prm = "/.well-known/oauth-protected-resource";
    if (req.method == "GET" && path.starts_with(prm)) {
      std::string rest = path.substr(prm.size());
      if (rest.empty())
        return protected_resource_metadata(config, config.routes.front(), config.routes.front().prefix + "/mcp");
      if (auto m = match_route(config.routes, rest)) return protected_resource_metadata(config, *m->route, rest);
      return json_error(404, "not_found", "no route serves " + rest);
    }
    if (req.method == "GET" &&
        (path == "/.well-known/oauth-authorization-server" || path == "/.well-known/openid-configuration")) {
      auto metadata = authorization_server_metadata(config, current_endpoints());
      if (authorization) {
        auto doc = json::parse(metadata.body).as_object();
        authorization->describe(doc);
        metadata.body = json::serialize(doc);
      }
      return metadata;
    }
    if (authorization && AuthorizationServer::serves(req)) return std::nullopt;  // handle() awaits it
    if (req.method == "GET" && path == "/authorize") return authorize_redirect(req, current_endpoints(), config);
    if (req.method == "POST" && path == "/register" && config.registration.enabled)
      return register_client(req, config.registration, clock.now());
    if (!match_route(config.routes, path) && !(req.method == "POST" && path == "/token"))
      return json_error(404, "not_found", "nothing is served at " + path + "; check the MCP URL the client uses");
    return std::nullopt;
  }

  // References: the connection's request and writer, which outlive the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> handle(http::Request& req, http::ResponseWriter& out) {
    // Routing, the upstream path and the challenge all see the one normalised spelling.
    std::string path_error;
    auto normalized = http::normalize_path(req.path, path_error);
    if (!normalized) {
      auto refusal = bad_path(path_error);
      co_await out.send(refusal);
      co_return;
    }
    req.path = std::move(*normalized);
    // Declared outside the `if`: GCC 12 does not keep condition variables alive across co_await.
    auto local = local_response(req);
    if (local) {
      co_await out.send(*local);
      co_return;
    }
    if (authorization && AuthorizationServer::serves(req)) {
      auto answer = co_await authorization->handle(req);
      co_await out.send(answer);
      co_return;
    }
    if (req.method == "POST" && req.path == "/token") {
      co_await token_bridge(req, out);
      co_return;
    }
    // A named value, not a temporary: GCC 12 mishandles temporaries bound to coroutine parameters.
    RouteMatch match = match_route(config.routes, req.path).value();  // local_response() answered the others
    co_await proxy(req, out, std::move(match));
  }

  static http::Response bad_path(const std::string& why) {
    return json_error(400, "invalid_request", "the request path cannot be routed unambiguously: " + why);
  }

  // RFC 6750 §2.1: the header only. A token in the URL ends up in logs, histories and
  // Referer headers, so it is refused rather than ignored (and the query is never forwarded).
  static std::optional<http::Response> token_outside_header(const http::Request& req, bool body_read) {
    auto has_token = [](std::string_view encoded) {
      auto form = http::parse_form(encoded);
      return form && form->get("access_token").has_value();
    };
    bool in_query = !req.query.empty() && has_token(req.query);
    bool in_form = body_read && !req.body.empty() &&
                   req.header("Content-Type").value_or("").starts_with("application/x-www-form-urlencoded") &&
                   has_token(req.body);
    if (!in_query && !in_form) return std::nullopt;
    return json_error(400, "invalid_request",
                      std::string("send the access token in the Authorization header (Bearer), not in the ") +
                          (in_query ? "URL" : "form body"));
  }

  std::optional<http::Response> admit(const http::Request& head) {
    std::string path_error;
    auto path = http::normalize_path(head.path, path_error);
    if (!path) return bad_path(path_error);
    auto match = match_route(config.routes, *path);
    if (!match || head.method == "OPTIONS") return std::nullopt;  // answered by the gateway itself
    auto misplaced = token_outside_header(head, false);
    if (misplaced) return misplaced;
    if (!keys.loaded()) return std::nullopt;  // handle() fetches them and answers
    const RouteConfig& route = *match->route;
    size_t route_index = size_t(&route - config.routes.data());
    // The challenge's context is built only for a refusal: most requests pass.
    auto bearer = auth::extract_bearer(head.headers);
    if (!bearer) {
      auto error = bearer_error(bearer.error());
      return admission_refused(route_index, head, auth::token_refused(error, challenge_context(route, *path)),
                               error.failure);
    }
    auto verified_token = verify_now(route_index, *bearer);
    // An unknown key may be a rotation: handle() refetches once, which needs I/O.
    if (verified_token || verified_token.error().failure == auth::TokenFailure::unknown_key) return std::nullopt;
    return admission_refused(route_index, head,
                             auth::token_refused(verified_token.error(), challenge_context(route, *path)),
                             verified_token.error().failure);
  }

  // What a refusal's WWW-Authenticate points at: the route's protected-resource metadata.
  auth::ChallengeContext challenge_context(const RouteConfig& route, const std::string& path) const {
    return {config.public_url + "/.well-known/oauth-protected-resource" + path, route.client_scope};
  }

  // A refusal before the body was read: counted and audited like one after it.
  http::Response admission_refused(size_t route_index, const http::Request& head, http::Response refusal,
                                   auth::TokenFailure failure) {
    auto reason = std::string(auth::reason_code(failure));
    metrics.validation_failure(reason);
    metrics.request(route_slots[route_index], refusal.status);
    if (audit.enabled()) {
      AuditRecord record;
      record.time = clock.now();
      record.route = config.routes[route_index].prefix;
      record.http_method = head.method;
      record.status = refusal.status;
      record.outcome = reason + " (body not read)";
      audit.write(record);
    }
    return refusal;
  }

  static auth::VerifyError bearer_error(auth::BearerError error) {
    switch (error) {
      case auth::BearerError::duplicate_header:
        return {auth::TokenFailure::malformed, "send exactly one Authorization header"};
      case auth::BearerError::not_bearer:
        // RFC 6750 §3.1: another scheme is no Bearer attempt, so the challenge carries no error code.
        return {auth::TokenFailure::missing,
                "the Authorization header must use the Bearer scheme; sign in for a token"};
      case auth::BearerError::empty:
        return {auth::TokenFailure::malformed, "the Authorization header has no token after Bearer"};
      default:
        return {auth::TokenFailure::missing, "this MCP server needs a bearer token; sign in first"};
    }
  }

  // References: the connection's request and writer, which outlive the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> token_bridge(http::Request& req, http::ResponseWriter& out) {
    auto body = token_request_body(req, config);
    if (!body) {
      auto refusal = body.error();
      co_await out.send(refusal);
      co_return;
    }
    http::ClientRequest forward{"POST", current_endpoints().token_endpoint, {}, std::move(*body)};
    forward.headers.add("Content-Type", "application/x-www-form-urlencoded");
    if (auto auth_header = req.header("Authorization")) forward.headers.add("Authorization", std::string(*auth_header));
    auto answer = co_await upstream.fetch(std::move(forward), config.obo_timeout);
    if (!answer) {
      spdlog::warn("token bridge: {}", answer.error().message);
      auto refusal = json_error(502, "idp_unavailable", "the identity provider could not be reached; retry shortly");
      co_await out.send(refusal);
      co_return;
    }
    http::Response r;
    r.status = answer->status;
    r.body = std::move(answer->body);
    r.headers.set("Content-Type", std::string(answer->headers.get("Content-Type").value_or("application/json")));
    allow_cors(r);
    co_await out.send(r);
  }

  // ---- the proxied request, step by step ----------------------------------------------------
  // Each step returns what the next needs, or the refusal to answer (metrics and audit are
  // written once, by proxy()). None touches a socket except through `upstream` and `out`.

  struct Refusal {
    http::Response response;
    std::string reason;  // the metrics label and the audit outcome
  };
  template <class T>
  using Step = boost::system::result<T, Refusal>;
  struct Authenticated {
    Verified claims;
    std::string_view token;  // into the request's headers, which outlive the request
  };

  // What the audit cannot read is not forwarded: it would reach the MCP server unrecorded.
  static std::optional<Refusal> unreadable_body(const mcp::McpCall& call, const http::Request& req) {
    if (req.method != "POST" || req.body.empty() || call.json) return std::nullopt;
    return Refusal{rpc_error(400, -32700, "Parse error: the body is not JSON in valid UTF-8"), "unparsable_body"};
  }

  // MCP 2026-07-28: Mcp-Method and Mcp-Name say what the body is, so that intermediaries can
  // route and authorise without parsing it. A header that says one thing while the body does
  // another is refused (HTTP 400, -32020 HeaderMismatch): the server would act on the body,
  // everything that trusted the header on something else.
  static std::optional<Refusal> header_mismatch(const mcp::McpCall& call, const http::Request& req) {
    if (!call.json || call.calls == 0) return std::nullopt;
    auto method = req.header("Mcp-Method");
    auto name = req.header("Mcp-Name");
    if (!method && !name) return std::nullopt;
    std::string problem;
    if (req.headers.count("Mcp-Method") > 1 || req.headers.count("Mcp-Name") > 1)
      problem = "Mcp-Method and Mcp-Name may each be sent once";
    else if (call.calls != 1)
      problem = "Mcp-Method and Mcp-Name describe one message, and the body is a batch";
    else if (method && *method != call.method)
      problem = "the Mcp-Method header says " + std::string(*method) + " but the body's method is " + call.method;
    else if (name && *name != call.name)
      problem = "the Mcp-Name header says " + std::string(*name) + " but the body names " +
                (call.name.empty() ? std::string("nothing") : call.name);
    if (problem.empty()) return std::nullopt;
    return Refusal{rpc_error(400, -32020, "HeaderMismatch: " + problem), "header_mismatch"};
  }

  Task<std::optional<Refusal>> ensure_keys() {
    if (keys.loaded()) co_return std::nullopt;
    co_await refresh_keys();
    if (keys.loaded()) co_return std::nullopt;
    co_return Refusal{json_error(503, "keys_unavailable",
                                 "the gateway could not yet fetch the signing keys of tenant " + config.tenant_id +
                                     " from the identity provider; retry shortly (the gateway's log says why)"),
                      "keys_unavailable"};
  }

  // A refused token, counted: the challenge names the route's metadata.
  Refusal token_refusal(const http::Request& req, size_t route_index, const auth::VerifyError& error) {
    std::string reason(auth::reason_code(error.failure));
    metrics.validation_failure(reason);
    return Refusal{auth::token_refused(error, challenge_context(config.routes[route_index], req.path)), reason};
  }

  // The caller's token, judged without I/O as nearly every request can be: in the header only,
  // well-formed, verified for the route. nullopt only when it names a key not loaded yet (a
  // rotation), which needs authenticate_after_fetch().
  std::optional<Step<Authenticated>> authenticate_now(const http::Request& req, size_t route_index) {
    auto misplaced = token_outside_header(req, true);
    if (misplaced) return Refusal{std::move(*misplaced), "token_outside_header"};
    auto bearer = auth::extract_bearer(req.headers);
    if (!bearer) return token_refusal(req, route_index, bearer_error(bearer.error()));
    std::string_view token = *bearer;
    auto verified = verify_now(route_index, token);
    if (verified) return Authenticated{std::move(*verified), token};
    if (verified.error().failure == auth::TokenFailure::unknown_key) return std::nullopt;
    return token_refusal(req, route_index, verified.error());
  }

  // The rest of authenticate_now() for a token whose key is unknown: one refetch of the keys.
  Task<Step<Authenticated>> authenticate_after_fetch(const http::Request* req, size_t route_index) {
    std::string_view token = *auth::extract_bearer(req->headers);  // authenticate_now() read it
    auto verified = co_await verify(route_index, token);
    if (!verified) co_return token_refusal(*req, route_index, verified.error());
    co_return Authenticated{std::move(*verified), token};
  }

  static exchange::TokenCache::Key exchange_key(const auth::VerifiedToken& claims, const RouteConfig& route) {
    return {claims.tid, claims.oid, route.obo_scope};
  }

  // The cached On-Behalf-Of token, without suspending; nullopt on a miss.
  std::shared_ptr<const std::string> cached_obo(const auth::VerifiedToken& claims, const RouteConfig& route) {
    auto cached = tokens.find_local({claims.tid, claims.oid, route.obo_scope});
    if (cached) ++metrics.obo_cache_hits;
    return cached;
  }

  // The On-Behalf-Of token for this user and route (cached, single-flight).
  Task<Step<std::string>> on_behalf_of(const auth::VerifiedToken* claims, std::string_view token,
                                       const RouteConfig* route, const std::string* path, bool* from_cache) {
    auto obo = co_await exchanged_token(exchange_key(*claims, *route), token, from_cache);
    if (obo) co_return std::move(*obo);
    const auto& f = obo.error();
    co_return Refusal{exchange_refused(f, challenge_context(*route, *path)),
                      "obo_" + (f.aadsts ? "AADSTS" + std::to_string(f.aadsts) : f.error)};
  }

  // What goes upstream: the rewritten, normalised path, the query, the caller's headers less its
  // credentials, and the exchanged token. The body is copied only while the request may have to
  // be sent again (a cached token the server may refuse: see refused_cached_token), else moved.
  static http::ClientRequest upstream_request(http::Request& req, const RouteMatch& match, const std::string& base,
                                              const std::string& obo, bool may_send_again) {
    const RouteConfig& route = *match.route;
    return {req.method, base + rewrite_path(route, match.suffix) + (req.query.empty() ? "" : "?" + req.query),
            upstream_request_headers(req, obo), may_send_again ? req.body : std::move(req.body)};
  }

  // Which of the route's MCP servers takes the request: the one holding its session, else the
  // next available. A session ID this gateway did not seal is unknown: 404, as MCP says, so the
  // client starts a new session.
  boost::system::result<size_t, Refusal> choose_upstream(http::Request& req, UpstreamSet& set) {
    if (set.size() == 1) return size_t(0);
    auto session = req.header("Mcp-Session-Id");
    if (!session) return set.pick(clock.now());
    auto bound = set.open_session(*session);
    if (!bound)
      return Refusal{rpc_error(404, -32001, "Session not found: start a new session (initialize again)"),
                     "session_unknown"};
    req.headers.set("Mcp-Session-Id", bound->session);
    return bound->upstream;
  }

  // The MCP server refused a token that came from the cache as invalid: the token was good when
  // exchanged but is no longer (keys rotated, consent revoked, the user re-provisioned). Keeping
  // it would lock the user out until it expires, since signing in again reaches the same cache
  // entry; it is forgotten so the request can be exchanged and sent once more.
  bool refused_cached_token(const http::UpstreamResponse& response, const auth::VerifiedToken& claims,
                            const RouteConfig& route, const std::string& obo) {
    if (response.status != 401) return false;
    auto challenge = response.headers.get("WWW-Authenticate");
    if (!challenge || auth::bearer_error_code(*challenge) != "invalid_token") return false;
    // A server that refuses every token (a wrong audience, say) must not turn each request into
    // an exchange with the identity provider, which throttles per application: one retry per
    // user per kEvictionInterval.
    auto key = exchange_key(claims, route);
    auto now = clock.now();
    {
      std::lock_guard guard(state_mutex);
      auto& last = recent_evictions[exchange::TokenCache::flatten(key)];
      if (last != SysTime{} && now - last < kEvictionInterval) return false;
      last = now;
      if (recent_evictions.size() > 100'000)
        std::erase_if(recent_evictions, [&](const auto& item) { return now - item.second >= kEvictionInterval; });
    }
    if (tokens.evict(key, obo)) ++metrics.obo_cache_evictions;
    spdlog::info(
        "route {}: the MCP server refused the cached On-Behalf-Of token of user {} as invalid; "
        "exchanging again",
        route.prefix, claims.oid);
    return true;
  }

  // `chosen`: the upstream the request went to; a connection that could not be made moves a
  // request bound to no session to another one, once (nothing was sent, so nothing repeats).
  Task<Step<std::unique_ptr<http::UpstreamResponse>>> open_upstream(http::ClientRequest request,
                                                                    const RouteConfig* route, UpstreamSet* set,
                                                                    size_t* chosen, bool bound) {
    http::Deadlines deadlines{route->response_timeout, route->stream_idle_timeout};
    const bool may_move = set->size() > 1 && !bound;
    auto spare = may_move ? std::optional<http::ClientRequest>(request) : std::nullopt;
    auto opened = co_await upstream.open(std::move(request), deadlines);
    if (!opened && opened.error().not_sent && set->size() > 1) {
      set->connect_failed(*chosen, clock.now());
      spdlog::warn("route {}: {}", route->prefix, opened.error().message);
      if (may_move) {
        auto from = *chosen;
        *chosen = set->pick(clock.now(), from);
        auto prefix = set->url(from);
        spare->url = set->url(*chosen) + spare->url.substr(prefix.size());
        auto again = co_await upstream.open(std::move(*spare), deadlines);
        opened = std::move(again);
        if (!opened && opened.error().not_sent) set->connect_failed(*chosen, clock.now());
      }
    }
    if (opened) {
      if (set->size() > 1) set->answered(*chosen);
      co_return std::move(*opened);
    }
    if (bound && opened.error().not_sent)
      co_return Refusal{
          rpc_error(404, -32001, "Session not found: the MCP server holding it is unavailable; start a new session"),
          "session_upstream_down"};
    bool timeout = opened.error().timed_out;
    // The internal address and the query stay in the log, not in the client's answer.
    spdlog::warn("route {}: {}", route->prefix, opened.error().message);
    co_return Refusal{
        json_error(timeout ? 504 : 502, timeout ? "upstream_timeout" : "upstream_unavailable",
                   timeout ? "the MCP server behind " + route->prefix + " did not answer in time; retry shortly"
                           : "the MCP server behind " + route->prefix + " could not be reached; retry shortly"),
        timeout ? "upstream_timeout" : "upstream_unavailable"};
  }

  // Relays the upstream's answer as it arrives; returns the outcome for the audit line. A stream
  // ends with whichever comes first: its end, or the client hanging up (which must cancel the
  // upstream request rather than leave it streaming into the void).
  static constexpr size_t kMaxRefusalBytes = 64 * 1024;
  static constexpr size_t kMaxToolListBytes = 4 * 1024 * 1024;

  // The whole body of a response; nullopt if the upstream broke off or sent more than `limit`.
  static Task<std::optional<std::string>> read_whole(http::UpstreamResponse* response, size_t limit) {
    std::string body;
    while (!response->done()) {
      auto piece = co_await response->read_some();
      if (!piece || body.size() + piece->size() > limit) co_return std::nullopt;
      body += *piece;
    }
    co_return body;
  }

  // The MCP server verified the token but finds no provisioned user for it (Context7's 401 with
  // reason user_not_provisioned). Passed on as 401, it makes clients sign in again, forever:
  // signing in cannot help.
  static bool not_provisioned(std::string_view body) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (ec || !doc.is_object()) return false;
    const auto* error = doc.as_object().if_contains("error");
    const auto* data = error && error->is_object() ? error->as_object().if_contains("data") : nullptr;
    const auto* reason = data && data->is_object() ? data->as_object().if_contains("reason") : nullptr;
    return reason && reason->is_string() && reason->as_string() == "user_not_provisioned";
  }

  // 403 without a challenge, so clients show the message instead of starting a new sign-in.
  static http::Response not_provisioned_answer(const auth::VerifiedToken& claims) {
    std::string who = claims.preferred_username.empty() ? "this account" : claims.preferred_username;
    std::string message = "You are signed in as " + who + " (object ID " + claims.oid + ", tenant " + claims.tid +
                          "), but the MCP server's teamspace has not provisioned you. Ask a teamspace owner or admin "
                          "to add this object ID under Microsoft Entra ID users (the guide's Part 4 Step 2); signing "
                          "in again will not help.";
    auto r = rpc_error(403, -32001, std::move(message), json::object{{"reason", "user_not_provisioned"}});
    r.headers.set("Cache-Control", "no-store");
    return r;
  }

  // `filter`: on a route with tool rules, the tool lists a stream replays are filtered too.
  Task<std::string> relay(http::UpstreamResponse* response, http::ResponseWriter* out, http::Headers headers,
                          size_t* response_bytes, ToolListStreamFilter* filter = nullptr) {
    bool streaming = !response->content_length;
    bool head_sent = co_await out->start(response->status, headers, response->content_length);
    if (!head_sent) co_return "client_gone";
    std::string outcome = "forwarded";
    bool at_event_boundary = true;  // nothing of an event has been relayed without its end
    auto pieces = [&]() -> Task<void> {
      while (!response->done()) {
        auto piece = co_await response->read_some();
        if (!piece) {
          outcome = "upstream_broke_off";
          co_return;
        }
        *response_bytes += piece->size();
        if (filter) {
          auto passed = filter->feed(*piece);
          if (!passed) {
            outcome = "tool_list_unreadable";
            co_return;
          }
          *piece = std::move(*passed);
          if (piece->empty()) continue;
        }
        if (!piece->empty()) at_event_boundary = piece->ends_with("\n\n") || piece->ends_with("\r\n\r\n");
        bool written = co_await out->write(*piece);
        if (!written) {
          outcome = "client_gone";
          co_return;
        }
      }
      bool finished = co_await out->finish();
      if (!finished) outcome = "client_gone";
    };
    if (streaming) {
      auto first = co_await (pieces() || out->client_gone());
      if (first.index() == 1 && out->shutting_down()) {
        auto ended = co_await end_stream_for_shutdown(response, out, at_event_boundary);
        outcome = std::move(ended);
      } else if (first.index() == 1) {
        outcome = "client_gone";
      }
    } else {
      // A sized answer ends by itself; watching the client would only cost a read per request.
      co_await pieces();
    }
    co_return outcome;
  }

  // The gateway is stopping and its grace is over. An event stream that stands between events
  // ends cleanly: a last comment and a reconnection delay (SSE `retry`), which clients of every
  // MCP revision ignore or honour, then the body's proper end.
  static Task<std::string> end_stream_for_shutdown(const http::UpstreamResponse* response, http::ResponseWriter* out,
                                                   bool at_event_boundary) {
    auto type = response->headers.get("Content-Type").value_or("");
    bool event_stream = type.size() >= 17 && iequals(type.substr(0, 17), "text/event-stream");
    // Any other body ended early would look complete to its reader: it is left cut instead.
    if (!event_stream || !at_event_boundary) co_return "cut_by_shutdown";
    bool written = co_await out->write(": the gateway is restarting; reconnect\nretry: 1000\n\n");
    if (!written) co_return "cut_by_shutdown";
    bool finished = co_await out->finish();
    co_return finished ? "ended_by_shutdown" : "cut_by_shutdown";
  }

  // References: the connection's request and writer, which outlive the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  Task<void> proxy(http::Request& req, http::ResponseWriter& out, RouteMatch match) {
    auto started = std::chrono::steady_clock::now();
    const RouteConfig& route = *match.route;
    size_t route_index = size_t(&route - config.routes.data());
    // With the audit log off, nothing reads the record: the body is not parsed for it.
    const bool auditing = audit.enabled();
    AuditRecord audit_record;
    std::optional<Refusal> refusal;
    // The body is read for the audit line and for per-tool authorization; otherwise not at all.
    const bool policed = !route.tool_policy.empty();
    bool lists_tools = false;
    if (auditing) {
      audit_record.time = clock.now();
      audit_record.route = route.prefix;
      audit_record.http_method = req.method;
      audit_record.request_bytes = req.body.size();
    }
    if ((auditing || policed) && req.method == "POST" && !req.body.empty()) {
      auto call = mcp::peek_mcp_call(req.body);
      refusal = unreadable_body(call, req);
      if (!refusal) refusal = header_mismatch(call, req);
      auto first = req.body.find_first_not_of(" \t\r\n");
      const bool batch = first != std::string::npos && req.body[first] == '[';
      const bool lists = ("," + call.method + ",").find(",tools/list,") != std::string::npos;
      lists_tools = policed && lists && !batch;
      // A list in a batch would come back inside an array the filter does not take apart.
      if (!refusal && policed && lists && batch)
        refusal = Refusal{
            rpc_error(400, -32600, "Invalid Request: tools/list is answered on its own, not in a batch, on this route"),
            "batched_tools_list"};
      if (auditing) {
        audit_record.rpc_method = std::move(call.method);
        audit_record.tool = std::move(call.tool);
      }
    }
    bool finished = false;
    int upstream_status = 0;
    auto finish = [&](int status, std::string outcome) {
      finished = true;
      metrics.request(route_slots[route_index], status);
      if (!auditing) return;
      audit_record.status = status;
      audit_record.outcome = std::move(outcome);
      audit_record.latency_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      audit.write(audit_record);
    };

    // A request still running when a stopping gateway cuts everything has its coroutine
    // destroyed, not resumed: it is counted and audited then, with what was known of it.
    OnScopeExit audit_if_cut{[&]() noexcept {
      try {
        if (!finished) finish(upstream_status, "cut_by_shutdown");
      } catch (const std::exception&) {
        // Only an allocation or a full disk can fail here; a destructor must not throw.
      }
    }};

    // (Each step's result is named before it is tested: GCC 12 and co_await in conditions.)
    // Cache hits complete without suspending: a coroutine is entered only when I/O is needed.
    if (!refusal && !keys.loaded()) refusal = co_await ensure_keys();
    std::optional<Authenticated> who;
    if (!refusal) {
      auto authenticated = authenticate_now(req, route_index);
      if (!authenticated) {
        auto fetched = co_await authenticate_after_fetch(&req, route_index);
        authenticated = std::move(fetched);
      }
      if (*authenticated)
        who = std::move(**authenticated);
      else
        refusal = std::move(*authenticated).error();
    }
    // A denied tool is refused before anything is exchanged or forwarded.
    if (!refusal && policed && req.method == "POST")
      if (auto denied = refuse_denied_calls(req.body, route.tool_policy, *who->claims))
        refusal = Refusal{std::move(*denied), "tool_denied"};
    // Per user, before anything is exchanged or forwarded.
    std::optional<http::RateDecision> rate;
    const auto& limiter = rate_limiters[route_index];
    std::string caller;  // the user, as limits and quotas count them
    if (!refusal && (limiter.shared || limiter.local || limiter.shared_quota || limiter.local_quota))
      caller = who->claims->tid + "/" + who->claims->oid;
    if (!refusal && limiter.shared) {
      auto decision = co_await limiter.shared->take(caller);
      rate = decision;
    } else if (!refusal && limiter.local) {
      rate = limiter.local->take(caller);
    }
    if (rate) {
      if (!rate->allowed) {
        auto limited = json_error(429, "rate_limit_exceeded",
                                  "you sent more than " + std::to_string(rate->limit) + " requests in " +
                                      std::to_string(route.rate_limit_window.count()) + " s through " + route.prefix +
                                      "; retry in " + std::to_string(rate->retry_after_seconds) + " s");
        rate->apply(limited.headers);
        refusal = Refusal{std::move(limited), "rate_limited"};
      }
    }
    // The quota after the rate limit: a request the limit refuses does not use up the day.
    std::optional<http::QuotaDecision> quota;
    if (!refusal && limiter.shared_quota) {
      auto decision = co_await limiter.shared_quota->take(caller);
      quota = decision;
    } else if (!refusal && limiter.local_quota) {
      quota = limiter.local_quota->take(caller);
    }
    if (quota && !quota->allowed) {
      auto exceeded =
          json_error(429, "quota_exceeded",
                     "you used all " + std::to_string(quota->limit) + " requests of your quota per " +
                         format_duration(route.quota_window) + " through " + route.prefix + "; it starts over in " +
                         std::to_string(quota->reset_seconds) + " s (ask an administrator if you need more)");
      exceeded.headers.set("Retry-After", std::to_string(quota->reset_seconds));
      refusal = Refusal{std::move(exceeded), "quota_exceeded"};
    }
    UpstreamSet& upstreams = *upstream_sets[route_index];
    const bool bound = upstreams.size() > 1 && req.header("Mcp-Session-Id").has_value();
    size_t chosen = 0;
    if (!refusal) {
      auto choice = choose_upstream(req, upstreams);
      if (choice)
        chosen = *choice;
      else
        refusal = std::move(choice).error();
    }
    std::shared_ptr<const std::string> obo;
    bool obo_from_cache = false;
    std::unique_ptr<http::UpstreamResponse> response;
    // Twice at most: the second time only after the server refused a cached token.
    for (int attempt = 0; attempt < 2 && !refusal; ++attempt) {
      const auth::VerifiedToken& claims = *who->claims;
      if (auditing) {
        audit_record.tid = claims.tid;
        audit_record.oid = claims.oid;
        audit_record.preferred_username = claims.preferred_username;
      }
      // Only the first attempt may take the cached token; a retry exchanges anew.
      auto cached = attempt == 0 ? cached_obo(claims, route) : nullptr;
      if (cached) {
        obo = std::move(cached);
        obo_from_cache = true;
      } else {
        auto exchanged = co_await on_behalf_of(&claims, who->token, &route, &req.path, &obo_from_cache);
        if (!exchanged) {
          refusal = std::move(exchanged).error();
          break;
        }
        obo = std::make_shared<const std::string>(std::move(*exchanged));
      }
      auto request = upstream_request(req, match, upstreams.url(chosen), *obo, attempt == 0 && obo_from_cache);
      auto opened = co_await open_upstream(std::move(request), &route, &upstreams, &chosen, bound);
      if (!opened) {
        refusal = std::move(opened).error();
        break;
      }
      response = std::move(*opened);
      if (attempt > 0 || !obo_from_cache || !refused_cached_token(*response, claims, route, *obo)) break;
      response.reset();  // its connection closes unread; the answer was a short refusal
    }
    if (refusal) {
      finish(refusal->response.status, refusal->reason);
      co_await out.send(refusal->response);
      co_return;
    }

    upstream_status = response->status;
    auto headers = downstream_response_headers(response->headers);
    if (rate) rate->apply(headers);
    if (upstreams.size() > 1)
      if (auto session = headers.get("Mcp-Session-Id"))
        headers.set("Mcp-Session-Id", upstreams.seal_session(chosen, *session));
    // The challenge's URL is built only for a refusal: most answers are 200s that only lose a stray one.
    if (response->status == 401 || response->status == 403)
      claim_bearer_challenge(headers, response->status, challenge_context(route, req.path).resource_metadata_url);
    else
      headers.remove("WWW-Authenticate");
    if (response->status == 401 && response->content_length && *response->content_length <= kMaxRefusalBytes) {
      // A refusal is short and whole: read it, since one kind must not reach the client as it is.
      auto body = co_await read_whole(response.get(), kMaxRefusalBytes);
      http::Response answer;
      if (body && not_provisioned(*body)) {
        answer = not_provisioned_answer(*who->claims);
        finish(403, "user_not_provisioned");
      } else {
        answer.status = 401;
        answer.headers = std::move(headers);
        answer.body = body ? std::move(*body) : std::string();
        finish(401, body ? "forwarded" : "upstream_broke_off");
      }
      response.reset();
      co_await out.send(answer);
      co_return;
    }
    // Only routes with tool rules look at the type: a stream the gateway did not see asked for
    // (GET, a resumption) may replay a tool list.
    bool event_stream = false;
    if (policed) {
      std::string_view type = headers.get("Content-Type").value_or("");
      event_stream = iequals(trim(type.substr(0, type.find(';'))), "text/event-stream");
    }
    bool replay = policed && event_stream && !lists_tools;
    if (response->status == 200 && (lists_tools || (replay && response->content_length))) {
      // The list is answered whole, without the tools this caller may not call.
      auto body = co_await read_whole(response.get(), kMaxToolListBytes);
      auto filtered = body ? filter_tools_list(*body, event_stream, route.tool_policy, *who->claims) : std::nullopt;
      response.reset();
      if (!filtered) {
        finish(502, "tool_list_unreadable");
        auto refused = json_error(502, "upstream_unreadable",
                                  "the MCP server's tool list could not be read whole, so it is not passed on; the "
                                  "gateway's log and the server say more");
        co_await out.send(refused);
        co_return;
      }
      http::Response answer;
      answer.headers = std::move(headers);
      answer.body = std::move(*filtered);
      finish(200, "forwarded_filtered");
      co_await out.send(answer);
      co_return;
    }
    bool streaming = !response->content_length;
    if (streaming) ++metrics.open_streams;
    size_t response_bytes = 0;
    std::optional<ToolListStreamFilter> filter;
    if (replay && streaming) filter.emplace(route.tool_policy, *who->claims);
    auto outcome =
        co_await relay(response.get(), &out, std::move(headers), &response_bytes, filter ? &*filter : nullptr);
    if (streaming) --metrics.open_streams;
    audit_record.response_bytes = response_bytes;
    int status = response->status;
    response.reset();  // an unfinished upstream response closes its connection here
    finish(status, std::move(outcome));
  }
};

GatewayService::GatewayService(GatewayConfig config, const Clock& clock, http::Upstream& upstream,
                               http::Upstream* outside, Shared shared)
    : impl_(std::make_unique<Impl>(std::move(config), clock, upstream, outside ? *outside : upstream, shared)) {}

GatewayService::~GatewayService() = default;

const GatewayConfig& GatewayService::config() const { return impl_->config; }

Task<void> GatewayService::handle(http::Request& request, http::ResponseWriter& out) {
  return impl_->handle(request, out);
}

std::optional<http::Response> GatewayService::admit(const http::Request& head) { return impl_->admit(head); }

void GatewayService::begin_drain() { impl_->draining = true; }

Task<void> GatewayService::refresh_keys_forever() { return impl_->key_refresh_loop(); }

Task<void> GatewayService::check_upstreams_forever() { return impl_->check_upstreams_loop(); }

http::Response GatewayService::error_response(int status, std::string_view message) {
  return json_error(status,
                    status == 413   ? "request_too_large"
                    : status == 431 ? "headers_too_large"
                    : status == 408 ? "request_timeout"
                                    : "bad_request",
                    std::string(message));
}

}  // namespace mcpgate::proxy
