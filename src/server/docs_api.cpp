#include "server/docs_api.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "docs/formats.hpp"
#include "http/form.hpp"

namespace mcpgate::server {
namespace json = boost::json;

namespace {

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A `tokens` parameter within [1000, max] (Context7's minimum), the default when absent, or -1
// when it is not a whole number.
int token_budget(std::optional<std::string_view> given, int fallback, int max) {
  if (!given) return fallback;
  int value = 0;
  auto [end, ec] = std::from_chars(given->data(), given->data() + given->size(), value);
  if (ec != std::errc() || end != given->data() + given->size()) return -1;
  return std::clamp(value, 1000, max);
}

std::string caller_key(const Principal& p, const http::Request& request) {
  if (!p.oid.empty()) return std::to_string(p.teamspace_id) + "/" + p.tenant_id + "/" + p.oid;
  if (p.teamspace_id == 0) return "anonymous/" + request.remote_address;  // no user to charge: the address stands in
  return std::to_string(p.teamspace_id) + "/" + p.label;
}

}  // namespace

http::Response api_error(int status, const std::string& code, const std::string& message) {
  return http::Response::json(status, json::object{{"error", code}, {"message", message}});
}

DocsApi::DocsApi(docs::DocsService& service, store::Store& store, http::RateLimiter& limiter, DocsApiOptions options)
    : service_(service), store_(store), limiter_(limiter), options_(options) {}

bool DocsApi::is_public(const http::Request& request) const {
  const auto& p = request.path;
  return p == "/api/health" || p == "/api/auth/mcp" || p.rfind("/api/v2/entra/config/", 0) == 0 ||
         (options_.public_search && p == "/api/v2/libs/search");
}

http::Response DocsApi::handle(const http::Request& request, const std::optional<Principal>& caller) {
  const auto& path = request.path;
  if (request.method != "GET" && request.method != "HEAD")
    return api_error(405, "method_not_allowed", "the documentation API answers GET requests only");
  if (path == "/api/health")
    return http::Response::json(200,
                                json::object{{"status", "ok"}, {"libraries", service_.index().libraries().size()}});
  if (path == "/api/auth/mcp") return http::Response::json(200, json::object{{"enabled", true}});
  if (path.rfind("/api/v2/entra/config/", 0) == 0)
    return entra_config(percent_decoded(path.substr(std::string_view("/api/v2/entra/config/").size())));

  Principal who = caller.value_or(Principal{});
  auto decision = limiter_.take(caller_key(who, request));
  http::Response response;
  if (!decision.allowed) {
    response = api_error(429, "rate_limit_exceeded",
                         "Rate limit exceeded: " + std::to_string(decision.limit) +
                             " requests per window for each user. "
                             "Try again in " +
                             std::to_string(decision.retry_after_seconds) + " seconds.");
  } else {
    docs::Viewer viewer{who.teamspace_id, who.groups};
    auto form = http::parse_form(request.query);
    if (!form) {
      response = api_error(400, "validation_error", "the query string is not valid URL encoding");
    } else if (path == "/api/v2/libs/search") {
      response = search(*form, viewer);
    } else if (path == "/api/v2/context") {
      auto library = form->get("libraryId");
      auto query = form->get("query");
      int budget = token_budget(form->get("tokens"), options_.default_tokens, options_.max_tokens);
      if (!library || library->empty())
        response = api_error(400, "validation_error", "libraryId is required, e.g. libraryId=/nodejs/node");
      else if (!query || query->empty() || query->size() > 500)
        response = api_error(400, "validation_error", "query is required (1 to 500 characters)");
      else if (budget < 0)
        response = api_error(400, "validation_error", "tokens must be a whole number");
      else
        response = context(request, viewer, std::string(*library), std::string(*query), budget,
                           std::string(form->get("type").value_or("txt")));
    } else if (path.rfind("/api/v1/", 0) == 0) {
      // Legacy: /api/v1/{owner}/{repo}[/{tag}]?tokens=&topic=&type=txt
      std::string library = percent_decoded(path.substr(7));
      int budget = token_budget(form->get("tokens"), options_.v1_default_tokens, options_.max_tokens);
      std::string topic(form->get("topic").value_or(""));
      if (budget < 0)
        response = api_error(400, "validation_error", "tokens must be a whole number");
      else
        response =
            context(request, viewer, library, topic.empty() ? "getting started installation usage example" : topic,
                    budget, std::string(form->get("type").value_or("txt")));
    } else {
      response = api_error(404, "not_found",
                           "no such API route; the documentation API serves /api/v2/libs/search, /api/v2/context, "
                           "/api/v1/{owner}/{repo}[/{tag}], /api/v2/entra/config/{audience}, /api/auth/mcp and "
                           "/api/health");
    }
  }
  if (limiter_.enabled()) decision.apply(response.headers);
  return response;
}

http::Response DocsApi::search(const http::Form& form, const docs::Viewer& viewer) {
  std::string name(form.get("libraryName").value_or(""));
  std::string query(form.get("query").value_or(""));
  if (name.size() > 500 || query.size() > 500)
    return api_error(400, "validation_error", "libraryName and query are limited to 500 characters each");
  if (name.empty() && query.empty())
    return api_error(400, "validation_error", "give libraryName (e.g. libraryName=fastify), query, or both");
  auto answer = service_.resolve(name, query, viewer);
  json::array results;
  for (auto& library : answer.libraries) results.push_back(docs::library_json(library));
  return http::Response::json(
      200, json::object{{"results", std::move(results)}, {"searchFilterApplied", answer.filter_applied}});
}

http::Response DocsApi::context(const http::Request& request, const docs::Viewer& viewer, const std::string& library,
                                const std::string& query, int tokens, const std::string& type) {
  if (type != "txt" && type != "json")
    return api_error(400, "validation_error", "type must be txt (Markdown, the default) or json");
  auto answer = service_.context(library, query, tokens, viewer);
  if (!answer) return api_error(answer.error().status, answer.error().code, answer.error().message);
  if (type == "json") return http::Response::json(200, docs::context_json(answer->library.info, answer->snippets));
  return http::Response::text(200, docs::context_text(answer->library.info, answer->snippets));
}

http::Response DocsApi::entra_config(const std::string& audience) {
  auto configs = store_.teamspaces_for_audience(audience);
  if (!configs) return api_error(500, "internal_error", "the store is unavailable: " + configs.error().message);
  if (configs->empty()) return api_error(404, "not_found", "no teamspace accepts tokens for audience " + audience);
  auto& c = configs->front();
  return http::Response::json(200, json::object{{"tenantId", c.tenant_id}, {"requiredScope", c.required_scope}});
}

}  // namespace mcpgate::server
