#include "server/docs_tools.hpp"

#include <boost/json.hpp>

#include "docs/formats.hpp"

namespace mcpgate::server {
namespace json = boost::json;

namespace {

json::object annotations() {
  return json::object{
      {"readOnlyHint", true}, {"destructiveHint", false}, {"idempotentHint", true}, {"openWorldHint", true}};
}

json::object string_property(const char* description) {
  return json::object{{"type", "string"}, {"description", description}};
}

const char* json_type(const json::value* v) {
  if (!v) return "undefined";
  switch (v->kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    default:
      return "number";
  }
}

// Canonical keys win; an alias fills in only when the canonical key is missing.
const json::value* argument(const json::object& args, const char* key, std::initializer_list<const char*> aliases) {
  if (auto* v = args.if_contains(key)) return v;
  for (auto* alias : aliases)
    if (auto* v = args.if_contains(alias)) return v;
  return nullptr;
}

// Zod's wording, which clients and models have seen from Context7.
void expect_string(const char* key, const json::value* v, std::string& issues) {
  if (v && v->is_string()) return;
  if (!issues.empty()) issues += "; ";
  issues += std::string(key) + ": Invalid input: expected string, received " + json_type(v);
}

mcp::ToolResult validation_error(const char* tool, const std::string& issues) {
  return mcp::ToolResult::text(
      std::string("Input validation error: Invalid arguments for tool ") + tool + ": " + issues, true);
}

std::string failure_text(const docs::DocsFailure& f) {
  if (!f.message.empty()) return f.message;
  if (f.status == 404)
    return "The library you are trying to access does not exist. Please try with a different library ID.";
  return "Request failed with status " + std::to_string(f.status) + ". Please try again later.";
}

std::optional<mcp::ToolResult> rate_limited(http::RateLimiter& limiter, const mcp::CallContext& context) {
  auto decision = limiter.take(rate_key(context));
  if (decision.allowed) return std::nullopt;
  return mcp::ToolResult::text("Rate limited or quota exceeded. Your limit is " + std::to_string(decision.limit) +
                                   " requests; try again in " + std::to_string(decision.retry_after_seconds) +
                                   " seconds.",
                               true);
}

docs::Viewer viewer_of(const mcp::CallContext& context) { return docs::Viewer{context.teamspace_id, context.groups}; }

mcp::ToolResult answer_context(docs::DocsService& service, const std::string& library, const std::string& query,
                               int tokens, const mcp::CallContext& context) {
  auto answer = service.context(library, query, tokens, viewer_of(context));
  if (!answer) {
    if (answer.error().code == "no_snippets_found")
      return mcp::ToolResult::text(
          "Documentation not found for " + library +
          " and this query. Use resolve-library-id "
          "to get a valid Context7-compatible library ID, or ask about one concept per query.");
    return mcp::ToolResult::text(failure_text(answer.error()), true);
  }
  return mcp::ToolResult::text(docs::context_text(answer->library.info, answer->snippets));
}

}  // namespace

std::string rate_key(const mcp::CallContext& context) {
  if (!context.oid.empty()) return std::to_string(context.teamspace_id) + "/" + context.tenant_id + "/" + context.oid;
  return std::to_string(context.teamspace_id) + "/" + context.user;
}

void install_docs_tools(mcp::ToolRegistry& tools, docs::DocsService& service, http::RateLimiter& limiter,
                        DocsToolOptions options) {
  mcp::Tool resolve;
  resolve.name = "resolve-library-id";
  resolve.title = "Resolve Context7 Library ID";
  resolve.description =
      "Resolves a package or product name to a Context7-compatible library ID and returns matching libraries.\n\n"
      "Call this first to obtain a valid library ID before query-docs, unless the user gives an ID in the form "
      "'/org/project' or '/org/project/version'.\n\n"
      "Each result shows: Library ID (the form /org/project), Name, Description, Code Snippets (how many examples "
      "are indexed), Source Reputation (High, Medium, Low or Unknown), Benchmark Score (quality of answers, 100 is "
      "best) and Versions (pin one as /org/project/version).\n\n"
      "Pick the library whose name matches best, then prefer higher reputation, more snippets and a higher benchmark "
      "score. Do not call this tool more than 3 times per question.";
  resolve.input_schema = json::object{
      {"type", "object"},
      {"properties",
       json::object{{"query", string_property("The question or task you need help with; used to rank libraries by "
                                              "relevance. Do not include secrets or personal data.")},
                    {"libraryName", string_property("Library name to search for, with its official punctuation, e.g. "
                                                    "'Next.js' rather than 'nextjs'.")}}},
      {"required", json::array{"query", "libraryName"}}};
  resolve.annotations = annotations();
  resolve.handler = [&service, &limiter](const json::object& args, const mcp::CallContext& context) {
    auto* query = argument(args, "query", {"userQuery", "question"});
    auto* name = argument(args, "libraryName", {});
    std::string issues;
    expect_string("query", query, issues);
    expect_string("libraryName", name, issues);
    if (!issues.empty()) return validation_error("resolve-library-id", issues);
    if (auto refused = rate_limited(limiter, context)) return *refused;
    auto answer = service.resolve(std::string(name->as_string()), std::string(query->as_string()), viewer_of(context));
    std::vector<const docs::LibraryRecord*> found;
    found.reserve(answer.libraries.size());
    for (auto& l : answer.libraries) found.push_back(&l);
    return mcp::ToolResult::text(docs::resolve_text(found, answer.filter_applied));
  };
  tools.add(std::move(resolve));

  mcp::Tool query_docs;
  query_docs.name = "query-docs";
  query_docs.title = "Query Documentation";
  query_docs.description =
      "Retrieves up-to-date documentation and code examples for a library, for the question asked.\n\n"
      "Call resolve-library-id first to obtain the library ID, unless the user gives one in the form '/org/project' "
      "or '/org/project/version'. Ask about one concept per call. Do not call this tool more than 3 times per "
      "question.";
  query_docs.input_schema = json::object{
      {"type", "object"},
      {"properties",
       json::object{
           {"libraryId",
            string_property("Exact Context7-compatible library ID (e.g. '/mongodb/docs', '/vercel/next.js', "
                            "'/supabase/supabase', '/vercel/next.js/v14.3.0-canary.87') from "
                            "resolve-library-id or given by the user.")},
           {"query", string_property("The question or task to find documentation for, one concept per call. Do not "
                                     "include secrets or personal data.")}}},
      {"required", json::array{"libraryId", "query"}}};
  query_docs.annotations = annotations();
  query_docs.handler = [&service, &limiter, options](const json::object& args, const mcp::CallContext& context) {
    auto* library = argument(args, "libraryId", {"context7CompatibleLibraryID", "libraryID", "libraryName"});
    auto* query = argument(args, "query", {"userQuery", "question"});
    std::string issues;
    expect_string("libraryId", library, issues);
    expect_string("query", query, issues);
    if (!issues.empty()) return validation_error("query-docs", issues);
    if (auto refused = rate_limited(limiter, context)) return *refused;
    return answer_context(service, std::string(library->as_string()), std::string(query->as_string()),
                          options.default_tokens, context);
  };
  tools.add(std::move(query_docs));

  mcp::Tool legacy;
  legacy.name = "get-library-docs";
  legacy.title = "Get Library Docs (deprecated)";
  legacy.description =
      "Deprecated: use query-docs. Fetches documentation for a Context7-compatible library ID, optionally focused on "
      "a topic, within a token budget.";
  legacy.input_schema = json::object{
      {"type", "object"},
      {"properties",
       json::object{{"context7CompatibleLibraryID", string_property("Exact Context7-compatible library ID, e.g. "
                                                                    "'/vercel/next.js'.")},
                    {"topic", string_property("Topic to focus on, e.g. 'routing' or 'hooks'.")},
                    {"tokens", json::object{{"type", "number"},
                                            {"description", "Maximum number of tokens of documentation to return."}}}}},
      {"required", json::array{"context7CompatibleLibraryID"}}};
  legacy.annotations = annotations();
  legacy.handler = [&service, &limiter, options](const json::object& args, const mcp::CallContext& context) {
    auto* library = argument(args, "context7CompatibleLibraryID", {"libraryId", "libraryID"});
    std::string issues;
    expect_string("context7CompatibleLibraryID", library, issues);
    auto* topic = args.if_contains("topic");
    if (topic && !topic->is_string()) expect_string("topic", topic, issues);
    int tokens = options.default_tokens;
    if (auto* t = args.if_contains("tokens")) {
      if (!t->is_number()) {
        if (!issues.empty()) issues += "; ";
        issues += std::string("tokens: Invalid input: expected number, received ") + json_type(t);
      } else {
        tokens = std::clamp(int(t->to_number<double>()), 1000, options.max_tokens);
      }
    }
    if (!issues.empty()) return validation_error("get-library-docs", issues);
    if (auto refused = rate_limited(limiter, context)) return *refused;
    // Without a topic the old tool gave an overview; a query for the basics does that here.
    std::string query = topic && !topic->as_string().empty() ? std::string(topic->as_string())
                                                             : "getting started installation usage example";
    return answer_context(service, std::string(library->as_string()), query, tokens, context);
  };
  tools.add(std::move(legacy));
}

}  // namespace mcpgate::server
