#pragma once
#include <string>
#include <string_view>

namespace mcpgate::mcp {

// What an MCP request is about, for the audit line and metrics: the JSON-RPC method and, for
// tools/call, the tool's name. Empty fields when the body is not a JSON-RPC message.
struct McpCall {
  std::string method;
  std::string tool;
};

McpCall peek_mcp_call(std::string_view body);

}  // namespace mcpgate::mcp
