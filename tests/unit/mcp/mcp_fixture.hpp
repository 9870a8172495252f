#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "mcp/tools.hpp"

namespace mcpgate::mcp::testing {

inline json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

// The caller every test uses: teamspace 42, a user in two groups.
inline CallContext alice() {
  CallContext c;
  c.teamspace_id = 42;
  c.user = "alice@contoso.example";
  c.tenant_id = "11111111-2222-3333-4444-555555555555";
  c.oid = "aaaaaaaa-0000-0000-0000-000000000001";
  c.groups = {"docs-readers", "engineering"};
  return c;
}

inline json::object read_only_annotations() {
  return {{"readOnlyHint", true}, {"destructiveHint", false}, {"idempotentHint", true}, {"openWorldHint", true}};
}

// Four tools:
//   echo   → text "<arguments.text> for <user> in <teamspace>"
//   refuse → isError with text "refused"
//   fail   → throws std::runtime_error("backend down")
//   broken → a content item without "type" (a server bug)
inline ToolRegistry sample_tools() {
  ToolRegistry tools;
  tools.add(
      {.name = "echo",
       .title = "Echo",
       .description = "Says the text back.",
       .input_schema = parse_object(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})"),
       .annotations = read_only_annotations(),
       .handler = [](const json::object& args, const CallContext& c) {
         auto* text = args.if_contains("text");
         std::string said = text && text->is_string() ? std::string(text->get_string()) : "(nothing)";
         return ToolResult::text(said + " for " + c.user + " in " + std::to_string(c.teamspace_id));
       }});
  tools.add({.name = "refuse",
             .handler = [](const json::object&, const CallContext&) { return ToolResult::text("refused", true); }});
  tools.add({.name = "fail", .handler = [](const json::object&, const CallContext&) -> ToolResult {
               throw std::runtime_error("backend down");
             }});
  tools.add({.name = "broken", .handler = [](const json::object&, const CallContext&) {
               return ToolResult{{json::object{{"text", "no type"}}}, false};
             }});
  return tools;
}

}  // namespace mcpgate::mcp::testing
