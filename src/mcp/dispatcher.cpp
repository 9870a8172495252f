#include "mcp/dispatcher.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace mcpgate::mcp {
namespace {

JsonRpcError invalid_params(std::string reason) { return {kInvalidParams, "Invalid params: " + std::move(reason)}; }

std::string string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object empty_list(std::string_view key) { return {{key, json::array()}}; }

}  // namespace

bool is_supported_version(std::string_view version) {
  return std::find(kProtocolVersions.begin(), kProtocolVersions.end(), version) != kProtocolVersions.end();
}

std::string_view negotiate_version(std::string_view requested) {
  return is_supported_version(requested) && !is_modern_version(requested) ? requested : kLatestLegacyVersion;
}

McpDispatcher::McpDispatcher(ServerInfo info, const ToolRegistry& tools) : info_(std::move(info)), tools_(tools) {}

std::optional<json::value> McpDispatcher::handle(const JsonRpcMessage& message, SessionState& session,
                                                 const CallContext& context) const {
  if (message.kind == MessageKind::notification) {
    if (message.method == "notifications/initialized") session.initialized = true;
    return std::nullopt;  // cancellations and the rest need nothing from a server that answers at once
  }
  if (message.kind != MessageKind::request) return std::nullopt;  // we send no requests to answer
  boost::system::result<json::value, JsonRpcError> outcome = JsonRpcError{kInternalError, "Internal error"};
  try {
    outcome =
        is_modern_version(session.protocol_version) ? call_modern(message, context) : call(message, session, context);
  } catch (const std::exception& e) {
    // A surprise inside a method: logged here once; the client gets -32603 without our internals.
    spdlog::error("MCP {} failed: {}", message.method, e.what());
  } catch (...) {
    spdlog::error("MCP {} failed with a non-standard exception", message.method);
  }
  if (!outcome) return make_error(message.id, outcome.error());
  return make_result(message.id, std::move(*outcome));
}

boost::system::result<json::value, JsonRpcError> McpDispatcher::call(const JsonRpcMessage& request,
                                                                     SessionState& session,
                                                                     const CallContext& context) const {
  const auto& method = request.method;
  const auto& params = request.params;
  if (method == "initialize") {
    auto* version = params.if_contains("protocolVersion");
    if (!version || !version->is_string()) return invalid_params("protocolVersion must be a string");
    if (auto* client = params.if_contains("clientInfo"); client && !client->is_object())
      return invalid_params("clientInfo must be an object");
    return initialize(params, session);
  }
  if (method == "ping") return json::object();
  if (method == "tools/list") return json::object{{"tools", tools_.list()}};
  if (method == "tools/call") {
    auto* name = params.if_contains("name");
    if (!name || !name->is_string()) return invalid_params("name must be a string");
    json::object none;
    auto* arguments = params.if_contains("arguments");
    if (arguments && !arguments->is_object()) return invalid_params("arguments must be an object");
    auto result = tools_.call(name->get_string(), arguments ? arguments->get_object() : none, context);
    if (!result) return result.error();
    return result->to_json();
  }
  if (method == "prompts/list") return empty_list("prompts");
  if (method == "resources/list") return empty_list("resources");
  if (method == "resources/templates/list") return empty_list("resourceTemplates");
  // The prompts and resources capabilities are declared (some clients need the list methods), so
  // reading an item is a lookup that finds nothing, not an unknown method.
  if (method == "resources/read") {
    auto* uri = params.if_contains("uri");
    if (!uri || !uri->is_string()) return invalid_params("uri must be a string");
    return JsonRpcError{kResourceNotFound, "Resource not found: " + std::string(uri->get_string())};
  }
  if (method == "prompts/get") {
    auto* name = params.if_contains("name");
    if (!name || !name->is_string()) return invalid_params("name must be a string");
    return JsonRpcError{kInvalidParams, "Unknown prompt: " + std::string(name->get_string())};
  }
  return JsonRpcError{kMethodNotFound, "Method not found: " + method};
}

// How long a client or a cache may keep a list: the tools change only with a new release.
constexpr int64_t kListTtlMs = 5 * 60 * 1000;

boost::system::result<json::value, JsonRpcError> McpDispatcher::call_modern(const JsonRpcMessage& request,
                                                                            const CallContext& context) const {
  const auto& method = request.method;
  // Removed in 2026-07-28: the handshake (stateless now), liveness pings, the session log level.
  if (method == "initialize" || method == "ping" || method == "logging/setLevel" || method == "resources/subscribe" ||
      method == "resources/unsubscribe")
    return JsonRpcError{kMethodNotFound,
                        "Method not found: " + method + " is not part of protocol revision 2026-07-28"};
  // We offer nothing to subscribe to, and say so: the capability is not declared either.
  if (method == "subscriptions/listen")
    return JsonRpcError{kMethodNotFound, "Method not found: this server offers no subscriptions"};
  json::object result;
  if (method == "server/discover") {
    json::array versions;
    for (auto v : kProtocolVersions) versions.emplace_back(v);
    result = {{"supportedVersions", std::move(versions)}, {"capabilities", capabilities()}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    // Like the lists: the same for every caller until the next release.
    result["ttlMs"] = kListTtlMs;
    result["cacheScope"] = "public";
  } else {
    SessionState stateless;  // the 2025 methods below keep nothing in it
    auto outcome = call(request, stateless, context);
    if (!outcome) {
      JsonRpcError error = outcome.error();
      // 2026-07-28 folds the resource-not-found code into invalid params.
      if (error.code == kResourceNotFound) error.code = kInvalidParams;
      return error;
    }
    result = std::move(outcome->as_object());
    if (method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
        method == "resources/templates/list") {
      // The same for every caller of this server (access is decided per call, not per list).
      result["ttlMs"] = kListTtlMs;
      result["cacheScope"] = "public";
    }
  }
  result["resultType"] = "complete";
  result["_meta"] = json::object{{kServerInfoMeta, json::object{{"name", info_.name}, {"version", info_.version}}}};
  return result;
}

json::object McpDispatcher::capabilities() const {
  return {{"tools", {{"listChanged", false}}},
          {"prompts", {{"listChanged", false}}},
          {"resources", {{"listChanged", false}, {"subscribe", false}}}};
}

json::value McpDispatcher::initialize(const json::object& params, SessionState& session) const {
  session.protocol_version = std::string(negotiate_version(params.at("protocolVersion").get_string()));
  if (auto* client = params.if_contains("clientInfo")) {
    session.client_name = string_field(client->get_object(), "name");
    session.client_version = string_field(client->get_object(), "version");
  }
  json::object result{
      {"protocolVersion", session.protocol_version},
      {"capabilities", capabilities()},
      {"serverInfo", {{"name", info_.name}, {"version", info_.version}}},
  };
  if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
  return result;
}

}  // namespace mcpgate::mcp
