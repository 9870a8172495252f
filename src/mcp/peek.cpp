#include "mcp/peek.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace mcpgate::mcp {

McpCall peek_mcp_call(std::string_view body) {
  McpCall call;
  if (body.empty() || body.size() > 1024 * 1024) return call;
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return call;
  auto& o = v.as_object();
  if (auto* m = o.if_contains("method"); m && m->is_string()) call.method = std::string(m->get_string());
  if (call.method == "tools/call")
    if (auto* p = o.if_contains("params"); p && p->is_object())
      if (auto* n = p->as_object().if_contains("name"); n && n->is_string()) call.tool = std::string(n->get_string());
  return call;
}

}  // namespace mcpgate::mcp
