#include "mcp/transport.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "common/strings.hpp"
#include "mcp/peek.hpp"

namespace mcpgate::mcp {
namespace {

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
constexpr int kSessionNotFound = -32001;
constexpr std::string_view kFirstVersionWithoutBatches = "2025-06-18";

// "type/subtype" of a media type or range, lower case, without parameters.
std::string media_type(std::string_view field) { return to_lower(trim(field.substr(0, field.find(';')))); }

// The q parameter of one Accept element; 1 when absent or unreadable.
double quality(std::string_view element) {
  double q = 1;
  for (size_t at = element.find(';'); at != std::string_view::npos;) {
    size_t next = element.find(';', at + 1);
    auto param = trim(element.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      double v = 0;
      auto [end, ec] = std::from_chars(param.data() + 2, param.data() + param.size(), v);
      if (ec == std::errc() && end == param.data() + param.size() && v >= 0 && v <= 1) q = v;
    }
    at = next;
  }
  return q;
}

// How much an Accept header wants `type`: the q of the most specific range matching it, 0 if none.
double acceptance(std::string_view accept, std::string_view type) {
  const auto slash = type.find('/');
  int best_rank = 0;
  double best_q = 0;
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    auto element = accept.substr(start, comma == std::string_view::npos ? comma : comma - start);
    start = comma == std::string_view::npos ? accept.size() + 1 : comma + 1;
    auto range = media_type(element);
    int rank = range == type ? 3 : range == std::string(type.substr(0, slash)) + "/*" ? 2 : range == "*/*" ? 1 : 0;
    if (rank > best_rank) best_rank = rank, best_q = quality(element);
  }
  return best_q;
}

http::Response rpc_error(int status, int code, std::string message, const json::value& id = nullptr) {
  return http::Response::json(status, make_error(id, JsonRpcError{code, std::move(message)}));
}

http::Response rpc_error(int status, const MessageError& e) { return http::Response::json(status, make_error(e)); }

std::string_view allowed_methods(const TransportOptions& options) {
  return options.stateless ? "POST, OPTIONS" : "POST, DELETE, OPTIONS";
}

http::Response method_not_allowed(const TransportOptions& options) {
  auto r = rpc_error(405, kServerError, "Method not allowed.");
  r.headers.set("Allow", std::string(allowed_methods(options)));
  return r;
}

http::Response no_body(int status) {
  http::Response r;
  r.status = status;
  return r;
}

http::Response reply(BodyFormat format, const json::value& message) {
  if (format == BodyFormat::json) return http::Response::json(200, message);
  auto r = http::Response::text(200, "event: message\ndata: " + json::serialize(message) + "\n\n", "text/event-stream");
  r.headers.set("Cache-Control", "no-cache");
  r.headers.set("X-Accel-Buffering", "no");  // MCP 2026-07-28: proxies must not hold events back
  return r;
}

std::string supported_versions() {
  std::string out;
  for (auto v : kProtocolVersions) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

// The protocol version a request speaks: its MCP-Protocol-Version header, else the session's,
// else 2025-03-26. nullopt when the header names a version we do not speak in a session.
std::optional<std::string> request_version(const http::Request& request, const SessionState& session) {
  if (auto header = request.header(kVersionHeader)) {
    if (!is_supported_version(*header) || is_modern_version(*header)) return std::nullopt;
    return std::string(*header);
  }
  return session.protocol_version.empty() ? std::string(kDefaultProtocolVersion) : session.protocol_version;
}

http::Response unsupported_version(const http::Request& request) {
  return rpc_error(
      400, kServerError,
      "Bad Request: Unsupported protocol version: " + std::string(request.header(kVersionHeader).value_or("")) +
          " (supported versions: " + supported_versions() + ")");
}

// The session a request belongs to, or the error to answer with.
struct SessionLookup {
  std::string id;
  SessionState state;
  std::optional<http::Response> error;
};

SessionLookup find_session(const http::Request& request, SessionStore& sessions, SysTime now) {
  SessionLookup out;
  auto id = request.header(kSessionHeader);
  if (!id) {
    out.error = rpc_error(400, kServerError, "Bad Request: Mcp-Session-Id header is required");
  } else if (auto state = sessions.find(*id, now)) {
    out.id = std::string(*id);
    out.state = std::move(*state);
  } else {
    out.error = rpc_error(404, kSessionNotFound, "Session not found");
  }
  return out;
}

bool is_initialize(const JsonRpcMessage& m) { return m.kind == MessageKind::request && m.method == "initialize"; }

// A 2025-03-26 batch: each element answered in turn; 202 when none needs an answer.
http::Response handle_batch(const json::array& items, BodyFormat format, const McpDispatcher& dispatcher,
                            SessionState& state, const CallContext& context) {
  if (items.empty()) return rpc_error(400, kInvalidRequest, "Invalid Request: an empty batch");
  json::array answers;
  for (const auto& item : items) {
    auto message = read_message(item);
    if (!message)
      answers.emplace_back(make_error(message.error()));
    else if (is_initialize(*message))
      answers.emplace_back(
          make_error(message->id, {kInvalidRequest, "Invalid Request: initialize must not be part of a batch"}));
    else if (auto answer = dispatcher.handle(*message, state, context))
      answers.emplace_back(std::move(*answer));
  }
  return answers.empty() ? no_body(202) : reply(format, answers);
}

// --- 2026-07-28: stateless requests ------------------------------------------------------

// The revision a message's params._meta names, if it names one.
std::optional<std::string> envelope_version(const JsonRpcMessage& message) {
  const auto* meta = message.params.if_contains("_meta");
  const auto* version = meta && meta->is_object() ? meta->as_object().if_contains(kProtocolVersionMeta) : nullptr;
  if (!version || !version->is_string()) return std::nullopt;
  return std::string(version->get_string());
}

// A message of the stateless era: its envelope, the version header or the method says so.
bool is_modern_message(const JsonRpcMessage& message, const http::Request& request) {
  if (message.method == "server/discover") return true;
  if (auto version = envelope_version(message)) return is_modern_version(*version);
  auto header = request.header(kVersionHeader);
  return header && is_modern_version(*header);
}

json::value supported_versions_data(std::string_view requested) {
  json::array supported;
  for (auto v : kProtocolVersions) supported.emplace_back(v);
  return json::object{{"supported", std::move(supported)}, {"requested", requested}};
}

// The checks a stateless request passes before dispatch, in the order the specification ranks
// them: the envelope's version (-32022 with the supported list, or -32020 when the header
// disagrees), the envelope's required keys (-32602), then the standard headers on requests
// (MCP-Protocol-Version, Mcp-Method, and Mcp-Name where the method names something; -32020).
std::optional<http::Response> refuse_modern(const JsonRpcMessage& message, const http::Request& request) {
  auto fail = [&](int status, int code, std::string text, json::value data = nullptr) {
    return http::Response::json(status, make_error(message.id, JsonRpcError{code, std::move(text), std::move(data)}));
  };
  auto version = envelope_version(message);
  auto header = request.header(kVersionHeader);
  if (!version) {
    return fail(400, kInvalidParams,
                "Invalid params: a " + std::string(kFirstModernVersion) + " request carries params._meta[\"" +
                    std::string(kProtocolVersionMeta) + "\"] (and the client's capabilities)");
  }
  if (header && *header != *version)
    return fail(
        400, kHeaderMismatch,
        "HeaderMismatch: MCP-Protocol-Version says " + std::string(*header) + " but params._meta names " + *version);
  if (!is_supported_version(*version) || !is_modern_version(*version))
    return fail(400, kUnsupportedProtocolVersion,
                "Unsupported protocol version: " + *version + " (supported versions: " + supported_versions() + ")",
                supported_versions_data(*version));
  const auto& meta = message.params.at("_meta").as_object();
  auto* capabilities = meta.if_contains(kClientCapabilitiesMeta);
  if (!capabilities || !capabilities->is_object())
    return fail(400, kInvalidParams,
                "Invalid params: params._meta[\"" + std::string(kClientCapabilitiesMeta) + "\"] must be an object");
  if (message.kind != MessageKind::request) return std::nullopt;
  if (!header) return fail(400, kHeaderMismatch, "HeaderMismatch: the MCP-Protocol-Version header is required");
  auto method = request.header("Mcp-Method");
  if (!method) return fail(400, kHeaderMismatch, "HeaderMismatch: the Mcp-Method header is required");
  if (*method != message.method)
    return fail(
        400, kHeaderMismatch,
        "HeaderMismatch: Mcp-Method says " + std::string(*method) + " but the body's method is " + message.method);
  if (auto source = mcp_name_source(message.method)) {
    const auto* value = message.params.if_contains(*source);
    std::string body_name = value && value->is_string() ? std::string(value->get_string()) : "";
    auto name = request.header("Mcp-Name");
    if (!name)
      return fail(400, kHeaderMismatch, "HeaderMismatch: the Mcp-Name header is required for " + message.method);
    if (*name != body_name)
      return fail(400, kHeaderMismatch,
                  "HeaderMismatch: Mcp-Name says " + std::string(*name) + " but params." + std::string(*source) +
                      " is " + body_name);
  }
  return std::nullopt;
}

// No session, no Mcp-Session-Id: the request names everything it needs.
http::Response handle_modern(const JsonRpcMessage& message, const http::Request& request, BodyFormat format,
                             const McpDispatcher& dispatcher, const CallContext& context) {
  if (auto refusal = refuse_modern(message, request)) return std::move(*refusal);
  SessionState state;
  state.protocol_version = *envelope_version(message);
  auto answer = dispatcher.handle(message, state, context);
  if (!answer) return no_body(202);
  // 2026-07-28 over HTTP: a method the server does not have (the removed ones included) is 404.
  const auto* error = answer->is_object() ? answer->as_object().if_contains("error") : nullptr;
  const auto* code = error && error->is_object() ? error->as_object().if_contains("code") : nullptr;
  if (code && code->is_int64() && code->as_int64() == kMethodNotFound) {
    auto r = reply(BodyFormat::json, *answer);
    r.status = 404;
    return r;
  }
  return reply(format, *answer);
}

http::Response handle_post(const http::Request& request, const TransportOptions& options,
                           const McpDispatcher& dispatcher, SessionStore& sessions, const CallContext& context,
                           SysTime now) {
  auto format = negotiate_accept(request.header("Accept"), options.prefer_sse);
  if (!format)
    return rpc_error(406, kServerError, "Not Acceptable: the client must accept application/json or text/event-stream");
  if (auto type = request.header("Content-Type"); type && media_type(*type) != "application/json")
    return rpc_error(415, kServerError, "Unsupported Media Type: the body must be application/json");

  auto body = parse_json(request.body);
  if (!body) return rpc_error(400, body.error());
  std::optional<JsonRpcMessage> message;
  if (!body->is_array()) {
    auto read = read_message(*body);
    if (!read) return rpc_error(400, read.error());
    message = std::move(*read);
  }
  if (message && is_modern_message(*message, request))
    return handle_modern(*message, request, *format, dispatcher, context);
  const bool initialize = message && is_initialize(*message);

  SessionLookup session;
  if (!options.stateless && !initialize) {
    session = find_session(request, sessions, now);
    if (session.error) return std::move(*session.error);
  }
  SessionState state = session.state;
  if (!initialize) {  // initialize negotiates in its body; a version header there means nothing yet
    auto version = request_version(request, state);
    if (!version) return unsupported_version(request);
    if (options.stateless) state.protocol_version = *version;
    if (body->is_array() && *version >= kFirstVersionWithoutBatches)
      return rpc_error(400, kInvalidRequest,
                       "Invalid Request: batches are not allowed in protocol version " + *version);
  }

  http::Response response;
  if (!message) {
    response = handle_batch(body->get_array(), *format, dispatcher, state, context);
  } else if (auto answer = dispatcher.handle(*message, state, context)) {
    response = reply(*format, *answer);
    if (initialize && !options.stateless && answer->get_object().contains("result"))
      response.headers.set(kSessionHeader, sessions.create(state, now));
  } else {
    response = no_body(202);
  }
  if (!session.id.empty() && state != session.state) sessions.update(session.id, std::move(state));
  return response;
}

http::Response handle_delete(const http::Request& request, const TransportOptions& options, SessionStore& sessions,
                             SysTime now) {
  if (options.stateless) return method_not_allowed(options);
  auto session = find_session(request, sessions, now);
  if (session.error) return std::move(*session.error);
  if (!request_version(request, session.state)) return unsupported_version(request);
  sessions.remove(session.id);
  return no_body(204);
}

}  // namespace

std::optional<BodyFormat> negotiate_accept(std::optional<std::string_view> accept, bool prefer_sse) {
  if (!accept || trim(*accept).empty()) return prefer_sse ? BodyFormat::sse : BodyFormat::json;
  const double json_q = acceptance(*accept, "application/json");
  const double sse_q = acceptance(*accept, "text/event-stream");
  if (json_q <= 0 && sse_q <= 0) return std::nullopt;
  if (json_q != sse_q) return json_q > sse_q ? BodyFormat::json : BodyFormat::sse;
  return prefer_sse ? BodyFormat::sse : BodyFormat::json;
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins) {
  if (!allowed_origins.empty())
    return std::any_of(allowed_origins.begin(), allowed_origins.end(),
                       [&](const std::string& a) { return a == "*" || iequals(a, origin); });
  auto url = boost::urls::parse_absolute_uri(origin);
  if (!url || url->has_userinfo() || !url->encoded_path().empty() || url->has_query()) return false;
  auto scheme = to_lower(url->scheme());
  if (scheme != "http" && scheme != "https") return false;
  auto host = to_lower(url->encoded_host_address());  // IPv6 without its brackets
  return host == "localhost" || host == "127.0.0.1" || host == "::1";
}

http::Response handle_mcp_http(const http::Request& request, const TransportOptions& options,
                               const McpDispatcher& dispatcher, SessionStore& sessions, const CallContext& context,
                               SysTime now) {
  if (auto origin = request.header("Origin"); origin && !origin_allowed(*origin, options.allowed_origins))
    return rpc_error(403, kServerError, "Forbidden: origin not allowed");
  if (request.method == "POST") return handle_post(request, options, dispatcher, sessions, context, now);
  if (request.method == "DELETE") return handle_delete(request, options, sessions, now);
  if (request.method == "OPTIONS") {
    auto r = no_body(204);
    r.headers.set("Allow", std::string(allowed_methods(options)));
    return r;
  }
  return method_not_allowed(options);  // GET included: we offer no server-initiated stream
}

}  // namespace mcpgate::mcp
