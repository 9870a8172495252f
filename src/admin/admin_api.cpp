#include "admin/admin_api.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <boost/url/parse_path.hpp>

#include "auth/bearer.hpp"
#include "common/strings.hpp"
#include "crypto/random.hpp"
#include "http/form.hpp"

namespace mcpgate::admin {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

using Params = std::vector<std::string>;  // the {…} segments of a route, decoded, in order
using Fields = std::map<std::string, std::string, std::less<>>;

// --- Answers ---------------------------------------------------------------------------------

Response reply(int status, const json::value& body) {
  auto r = Response::json(status, body);
  r.headers.set("Cache-Control", "no-store");
  return r;
}

Response problem(int status, std::string_view code, std::string_view message) {
  return reply(status, json::object{{"error", code}, {"message", message}});
}

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid:
      return 400;
    case ErrorCode::plan_refused:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::store_failure:
      break;
  }
  return 503;  // the store, not the request, failed: a full disk, a read-only folder, a damaged file
}

Response failure(const Error& e) { return problem(status_of(e.code), to_string(e.code), e.message); }

json::value time_or_null(const std::optional<SysTime>& t) {
  return t ? json::value(format_time(*t)) : json::value(nullptr);
}

json::value to_json(const store::Teamspace& ts) {
  return json::object{{"id", ts.id},
                      {"name", ts.name},
                      {"plan", to_string(ts.plan)},
                      {"trial_ends", time_or_null(ts.trial_ends)},
                      {"created", format_time(ts.created)}};
}

json::value to_json(const store::EntraConfig& c) {
  return json::object{{"teamspace_id", c.teamspace_id},
                      {"tenant_id", c.tenant_id},
                      {"audience", c.audience},
                      {"required_scope", c.required_scope},
                      {"updated", format_time(c.updated)}};
}

json::value to_json(const store::EntraUser& u) {
  return json::object{{"email", u.email},
                      {"oid", u.oid},
                      {"tenant_id", u.tenant_id},
                      {"user_id", u.user_id},
                      {"created", format_time(u.created)}};
}

json::value to_json(const store::Membership& m) {
  return json::object{{"email", m.user.email},
                      {"user_id", m.user.id},
                      {"role", to_string(m.role)},
                      {"created", format_time(m.created)}};
}

json::value to_json(const store::ApiKey& k) {
  return json::object{{"id", k.id},         {"teamspace_id", k.teamspace_id},    {"name", k.name},
                      {"prefix", k.prefix}, {"created", format_time(k.created)}, {"revoked", time_or_null(k.revoked)}};
}

json::value to_json(const store::NewApiKey& created) {
  auto o = to_json(created.key).as_object();
  o["secret"] = created.secret;
  o["warning"] = "the secret is shown only in this answer; store it now";
  return o;
}

json::value to_json(const store::UsageRecord& u) {
  return json::object{{"time", format_time(u.time)},
                      {"user_id", u.user_id ? json::value(*u.user_id) : json::value(nullptr)},
                      {"user", u.user_label},
                      {"tool", u.tool},
                      {"arguments", u.arguments_summary},
                      {"result_bytes", u.result_bytes},
                      {"latency_ms", u.latency_ms},
                      {"outcome", u.outcome}};
}

json::value to_json(const store::CsvRowReport& row) {
  return json::object{
      {"line", row.line}, {"email", row.email}, {"oid", row.oid}, {"ok", row.ok}, {"message", row.message}};
}

json::value to_json(const ImportResult& result) {
  json::array rows;
  for (const auto& row : result.rows) rows.push_back(to_json(row));
  return json::object{{"rows", std::move(rows)}, {"imported", result.imported}, {"failed", result.failed}};
}

json::value to_json(const TenantCheck& check) {
  return json::object{{"ok", check.ok}, {"step", check.step}, {"message", check.message}, {"issuer", check.issuer}};
}

constexpr auto as_json = [](const auto& value) { return to_json(value); };

// {"<name>": [each item as JSON]}
auto listed(std::string_view name) {
  return [name](const auto& items) {
    json::array a;
    for (const auto& item : items) a.push_back(to_json(item));
    return json::value(json::object{{name, std::move(a)}});
  };
}

template <class T, class Render>
Response answer(const Result<T>& result, int status, Render render) {
  if (!result) return failure(result.error());
  return reply(status, render(*result));
}

template <class T>
Response answer_no_content(const Result<T>& result) {
  if (!result) return failure(result.error());
  Response r;
  r.status = 204;
  r.headers.set("Cache-Control", "no-store");
  return r;
}

// --- Requests --------------------------------------------------------------------------------

std::string quoted_names(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) out.append(out.empty() ? "\"" : ", \"").append(n).append("\"");
  return out;
}

// The body's members as strings. Every name in `required` must be there; names in neither list
// are refused so that a misspelt field is reported; null counts as absent.
Result<Fields> json_fields(const Request& request, std::initializer_list<std::string_view> required,
                           std::initializer_list<std::string_view> optional = {}) {
  std::string takes =
      "the body takes " + quoted_names(required) + (optional.size() ? " and optionally " + quoted_names(optional) : "");
  boost::system::error_code ec;
  auto doc = json::parse(request.body, ec);
  if (ec || !doc.is_object()) return Error(ErrorCode::invalid, "the body is not a JSON object; " + takes);
  auto listed_in = [](std::initializer_list<std::string_view> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  Fields fields;
  for (const auto& [name, value] : doc.get_object()) {
    if (!listed_in(required, name) && !listed_in(optional, name))
      return Error(ErrorCode::invalid, "unknown member \"" + std::string(name) + "\"; " + takes);
    if (value.is_null()) continue;
    if (!value.is_string()) return Error(ErrorCode::invalid, "member \"" + std::string(name) + "\" must be a string");
    fields.emplace(std::string(name), std::string(value.get_string()));
  }
  for (auto name : required)
    if (!fields.contains(name))
      return Error(ErrorCode::invalid, "the body lacks \"" + std::string(name) + "\"; " + takes);
  return fields;
}

std::string_view field(const Fields& fields, std::string_view name) { return fields.find(name)->second; }

std::optional<std::string_view> optional_field(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::nullopt : std::optional<std::string_view>(it->second);
}

Result<http::Form> query_of(const Request& request) {
  auto form = http::parse_form(request.query);
  if (!form) return Error(ErrorCode::invalid, "the query string is not valid URL encoding");
  return std::move(*form);
}

bool is_csv_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return iequals(media, "text/csv") || iequals(media, "text/plain");
}

// --- Routes ----------------------------------------------------------------------------------

Response list_teamspaces(AdminService& s, const Request&, const Params&) {
  return answer(s.list_teamspaces(), 200, listed("teamspaces"));
}

Response create_teamspace(AdminService& s, const Request& r, const Params&) {
  auto f = json_fields(r, {"name", "plan"}, {"trial_ends"});
  if (!f) return failure(f.error());
  return answer(s.create_teamspace(field(*f, "name"), field(*f, "plan"), optional_field(*f, "trial_ends")), 201,
                as_json);
}

Response show_teamspace(AdminService& s, const Request&, const Params& p) {
  return answer(s.teamspace(p[0]), 200, as_json);
}

Response set_plan(AdminService& s, const Request& r, const Params& p) {
  auto f = json_fields(r, {"plan"}, {"trial_ends"});
  if (!f) return failure(f.error());
  return answer(s.set_plan(p[0], field(*f, "plan"), optional_field(*f, "trial_ends")), 200, as_json);
}

Response show_entra(AdminService& s, const Request&, const Params& p) { return answer(s.entra(p[0]), 200, as_json); }

Response set_entra(AdminService& s, const Request& r, const Params& p) {
  auto f = json_fields(r, {"tenant_id", "audience", "required_scope"});
  if (!f) return failure(f.error());
  store::EntraSettings settings{std::string(field(*f, "tenant_id")), std::string(field(*f, "audience")),
                                std::string(field(*f, "required_scope"))};
  return answer(s.set_entra(p[0], settings), 200, as_json);
}

Response remove_entra(AdminService& s, const Request&, const Params& p) {
  return answer_no_content(s.remove_entra(p[0]));
}

Response test_entra(AdminService& s, const Request&, const Params& p) {
  return answer(s.test_entra(p[0]), 200, as_json);
}

Response list_users(AdminService& s, const Request&, const Params& p) {
  return answer(s.users(p[0]), 200, listed("users"));
}

Response add_user(AdminService& s, const Request& r, const Params& p) {
  auto f = json_fields(r, {"email", "oid"});
  if (!f) return failure(f.error());
  return answer(s.add_user(p[0], field(*f, "email"), field(*f, "oid")), 201, as_json);
}

Response remove_user(AdminService& s, const Request&, const Params& p) {
  return answer_no_content(s.remove_user(p[0], p[1]));
}

Response import_users(AdminService& s, const Request& r, const Params& p) {
  if (auto type = r.header("Content-Type"); type && !is_csv_type(*type))
    return problem(415, "unsupported_media_type",
                   "the import takes a text/csv body (email,oid per line, header optional), not " + std::string(*type));
  auto query = query_of(r);
  if (!query) return failure(query.error());
  auto flag = query->get("all_or_nothing").value_or("false");
  if (flag != "true" && flag != "false")
    return failure(
        Error(ErrorCode::invalid, "all_or_nothing must be true or false, not \"" + std::string(flag) + "\""));
  return answer(s.import_users(p[0], r.body, flag == "true"), 200, as_json);
}

Response list_members(AdminService& s, const Request&, const Params& p) {
  return answer(s.members(p[0]), 200, listed("members"));
}

Response add_member(AdminService& s, const Request& r, const Params& p) {
  auto f = json_fields(r, {"email", "role"});
  if (!f) return failure(f.error());
  return answer(s.add_member(p[0], field(*f, "email"), field(*f, "role")), 201, as_json);
}

Response list_api_keys(AdminService& s, const Request&, const Params& p) {
  return answer(s.api_keys(p[0]), 200, listed("api_keys"));
}

Response create_api_key(AdminService& s, const Request& r, const Params& p) {
  auto f = json_fields(r, {"name"});
  if (!f) return failure(f.error());
  return answer(s.create_api_key(p[0], field(*f, "name")), 201, as_json);
}

Response revoke_api_key(AdminService& s, const Request&, const Params& p) {
  return answer_no_content(s.revoke_api_key(p[0]));
}

Response usage(AdminService& s, const Request& r, const Params& p) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  return answer(s.usage(p[0], query->get("limit")), 200, listed("usage"));
}

using Action = Response (*)(AdminService&, const Request&, const Params&);

struct Route {
  std::string_view method;
  std::string_view pattern;  // below /admin/v1; "*" is one non-empty segment, passed as a parameter
  Action action;
};

// The first route whose pattern and method match wins: users/import before users/*.
constexpr Route kRoutes[] = {
    {"GET", "teamspaces", list_teamspaces},
    {"POST", "teamspaces", create_teamspace},
    {"GET", "teamspaces/*", show_teamspace},
    {"PUT", "teamspaces/*/plan", set_plan},
    {"GET", "teamspaces/*/entra", show_entra},
    {"PUT", "teamspaces/*/entra", set_entra},
    {"DELETE", "teamspaces/*/entra", remove_entra},
    {"POST", "teamspaces/*/entra/test", test_entra},
    {"GET", "teamspaces/*/users", list_users},
    {"POST", "teamspaces/*/users", add_user},
    {"POST", "teamspaces/*/users/import", import_users},
    {"DELETE", "teamspaces/*/users/*", remove_user},
    {"GET", "teamspaces/*/members", list_members},
    {"POST", "teamspaces/*/members", add_member},
    {"GET", "teamspaces/*/api-keys", list_api_keys},
    {"POST", "teamspaces/*/api-keys", create_api_key},
    {"DELETE", "api-keys/*", revoke_api_key},
    {"GET", "teamspaces/*/usage", usage},
};

constexpr std::string_view kPrefix[] = {"admin", "v1"};

// The decoded segments after /admin/v1; nullopt when the path is not below it.
std::optional<std::vector<std::string>> route_segments(std::string_view path) {
  auto encoded = boost::urls::parse_path(path);
  if (!encoded || !encoded->is_absolute()) return std::nullopt;
  std::vector<std::string> segments;
  for (auto segment : *encoded) segments.push_back(segment.decode());
  if (segments.size() < std::size(kPrefix) || !std::equal(std::begin(kPrefix), std::end(kPrefix), segments.begin()))
    return std::nullopt;
  segments.erase(segments.begin(), segments.begin() + std::size(kPrefix));
  return segments;
}

std::optional<Params> match(std::string_view pattern, const std::vector<std::string>& segments) {
  Params params;
  size_t i = 0;
  for (size_t start = 0; start <= pattern.size(); ++i) {
    size_t end = std::min(pattern.find('/', start), pattern.size());
    auto expected = pattern.substr(start, end - start);
    if (i == segments.size()) return std::nullopt;
    if (expected == "*" && !segments[i].empty())
      params.push_back(segments[i]);
    else if (expected != segments[i])
      return std::nullopt;
    start = end + 1;
  }
  if (i != segments.size()) return std::nullopt;
  return params;
}

std::string_view bearer_problem(auth::BearerError error) {
  switch (error) {
    case auth::BearerError::missing:
      return "the request has no Authorization header";
    case auth::BearerError::duplicate_header:
      return "the request has more than one Authorization header";
    case auth::BearerError::not_bearer:
      return "the Authorization header is not a Bearer token";
    case auth::BearerError::empty:
      return "the Authorization header's Bearer token is empty";
  }
  return "the Authorization header cannot be read";
}

// 401 unless the request carries the admin token. Never echoes what was sent.
std::optional<Response> refuse_unless_admin(const Request& request, std::string_view admin_token) {
  auto presented = auth::extract_bearer(request.headers);
  if (presented && crypto::constant_time_equals(*presented, admin_token)) return std::nullopt;
  std::string why = presented ? "the admin token is wrong" : std::string(bearer_problem(presented.error()));
  auto r =
      problem(401, "unauthorized",
              why + "; send `Authorization: Bearer <admin token>` with the admin_token of the server's configuration");
  r.headers.set("WWW-Authenticate", "Bearer realm=\"mcpgate-admin\"");
  return r;
}

}  // namespace

AdminApi::AdminApi(store::Store& store, AdminApiOptions options, const Clock& clock)
    : admin_token_(std::move(options.admin_token)),
      service_(store, {std::move(options.authority), std::move(options.ca_file), options.test_timeout}, clock) {}

Response AdminApi::handle(const Request& request) {
  if (admin_token_.empty())
    return problem(404, "not_found",
                   "the admin API is disabled because admin_token is not configured; set admin_token in the server "
                   "configuration to enable it");
  if (auto refusal = refuse_unless_admin(request, admin_token_)) return std::move(*refusal);

  auto segments = route_segments(request.path);
  std::vector<std::string> allowed;
  for (const auto& route : kRoutes) {
    auto params = segments ? match(route.pattern, *segments) : std::nullopt;
    if (!params) continue;
    if (route.method == request.method) return route.action(service_, request, *params);
    allowed.emplace_back(route.method);
  }
  if (allowed.empty())
    return problem(
        404, "not_found",
        "no admin route is " + request.path + "; routes start with /admin/v1/teamspaces or /admin/v1/api-keys");
  auto r = problem(405, "method_not_allowed",
                   request.method + " is not allowed on " + request.path + "; use " + join(allowed, " or "));
  r.headers.set("Allow", join(allowed, ", "));
  return r;
}

}  // namespace mcpgate::admin
