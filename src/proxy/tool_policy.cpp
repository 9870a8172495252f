#include "proxy/tool_policy.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "common/strings.hpp"

namespace mcpgate::proxy {
namespace json = boost::json;

namespace {

bool shares(const std::vector<std::string>& listed, const std::vector<std::string>& held) {
  return std::any_of(listed.begin(), listed.end(), [&](const std::string& want) {
    return std::any_of(held.begin(), held.end(), [&](const std::string& have) { return iequals(want, have); });
  });
}

const ToolRule* rule_for(const ToolPolicy& policy, std::string_view tool) {
  const ToolRule* wildcard = nullptr;
  for (const auto& rule : policy.rules) {
    if (rule.tool == tool) return &rule;
    if (rule.tool == "*" && !wildcard) wildcard = &rule;
  }
  return wildcard;
}

std::string listed(const std::vector<std::string>& items) { return join(items, ", "); }

// Removes denied tools from one JSON-RPC message's result.tools; false if it is not JSON.
bool filter_message(std::string_view text, std::string& out, const ToolPolicy& policy,
                    const auth::VerifiedToken& caller) {
  boost::system::error_code ec;
  auto message = json::parse(text, ec);
  if (ec) return false;
  if (auto* result = message.is_object() ? message.as_object().if_contains("result") : nullptr;
      result && result->is_object())
    if (auto* tools = result->as_object().if_contains("tools"); tools && tools->is_array()) {
      auto& array = tools->as_array();
      auto denied = [&](const json::value& tool) {
        const auto* name = tool.is_object() ? tool.as_object().if_contains("name") : nullptr;
        return !name || !name->is_string() || !decide_tool(policy, name->get_string(), caller).allowed;
      };
      array.erase(std::remove_if(array.begin(), array.end(), denied), array.end());
      // The list is this caller's now: no shared cache may hand it to another (2026-07-28).
      if (result->as_object().contains("cacheScope")) result->as_object()["cacheScope"] = "private";
    }
  out = json::serialize(message);
  return true;
}

}  // namespace

ToolDecision decide_tool(const ToolPolicy& policy, std::string_view tool, const auth::VerifiedToken& caller) {
  const ToolRule* rule = rule_for(policy, tool);
  if (!rule) return {};
  if (shares(rule->roles, caller.roles) || shares(rule->groups, caller.groups)) return {};
  std::string needs;
  if (!rule->groups.empty()) needs = "membership of group " + listed(rule->groups);
  if (!rule->roles.empty()) needs += (needs.empty() ? "" : " or ") + std::string("the app role ") + listed(rule->roles);
  if (needs.empty()) return {false, "the tool " + std::string(tool) + " is not available through this gateway"};
  std::string why = "the tool " + std::string(tool) + " needs " + needs;
  if (caller.groups_overage && !rule->groups.empty())
    why +=
        "; your token lists no groups because you are in more than Entra puts in a token, so the gateway cannot "
        "tell: ask an admin to grant you an app role for it instead";
  else
    why += "; ask an admin of your tenant for access";
  return {false, std::move(why)};
}

std::optional<http::Response> refuse_denied_calls(std::string_view body, const ToolPolicy& policy,
                                                  const auth::VerifiedToken& caller) {
  if (policy.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto parsed = json::parse(body, ec);
  if (ec) return std::nullopt;  // the server answers a parse error; nothing is called
  std::vector<const json::value*> messages;
  if (parsed.is_array())
    for (const auto& m : parsed.as_array()) messages.push_back(&m);
  else
    messages.push_back(&parsed);
  for (const auto* m : messages) {
    if (!m->is_object()) continue;
    const auto& o = m->as_object();
    const auto* method = o.if_contains("method");
    if (!method || !method->is_string() || method->get_string() != "tools/call") continue;
    const auto* params = o.if_contains("params");
    const auto* name = params && params->is_object() ? params->as_object().if_contains("name") : nullptr;
    std::string tool = name && name->is_string() ? std::string(name->get_string()) : "";
    auto decision = decide_tool(policy, tool, caller);
    if (decision.allowed) continue;
    const auto* id = o.if_contains("id");
    auto r = http::Response::json(
        200, json::object{{"jsonrpc", "2.0"},
                          {"id", id ? *id : json::value(nullptr)},
                          {"error", json::object{{"code", -32001},
                                                 {"message", "Forbidden: " + decision.reason},
                                                 {"data", json::object{{"reason", "tool_denied"}, {"tool", tool}}}}}});
    r.headers.set("Cache-Control", "no-store");
    return r;
  }
  return std::nullopt;
}

std::optional<std::string> filter_tools_list(std::string_view body, bool event_stream, const ToolPolicy& policy,
                                             const auth::VerifiedToken& caller) {
  std::string out;
  if (!event_stream) {
    if (!filter_message(body, out, policy, caller)) return std::nullopt;
    return out;
  }
  // Events are separated by a blank line; only their data lines are rewritten.
  std::string normalized;
  normalized.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i)
    if (body[i] != '\r') normalized += body[i];
  std::string_view rest = normalized;
  while (!rest.empty()) {
    auto end = rest.find("\n\n");
    auto event = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    std::string data, other;
    std::string_view lines = event;
    while (!lines.empty()) {
      auto nl = lines.find('\n');
      auto line = lines.substr(0, nl);
      lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
      if (line.starts_with("data:")) {
        auto value = line.substr(5);
        if (value.starts_with(' ')) value.remove_prefix(1);
        data += (data.empty() ? "" : "\n") + std::string(value);
      } else {
        other += std::string(line) + "\n";
      }
    }
    out += other;
    if (!data.empty()) {
      std::string filtered;
      if (!filter_message(data, filtered, policy, caller)) return std::nullopt;
      out += "data: " + filtered + "\n";
    }
    out += "\n";
  }
  return out;
}

ToolListStreamFilter::ToolListStreamFilter(ToolPolicy policy, auth::VerifiedToken caller, size_t max_event_bytes)
    : policy_(std::move(policy)), caller_(std::move(caller)), max_event_bytes_(max_event_bytes) {}

std::optional<std::string> ToolListStreamFilter::feed(std::string_view piece) {
  for (char c : piece)
    if (c != '\r') pending_ += c;  // CRLF line ends become LF, as filter_tools_list() reads them
  auto end = pending_.rfind("\n\n");
  if (end == std::string::npos) {
    if (pending_.size() > max_event_bytes_) return std::nullopt;
    return std::string();
  }
  auto complete = pending_.substr(0, end + 2);
  pending_.erase(0, end + 2);
  if (pending_.size() > max_event_bytes_) return std::nullopt;
  return filter_tools_list(complete, true, policy_, caller_);
}

}  // namespace mcpgate::proxy
