#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "mcp/jsonrpc.hpp"

namespace mcpgate::mcp {

// Who is calling, as established before the MCP layer (token verification, teamspace lookup).
struct CallContext {
  int64_t teamspace_id = 0;
  std::string user;  // a label for logs and audit, not an identifier to authorise on
  std::string tenant_id;
  std::string oid;
  std::vector<std::string> groups;
};

// A CallToolResult: content items ({"type":"text","text":…} and the like) and whether the tool
// failed. A failing tool is still a successful JSON-RPC response.
struct ToolResult {
  std::vector<json::object> content;
  bool is_error = false;

  static ToolResult text(std::string text, bool is_error = false);
  json::object to_json() const;
};

using ToolHandler = std::function<ToolResult(const json::object& arguments, const CallContext& context)>;

struct Tool {
  std::string name;  // 1–128 of A–Z a–z 0–9 _ - .
  std::string title;
  std::string description;
  json::object input_schema;
  json::object annotations;  // readOnlyHint, destructiveHint, … (omitted from tools/list when empty)
  ToolHandler handler;
};

// The tools an MCP server offers. Filled while the server is wired, before it serves: it is not
// synchronised for changes, while calls from many threads at once are fine.
class ToolRegistry {
 public:
  // Throws std::invalid_argument for an invalid or repeated name or a missing handler.
  void add(Tool tool);
  const Tool* find(std::string_view name) const;
  size_t size() const { return tools_.size(); }

  // The "tools" array of a tools/list result, in the order the tools were added.
  json::array list() const;
  // Runs a tool. Unknown name → -32602 "Unknown tool: X". A handler that throws yields a result
  // with isError and the exception's message, not a protocol error. A content item without a
  // "type" → -32603.
  boost::system::result<ToolResult, JsonRpcError> call(std::string_view name, const json::object& arguments,
                                                       const CallContext& context) const;

 private:
  std::vector<Tool> tools_;
};

}  // namespace mcpgate::mcp
