#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.hpp"
#include "mcp/session.hpp"
#include "mcp/tools.hpp"

namespace mcpgate::mcp {

// MCP protocol revisions we speak, oldest first. A request without MCP-Protocol-Version is
// taken to be 2025-03-26, as the Streamable HTTP transport prescribes. From 2026-07-28 on the
// protocol is stateless: no initialize and no session; every request names its revision in
// params._meta, and clients find the server's with server/discover.
inline constexpr std::array<std::string_view, 4> kProtocolVersions = {"2025-03-26", "2025-06-18", "2025-11-25",
                                                                      "2026-07-28"};
inline constexpr std::string_view kFirstModernVersion = "2026-07-28";
inline constexpr std::string_view kLatestLegacyVersion = "2025-11-25";
inline constexpr std::string_view kDefaultProtocolVersion = kProtocolVersions.front();

// The keys of a 2026-07-28 request's params._meta, and of a result's.
inline constexpr std::string_view kProtocolVersionMeta = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kClientCapabilitiesMeta = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kClientInfoMeta = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kServerInfoMeta = "io.modelcontextprotocol/serverInfo";

bool is_supported_version(std::string_view version);
// Revision identifiers are ISO dates: ordered as strings.
inline bool is_modern_version(std::string_view version) { return version >= kFirstModernVersion; }
// initialize's negotiation (the 2025 handshake): the client's version when we speak it and it
// is no stateless one, else our latest 2025 revision.
std::string_view negotiate_version(std::string_view requested);

struct ServerInfo {
  std::string name;
  std::string version;
  std::string instructions;  // omitted from the initialize result when empty
};

// The MCP methods, from one parsed message to its answer: no HTTP, no I/O. Thread-safe as long as
// the tool handlers are.
class McpDispatcher {
 public:
  McpDispatcher(ServerInfo info, const ToolRegistry& tools);

  // The response message for a request; nullopt for notifications and responses. initialize
  // records the negotiated version and client in `session`; notifications/initialized marks it.
  // A session whose version is 2026-07-28 or later answers as that revision does: server/discover,
  // resultType on every result, cache hints on lists, the server's identity in _meta, and no
  // initialize, ping or logging/setLevel.
  std::optional<json::value> handle(const JsonRpcMessage& message, SessionState& session,
                                    const CallContext& context) const;

 private:
  boost::system::result<json::value, JsonRpcError> call(const JsonRpcMessage& request, SessionState& session,
                                                        const CallContext& context) const;
  boost::system::result<json::value, JsonRpcError> call_modern(const JsonRpcMessage& request,
                                                               const CallContext& context) const;
  json::value initialize(const json::object& params, SessionState& session) const;
  json::object capabilities() const;

  ServerInfo info_;
  const ToolRegistry& tools_;
};

}  // namespace mcpgate::mcp
