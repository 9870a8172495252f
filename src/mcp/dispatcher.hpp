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
// taken to be 2025-03-26, as the Streamable HTTP transport prescribes.
inline constexpr std::array<std::string_view, 3> kProtocolVersions = {"2025-03-26", "2025-06-18", "2025-11-25"};
inline constexpr std::string_view kLatestProtocolVersion = kProtocolVersions.back();
inline constexpr std::string_view kDefaultProtocolVersion = kProtocolVersions.front();

bool is_supported_version(std::string_view version);
// initialize's negotiation: the client's version when we speak it, else our latest.
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
  std::optional<json::value> handle(const JsonRpcMessage& message, SessionState& session,
                                    const CallContext& context) const;

 private:
  boost::system::result<json::value, JsonRpcError> call(const JsonRpcMessage& request, SessionState& session,
                                                        const CallContext& context) const;
  json::value initialize(const json::object& params, SessionState& session) const;

  ServerInfo info_;
  const ToolRegistry& tools_;
};

}  // namespace mcpgate::mcp
