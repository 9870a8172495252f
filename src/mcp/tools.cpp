#include "mcp/tools.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace mcpgate::mcp {
namespace {

bool valid_tool_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

}  // namespace

ToolResult ToolResult::text(std::string text, bool is_error) {
  return {{json::object{{"type", "text"}, {"text", std::move(text)}}}, is_error};
}

json::object ToolResult::to_json() const {
  json::object out{{"content", json::array(content.begin(), content.end())}};
  if (is_error) out["isError"] = true;
  return out;
}

void ToolRegistry::add(Tool tool) {
  if (!valid_tool_name(tool.name)) throw std::invalid_argument("invalid MCP tool name '" + tool.name + "'");
  if (find(tool.name)) throw std::invalid_argument("MCP tool '" + tool.name + "' is registered twice");
  if (!tool.handler) throw std::invalid_argument("MCP tool '" + tool.name + "' has no handler");
  if (tool.input_schema.empty()) tool.input_schema = {{"type", "object"}};
  tools_.push_back(std::move(tool));
}

const Tool* ToolRegistry::find(std::string_view name) const {
  auto it = std::find_if(tools_.begin(), tools_.end(), [&](const Tool& t) { return t.name == name; });
  return it == tools_.end() ? nullptr : &*it;
}

json::array ToolRegistry::list() const {
  json::array out;
  for (const auto& t : tools_) {
    json::object o{{"name", t.name}};
    if (!t.title.empty()) o["title"] = t.title;
    if (!t.description.empty()) o["description"] = t.description;
    o["inputSchema"] = t.input_schema;
    if (!t.annotations.empty()) o["annotations"] = t.annotations;
    out.emplace_back(std::move(o));
  }
  return out;
}

boost::system::result<ToolResult, JsonRpcError> ToolRegistry::call(std::string_view name, const json::object& arguments,
                                                                   const CallContext& context) const {
  const Tool* tool = find(name);
  if (!tool) return JsonRpcError{kInvalidParams, "Unknown tool: " + std::string(name)};
  ToolResult result;
  try {
    result = tool->handler(arguments, context);
  } catch (const std::exception& e) {
    return ToolResult::text("Error executing tool " + tool->name + ": " + e.what(), true);
  } catch (...) {
    return ToolResult::text("Error executing tool " + tool->name + ": unknown error", true);
  }
  // Content without a type is our bug, not the tool user's: a protocol error, not a tool error.
  for (const auto& item : result.content)
    if (auto* type = item.if_contains("type"); !type || !type->is_string())
      return JsonRpcError{kInternalError, "Internal error: tool " + tool->name + " returned content without a type"};
  return result;
}

}  // namespace mcpgate::mcp
