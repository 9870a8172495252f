#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate::mcp {

// What an MCP request is about, for the audit line and metrics: the JSON-RPC method and, for
// tools/call, the tool's name. A batch (JSON-RPC 2.0, allowed by MCP 2025-03-26) lists each
// call's method and tool, comma-separated, so the audit sees every call it forwards.
struct McpCall {
  bool json = false;  // the body is one JSON value in valid UTF-8: what a JSON-RPC peer can read
  std::string method;
  std::string tool;
  // Of a single message: what MCP 2026-07-28's Mcp-Name header names, the tool or prompt's
  // `name` (tools/call, prompts/get) or the resource's `uri` (resources/read); empty otherwise.
  std::string name;
  size_t calls = 0;  // messages with a method (1 for a single request, n for a batch)
};

McpCall peek_mcp_call(std::string_view body);

// The params member MCP 2026-07-28's Mcp-Name header mirrors for a method: "name" for tools/call
// and prompts/get, "uri" for resources/read; nullopt for the others.
std::optional<std::string_view> mcp_name_source(std::string_view method);

}  // namespace mcpgate::mcp
