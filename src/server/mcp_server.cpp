#include "server/mcp_server.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "admin/admin_api.hpp"
#include "auth/bearer.hpp"
#include "auth/challenge.hpp"
#include "common/files.hpp"
#include "docs/shared_index.hpp"
#include "exchange/redis_token_cache.hpp"
#include "http/async.hpp"
#include "mcp/dispatcher.hpp"
#include "mcp/peek.hpp"
#include "mcp/session.hpp"
#include "mcp/transport.hpp"
#include "server/credentials.hpp"
#include "server/docs_api.hpp"
#include "server/docs_tools.hpp"
#include "server/entra_authenticator.hpp"
#include "server/library_admin.hpp"
#include "server/store_location.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

namespace mcpgate::server {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kInstructions =
    "Use this server to retrieve up-to-date documentation and code examples for any library, framework, SDK, API or "
    "CLI tool, in preference to web search. Do not use it for refactoring, business logic or code review.";

// Context7's answer shape for refused credentials: a JSON-RPC error with id null.
http::Response jsonrpc_refusal(int status, const std::string& message, const std::string& reason) {
  json::object error{{"code", -32001}, {"message", message}};
  if (!reason.empty()) error["data"] = json::object{{"reason", reason}};
  return http::Response::json(status, json::object{{"jsonrpc", "2.0"}, {"error", error}, {"id", nullptr}});
}

std::string arguments_summary(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  auto* params = v.as_object().if_contains("params");
  if (!params || !params->is_object()) return "";
  auto* args = params->as_object().if_contains("arguments");
  return args ? json::serialize(*args) : "";
}

}  // namespace

struct McpServer::Impl {
  ServerConfig config;
  const Clock& clock;
  std::unique_ptr<store::Store> store;
  mcp::ToolRegistry tools;
  std::unique_ptr<mcp::McpDispatcher> dispatcher;
  mcp::SessionStore sessions;
  TenantKeys tenant_keys;
  EntraAuthenticator authenticator;
  mcp::TransportOptions transport;
  asio::thread_pool workers;
  admin::AdminApi admin_api;
  docs::DocIndex doc_index;
  docs::DocsService docs_service;
  http::RateLimiter rate_limiter;
  DocsApi docs_api;
  std::unique_ptr<dashboard::Dashboard> dashboard;
  std::unique_ptr<http::Server> server;
  // Servers on PostgreSQL share their documentation index: this one applies the shared log.
  std::unique_ptr<docs::SharedIndex> shared_docs;
  std::atomic<bool> stop_sync{false};
  std::thread sync_thread;
  // Operations state: a stop in progress, and whether tool calls are still being recorded.
  std::atomic<bool> draining{false};
  std::atomic<long> usage_written{0};
  std::atomic<long> usage_lost{0};
  std::atomic<bool> usage_failing{false};  // the last record could not be written

  Impl(ServerConfig c, const Clock& clk)
      : config(std::move(c)),
        clock(clk),
        store(open_server_store(config, clock)),
        tenant_keys(config.authority, config.ca_file,
                    {config.jwks_refresh_interval, config.unknown_kid_refetch_interval}, clock),
        authenticator(*store, tenant_keys, config.clock_skew, clock),
        workers(size_t(config.worker_threads)),
        admin_api(*store, {config.admin_token, config.authority, config.ca_file}, clock),
        doc_index(config.docs_index, clock),
        docs_service(doc_index),
        rate_limiter(config.rate_limit_requests, config.rate_limit_window, clock),
        docs_api(docs_service, *store, rate_limiter,
                 DocsApiOptions{config.public_search, config.default_tokens, 10000, config.max_tokens}) {
    transport.stateless = config.stateless;
    transport.allowed_origins = config.allowed_origins;
    if (config.redis)
      admin_api.service().on_user_removed([redis = *config.redis](const std::string& tid, const std::string& oid) {
        // Until this reaches the gateways, this server refuses the user's cached tokens anyway
        // (the user is no longer provisioned); it only saves them a refused round trip each.
        if (auto problem = exchange::forget_user_now(redis.settings, redis.prefix, tid, oid))
          spdlog::warn("user {} was removed, but the gateways could not be told to drop their cached tokens: {}", oid,
                       *problem);
        else
          spdlog::info("user {} was removed; the gateways dropped their cached tokens", oid);
      });
    if (config.postgres) start_shared_docs();
    add_library_routes(
        admin_api, doc_index, [this](std::function<void()> job) { asio::post(workers, std::move(job)); },
        shared_docs.get());
    if (config.dashboard)
      dashboard = std::make_unique<dashboard::Dashboard>(
          *config.dashboard, *store, [this](const std::string& token) { return check_id_token(token); }, clock);
    warn_of_outdated_documentation();
  }

  // The dashboard's sign-in: an ID token of its own tenant, for its own client ID.
  boost::system::result<auth::VerifiedToken, std::string> check_id_token(const std::string& token) {
    const auto& options = *config.dashboard;
    auto tenant = tenant_keys.get(options.tenant_id);
    using Checked = boost::system::result<auth::VerifiedToken, std::string>;
    if (!tenant) return Checked(boost::system::in_place_error, tenant.error().detail);
    auth::VerificationPolicy policy;
    policy.issuer = tenant->issuer;
    policy.tenant_id = options.tenant_id;
    policy.audiences = {options.client_id};
    policy.required_tenant = options.tenant_id;
    policy.clock_skew = config.clock_skew;
    auto verified = auth::verify_token(token, policy, *tenant->keys, clock.now());
    if (!verified && verified.error().failure == auth::TokenFailure::unknown_key) {
      auto refreshed = tenant_keys.get(options.tenant_id, true);
      if (refreshed) verified = auth::verify_token(token, policy, *refreshed->keys, clock.now());
    }
    if (!verified)
      return Checked(boost::system::in_place_error, "the ID token was refused: " + verified.error().detail);
    return *verified;
  }

  http::Response serve_admin(const http::Request& req) {
    if (dashboard)
      if (auto session = dashboard->session_caller(req))
        return *session ? admin_api.handle(req, **session) : session->error();
    return admin_api.handle(req);
  }

  // Catches up before serving (a server started later answers with what the others serve),
  // then follows the log in the background.
  void start_shared_docs() {
    shared_docs =
        std::make_unique<docs::SharedIndex>(doc_index, *config.postgres, config.data_dir / "docs-shared.position");
    try {
      int applied = shared_docs->apply_pending();
      if (applied > 0) spdlog::info("docs: caught up with the shared index: {} event(s) applied", applied);
    } catch (const std::exception& e) {
      spdlog::warn("docs: cannot read the shared index yet ({}); serving the local copy meanwhile", e.what());
    }
    sync_thread = std::thread([this] { shared_docs->run(stop_sync); });
  }

  void stop_shared_docs() {
    stop_sync = true;
    if (sync_thread.joinable()) sync_thread.join();
  }

  void warn_of_outdated_documentation() const {
    std::string outdated;
    for (auto& library : doc_index.libraries())
      for (auto& version : library.versions)
        if (version.state == "finalized" && version.outdated())
          outdated += (outdated.empty() ? "" : ", ") + library.info.id + (version.tag.empty() ? "" : "/" + version.tag);
    if (!outdated.empty())
      spdlog::warn(
          "documentation indexed by an older mcpgate is served as it was cut then ({}); re-index it with: "
          "mcpgate index --data-dir {} refresh",
          outdated, config.data_dir.string());
  }

  std::string resource_metadata_url() const { return config.public_url + "/.well-known/oauth-protected-resource"; }

  void install_diagnostics() {
    mcp::Tool whoami;
    whoami.name = "whoami";
    whoami.title = "Who am I";
    whoami.description = "Reports the teamspace and user this server resolved the caller to.";
    whoami.input_schema = json::object{{"type", "object"}, {"properties", json::object{}}};
    whoami.annotations = json::object{{"readOnlyHint", true}};
    whoami.handler = [](const json::object&, const mcp::CallContext& c) {
      std::string groups;
      for (auto& g : c.groups) groups += (groups.empty() ? "" : ", ") + g;
      return mcp::ToolResult::text("teamspace " + std::to_string(c.teamspace_id) + "; user " + c.user + "; tenant " +
                                   c.tenant_id + "; oid " + c.oid + "; groups [" + groups + "]");
    };
    tools.add(std::move(whoami));
  }

  // A challenge only where a credential is refused (RFC 6750): on other answers it would name
  // this server's address to whoever forwards them.
  http::Response with_cors(http::Response r) {
    r.headers.set("Access-Control-Allow-Origin", "*");
    r.headers.set("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate");
    if (r.status == 401 && !r.headers.get("WWW-Authenticate"))
      r.headers.set("WWW-Authenticate", "Bearer resource_metadata=\"" + resource_metadata_url() + "\"");
    return r;
  }

  // Runs on a worker thread: everything here may block.
  http::Response handle(const http::Request& req) {
    const auto& path = req.path;
    if (req.method == "OPTIONS") {
      http::Response r;
      r.headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      r.headers.set("Access-Control-Allow-Headers",
                    "Content-Type, MCP-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, X-Context7-API-Key, "
                    "Context7-API-Key, X-API-Key, Authorization");
      return with_cors(std::move(r));
    }
    if (path == "/ping")
      return with_cors(http::Response::json(200, json::object{{"status", "ok"}, {"message", "pong"}}));
    if (path == "/healthz") return http::Response::json(200, json::object{{"status", "ok"}});
    if (path == "/readyz") return readiness();
    if (path == "/metrics") return http::Response::text(200, metrics_text(), "text/plain; version=0.0.4");
    if (req.method == "GET" && path.rfind("/.well-known/oauth-protected-resource", 0) == 0) {
      json::array servers, scopes;
      for (auto& s : config.authorization_servers) servers.emplace_back(s);
      for (auto& s : config.scopes_supported) scopes.emplace_back(s);
      return with_cors(http::Response::json(200, json::object{{"resource", config.public_url + "/mcp/oauth"},
                                                              {"authorization_servers", servers},
                                                              {"scopes_supported", scopes},
                                                              {"bearer_methods_supported", json::array{"header"}}}));
    }
    if (path.rfind("/admin/", 0) == 0) return serve_admin(req);
    if (dashboard::Dashboard::serves(path)) {
      if (dashboard) return dashboard->handle(req);
      return http::Response::json(
          404, json::object{{"error", "not_found"},
                            {"message",
                             "the dashboard is off: add a dashboard section (tenant_id, client_id, owners) to the "
                             "server's configuration"}});
    }
    if (path.rfind("/api/", 0) == 0) return with_cors(serve_api(req));
    if (path != "/mcp" && path != "/mcp/oauth")
      return with_cors(http::Response::json(
          404,
          json::object{{"error", "not_found"}, {"message", "this server serves /mcp, /mcp/oauth, /api/… and /ping"}}));

    auto principal = path == "/mcp" ? by_api_key(req) : by_entra_token(req);
    if (!principal) return with_cors(principal.error());
    return with_cors(serve_mcp(req, *principal));
  }

  // Unready while stopping, so a load balancer sends no more. A store that cannot record tool
  // calls (a full disk) leaves the server serving, since answers do not need the write, but
  // degraded: the operator must know that calls go unrecorded.
  http::Response readiness() const {
    if (draining.load()) return http::Response::json(503, json::object{{"status", "draining"}});
    if (usage_failing.load())
      return http::Response::json(
          200, json::object{{"status", "degraded"},
                            {"usage_records", "failing"},
                            {"message",
                             "tool calls are answered but not recorded: the store cannot write (see the server "
                             "log; a full disk is the usual cause)"}});
    return http::Response::json(200, json::object{{"status", "ready"}, {"usage_records", "ok"}});
  }

  std::string metrics_text() const {
    return fmt::format(
        "# HELP mcpgate_server_usage_records_total Tool-call usage records, by whether the store wrote them.\n"
        "# TYPE mcpgate_server_usage_records_total counter\n"
        "mcpgate_server_usage_records_total{{result=\"written\"}} {}\n"
        "mcpgate_server_usage_records_total{{result=\"lost\"}} {}\n"
        "# HELP mcpgate_server_usage_records_failing 1 while the last usage record could not be written.\n"
        "# TYPE mcpgate_server_usage_records_failing gauge\n"
        "mcpgate_server_usage_records_failing {}\n"
        "# HELP mcpgate_server_draining 1 while the server is stopping.\n"
        "# TYPE mcpgate_server_draining gauge\n"
        "mcpgate_server_draining {}\n",
        usage_written.load(), usage_lost.load(), usage_failing.load() ? 1 : 0, draining.load() ? 1 : 0);
  }

  // The REST API accepts what the MCP endpoints accept: an API key, or an Entra access token of
  // a provisioned user (Context7's MCP server passes the caller's token on).
  http::Response serve_api(const http::Request& req) {
    if (docs_api.is_public(req) && !api_key_from(req.headers)) return docs_api.handle(req, std::nullopt);
    auto key = api_key_from(req.headers);
    if (!key)
      return api_error(
          401, "invalid_api_key",
          "An API key is required: send Authorization: Bearer <key> (create one with `mcpgate admin apikey "
          "create`), or an Entra ID access token for this server.");
    if (looks_like_jwt(*key)) {
      auto principal = authenticator.authenticate(*key);
      if (!principal) {
        int status = principal.error().reason == "keys_unavailable" || principal.error().reason == "store_unavailable"
                         ? 503
                         : 401;
        return api_error(status, status == 401 ? "invalid_api_key" : "internal_error",
                         principal.error().detail + " (" + principal.error().reason + ")");
      }
      return docs_api.handle(req, *principal);
    }
    auto found = store->find_api_key(*key);
    if (!found) return api_error(500, "internal_error", "the server's store is unavailable: " + found.error().message);
    if (!*found)
      return api_error(401, "invalid_api_key",
                       "Invalid API key. Please check your API key: it may be mistyped or revoked.");
    return docs_api.handle(req,
                           Principal{(*found)->teamspace_id, std::nullopt, "api-key:" + (*found)->name, "", "", {}});
  }

  static bool looks_like_jwt(std::string_view s) {
    return s.starts_with("eyJ") && std::count(s.begin(), s.end(), '.') == 2;
  }

  boost::system::result<Principal, http::Response> by_api_key(const http::Request& req) {
    auto key = api_key_from(req.headers);
    if (!key) {
      if (!config.require_api_key) return Principal{0, std::nullopt, "anonymous", "", "", {}};
      return jsonrpc_refusal(401, "Authentication required. Please authenticate to use this MCP server.", "missing");
    }
    auto found = store->find_api_key(*key);
    if (!found)
      return jsonrpc_refusal(503, "The server's store is unavailable: " + found.error().message, "store_unavailable");
    if (!*found)
      return jsonrpc_refusal(401, "Invalid API key. Please check your API key: it may be mistyped or revoked.",
                             "invalid_api_key");
    return Principal{(*found)->teamspace_id, std::nullopt, "api-key:" + (*found)->name, "", "", {}};
  }

  boost::system::result<Principal, http::Response> by_entra_token(const http::Request& req) {
    auth::ChallengeContext context{resource_metadata_url(),
                                   config.scopes_supported.empty() ? "" : config.scopes_supported.front()};
    auto bearer = auth::extract_bearer(req.headers);
    if (!bearer) {
      auto refused = auth::token_refused({auth::TokenFailure::missing, "Authentication required."}, context);
      auto body =
          jsonrpc_refusal(401, "Authentication required. Please authenticate to use this MCP server.", "missing");
      body.headers = refused.headers;
      body.headers.set("Content-Type", "application/json; charset=utf-8");
      return body;
    }
    auto principal = authenticator.authenticate(*bearer);
    if (principal) return *principal;
    auto refused = auth::invalid_token(principal.error().reason, principal.error().detail, context);
    int status =
        principal.error().reason == "keys_unavailable" || principal.error().reason == "store_unavailable" ? 503 : 401;
    auto body = jsonrpc_refusal(status, principal.error().detail, principal.error().reason);
    body.headers = refused.headers;
    body.headers.set("Content-Type", "application/json; charset=utf-8");
    spdlog::info("refused {} {}: {}", req.method, req.path, principal.error().reason);
    return body;
  }

  http::Response serve_mcp(const http::Request& req, const Principal& who) {
    auto started = std::chrono::steady_clock::now();
    mcp::CallContext context{who.teamspace_id, who.label, who.tenant_id, who.oid, who.groups};
    auto response = mcp::handle_mcp_http(req, transport, *dispatcher, sessions, context, clock.now());
    auto call = mcp::peek_mcp_call(req.body);
    if (call.method == "tools/call" && who.teamspace_id != 0) {
      store::UsageRecord usage;
      usage.time = clock.now();
      usage.teamspace_id = who.teamspace_id;
      usage.user_id = who.user_id;
      usage.user_label = who.label;
      usage.tool = call.tool;
      usage.arguments_summary = arguments_summary(req.body);
      usage.result_bytes = int64_t(response.body.size());
      usage.latency_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      usage.outcome = response.status != 200 ? "http_" + std::to_string(response.status)
                      : response.body.find("\"isError\":true") != std::string::npos ? "tool_error"
                                                                                    : "ok";
      auto recorded = store->record_usage(usage);
      if (recorded) {
        ++usage_written;
        if (usage_failing.exchange(false))
          spdlog::info("usage records are written again ({} lost in all since start)", usage_lost.load());
      } else {
        ++usage_lost;
        if (!usage_failing.exchange(true))
          spdlog::error("usage records are not being written (tool calls go unrecorded until this clears): {}",
                        recorded.error().message);
      }
    }
    return response;
  }

  // The connection's request and writer, which outlive the call (awaited at once).
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
  http::Task<void> serve(http::Request& req, http::ResponseWriter& out) {
    auto response = co_await asio::co_spawn(
        workers, [this, &req]() -> http::Task<http::Response> { co_return handle(req); }, asio::use_awaitable);
    co_await out.send(response);
  }
};

McpServer::McpServer(ServerConfig config, const Clock& clock, const ToolInstaller& install_tools)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {
  auto& impl = *impl_;
  if (impl.config.diagnostic_tools) impl.install_diagnostics();
  install_docs_tools(impl.tools, impl.docs_service, impl.rate_limiter,
                     DocsToolOptions{impl.config.default_tokens, impl.config.max_tokens});
  if (install_tools) install_tools(impl.tools, *impl.store);
  impl.dispatcher =
      std::make_unique<mcp::McpDispatcher>(mcp::ServerInfo{"mcpgate", "0.1.0", kInstructions}, impl.tools);
  http::ServerOptions options;
  options.host = impl.config.host;
  options.port = impl.config.port;
  options.threads = impl.config.threads;
  options.tls = impl.config.tls;
  options.stop_on_signals = true;
  options.shutdown_grace = std::chrono::seconds(5);
  options.on_drain = [impl = impl_.get()] { impl->draining = true; };
  impl.server = http::make_streaming_server(
      options, [impl = impl_.get()](http::Request& r, http::ResponseWriter& w) { return impl->serve(r, w); },
      [](int status, std::string_view message) { return jsonrpc_refusal(status, std::string(message), ""); });
  // Listening with port 0 binds a port chosen now; the URLs this server names must carry it.
  if (impl.config.public_url_derived && impl.config.public_url == derived_public_url(impl.config, impl.config.port)) {
    impl.config.public_url = derived_public_url(impl.config, impl.server->port());
    if (impl.config.dashboard) impl.config.dashboard->public_url = impl.config.public_url;
  }
  if (impl.config.dashboard)
    impl.dashboard = std::make_unique<dashboard::Dashboard>(
        *impl.config.dashboard, *impl.store,
        [impl = impl_.get()](const std::string& token) { return impl->check_id_token(token); }, impl.clock);
}

McpServer::~McpServer() {
  impl_->stop_shared_docs();
  impl_->workers.join();
}

uint16_t McpServer::port() const { return impl_->server->port(); }
store::Store& McpServer::store() { return *impl_->store; }
void McpServer::run() { impl_->server->run(); }
void McpServer::stop() { impl_->server->stop(); }

}  // namespace mcpgate::server
