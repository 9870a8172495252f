#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "http/message.hpp"
#include "mcp/dispatcher.hpp"
#include "mcp/session.hpp"
#include "mcp/tools.hpp"

namespace mcpgate::mcp {

struct TransportOptions {
  // No Mcp-Session-Id is issued or asked for, and DELETE answers 405 (Context7's public server).
  bool stateless = false;
  // Answer as SSE when the client accepts JSON and SSE equally (by default JSON wins).
  bool prefer_sse = false;
  // Origins a browser may call from, compared without regard to case; "*" admits any. Empty:
  // only loopback origins (http or https on localhost, 127.0.0.1, [::1]).
  std::vector<std::string> allowed_origins;
};

enum class BodyFormat { json, sse };

// The answer's format from an Accept header: a missing or empty header and */* accept both; the
// higher q wins, and on a tie JSON unless prefer_sse. nullopt when neither is acceptable (406).
std::optional<BodyFormat> negotiate_accept(std::optional<std::string_view> accept, bool prefer_sse);
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins);

// The MCP Streamable HTTP endpoint as a pure function, request in, response out:
// - POST: Origin (403), Accept (406), Content-Type (415), JSON (400 -32700), message shape
//   (400 -32600), session (400 missing, 404 unknown; initialize creates one and answers its id
//   in Mcp-Session-Id), MCP-Protocol-Version (400 unsupported, missing → the session's version
//   or 2025-03-26), batches (2025-03-26 only, else 400 -32600). Notifications and responses → 202
//   with no body; requests → application/json or one SSE event "event: message".
// - GET → 405 (we open no server stream); DELETE ends a session (204; 404 unknown; 405 when
//   stateless); OPTIONS → 204 with Allow (CORS headers are the server's business); others → 405.
// Every error status carries a JSON-RPC error body.
http::Response handle_mcp_http(const http::Request& request, const TransportOptions& options,
                               const McpDispatcher& dispatcher, SessionStore& sessions, const CallContext& context,
                               SysTime now);

}  // namespace mcpgate::mcp
