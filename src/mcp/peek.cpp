#include "mcp/peek.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace mcpgate::mcp {

namespace {

void add(std::string& list, std::string_view item) {
  if (!list.empty()) list += ',';
  list += item;
}

void peek_message(const boost::json::value& message, McpCall& call) {
  if (!message.is_object()) return;
  const auto& o = message.as_object();
  const auto* m = o.if_contains("method");
  if (!m || !m->is_string()) return;
  ++call.calls;
  std::string_view method = m->get_string();
  add(call.method, method);
  const auto* p = o.if_contains("params");
  const auto* params = p && p->is_object() ? &p->as_object() : nullptr;
  auto member = [&](std::string_view key) -> std::string_view {
    const auto* v = params ? params->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  if (auto source = mcp_name_source(method)) call.name = member(*source);
  if (method != "tools/call") return;
  auto tool = member("name");
  add(call.tool, tool.empty() ? std::string_view("?") : tool);
}

}  // namespace

std::optional<std::string_view> mcp_name_source(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  return std::nullopt;
}

McpCall peek_mcp_call(std::string_view body) {
  McpCall call;
  if (body.empty()) return call;
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);  // rejects invalid UTF-8 too
  if (ec) return call;
  call.json = true;
  if (v.is_array()) {
    for (const auto& message : v.as_array()) peek_message(message, call);
    call.name.clear();  // a batch names no one thing
  } else {
    peek_message(v, call);
  }
  return call;
}

}  // namespace mcpgate::mcp
