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
  if (method != "tools/call") return;
  const auto* p = o.if_contains("params");
  const auto* n = p && p->is_object() ? p->as_object().if_contains("name") : nullptr;
  add(call.tool, n && n->is_string() ? std::string_view(n->get_string()) : std::string_view("?"));
}

}  // namespace

McpCall peek_mcp_call(std::string_view body) {
  McpCall call;
  if (body.empty()) return call;
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);  // rejects invalid UTF-8 too
  if (ec) return call;
  call.json = true;
  if (v.is_array()) {
    for (const auto& message : v.as_array()) peek_message(message, call);
  } else {
    peek_message(v, call);
  }
  return call;
}

}  // namespace mcpgate::mcp
