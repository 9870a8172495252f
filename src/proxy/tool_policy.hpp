#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/verifier.hpp"
#include "http/message.hpp"

namespace mcpgate::proxy {

// Who may call a tool: members of any listed Entra group (object IDs, the `groups` claim) or
// holders of any listed app role (the `roles` claim). A rule listing neither admits no one.
struct ToolRule {
  std::string tool;  // a tool's name, or "*" for every tool no other rule names
  std::vector<std::string> groups;
  std::vector<std::string> roles;
};

// A route's per-tool authorization. No rules: every tool for everyone who passes the route.
struct ToolPolicy {
  std::vector<ToolRule> rules;
  bool empty() const { return rules.empty(); }
};

struct ToolDecision {
  bool allowed = true;
  std::string reason;  // why not, in words the user can take to an admin
};

// The rule for `tool` (its own, else "*", else none: allowed) applied to the caller. When the
// token's groups overflowed (groups_overage) a group rule cannot be judged: it refuses, and says
// that an app role is the way out (Microsoft's own advice for large tenants).
ToolDecision decide_tool(const ToolPolicy& policy, std::string_view tool, const auth::VerifiedToken& caller);

// The JSON-RPC answer refusing the first denied tools/call in `body` (one message or a batch),
// or nullopt when every call is allowed or the body calls no tool. HTTP 200 with error -32001 and
// data {reason: "tool_denied", tool}, the request's id kept.
std::optional<http::Response> refuse_denied_calls(std::string_view body, const ToolPolicy& policy,
                                                  const auth::VerifiedToken& caller);

// A tools/list answer without the tools the caller may not call, whether it came as JSON or as
// a stream of server-sent events. nullopt when the body cannot be read as either (it is then
// not forwarded: a list that cannot be filtered must not leak).
std::optional<std::string> filter_tools_list(std::string_view body, bool event_stream, const ToolPolicy& policy,
                                             const auth::VerifiedToken& caller);

// The same for a stream the gateway did not see asked for (a GET stream, or one resumed with
// Last-Event-ID, replays answers to earlier requests): events pass one by one, complete, each
// tools/list answer among them without the tools the caller may not call. Bounded: an event
// larger than max_event_bytes ends the stream.
class ToolListStreamFilter {
 public:
  // Keeps its own copies: the stream may outlive the request that opened it.
  ToolListStreamFilter(ToolPolicy policy, auth::VerifiedToken caller, size_t max_event_bytes = 4 * 1024 * 1024);
  // What may be sent now (possibly nothing); nullopt when the stream must end here: an event
  // outgrew the limit, or one could not be read (a list that cannot be filtered must not leak).
  std::optional<std::string> feed(std::string_view piece);

 private:
  ToolPolicy policy_;
  auth::VerifiedToken caller_;
  size_t max_event_bytes_;
  std::string pending_;  // the start of an event whose end has not arrived
};

}  // namespace mcpgate::proxy
