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
#include "store/validation.hpp"

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
  return json::object{{"id", k.id},
                      {"teamspace_id", k.teamspace_id},
                      {"name", k.name},
                      {"prefix", k.prefix},
                      {"created", format_time(k.created)},
                      {"revoked", time_or_null(k.revoked)},
                      {"owner", k.owner_email ? json::value(*k.owner_email) : json::value(nullptr)},
                      {"last_used", time_or_null(k.last_used)}};
}

json::value to_json(const store::UsageCount& c) {
  return json::object{{"day", c.day}, {"user", c.user_label}, {"tool", c.tool}, {"calls", c.calls}};
}

json::value to_json(const store::AuditEntry& e) {
  return json::object{{"id", e.id},
                      {"time", format_time(e.time)},
                      {"teamspace", e.teamspace},
                      {"actor_oid", e.actor_oid},
                      {"actor", e.actor_email},
                      {"channel", e.channel},
                      {"action", e.action},
                      {"detail", e.detail}};
}

json::value to_json(const store::MemberOf& m) {
  auto o = to_json(m.teamspace).as_object();
  o["role"] = to_string(m.role);
  return o;
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

Response list_teamspaces(AdminService& s, const Request&, const Params&, const Caller&) {
  return answer(s.list_teamspaces(), 200, listed("teamspaces"));
}

Response create_teamspace(AdminService& s, const Request& r, const Params&, const Caller&) {
  auto f = json_fields(r, {"name", "plan"}, {"trial_ends"});
  if (!f) return failure(f.error());
  return answer(s.create_teamspace(field(*f, "name"), field(*f, "plan"), optional_field(*f, "trial_ends")), 201,
                as_json);
}

Response show_teamspace(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer(s.teamspace(p[0]), 200, as_json);
}

Response set_plan(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto f = json_fields(r, {"plan"}, {"trial_ends"});
  if (!f) return failure(f.error());
  return answer(s.set_plan(p[0], field(*f, "plan"), optional_field(*f, "trial_ends")), 200, as_json);
}

Response show_entra(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer(s.entra(p[0]), 200, as_json);
}

Response set_entra(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto f = json_fields(r, {"tenant_id", "audience", "required_scope"});
  if (!f) return failure(f.error());
  store::EntraSettings settings{std::string(field(*f, "tenant_id")), std::string(field(*f, "audience")),
                                std::string(field(*f, "required_scope"))};
  return answer(s.set_entra(p[0], settings), 200, as_json);
}

Response remove_entra(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer_no_content(s.remove_entra(p[0]));
}

Response test_entra(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer(s.test_entra(p[0]), 200, as_json);
}

Response add_user(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto f = json_fields(r, {"email", "oid"});
  if (!f) return failure(f.error());
  return answer(s.add_user(p[0], field(*f, "email"), field(*f, "oid")), 201, as_json);
}

Response remove_user(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer_no_content(s.remove_user(p[0], p[1]));
}

Response import_users(AdminService& s, const Request& r, const Params& p, const Caller&) {
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

Response list_members(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer(s.members(p[0]), 200, listed("members"));
}

Response add_member(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto f = json_fields(r, {"email", "role"});
  if (!f) return failure(f.error());
  return answer(s.add_member(p[0], field(*f, "email"), field(*f, "role")), 201, as_json);
}

Response revoke_api_key(AdminService& s, const Request&, const Params& p, const Caller&) {
  return answer_no_content(s.revoke_api_key(p[0]));
}

Response usage(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  return answer(s.usage(p[0], query->get("limit")), 200, listed("usage"));
}

// --- Routes for signed-in people: narrowed to what is theirs ------------------------------------

Response forbidden(const std::string& message) { return problem(403, "forbidden", message); }

// Owners and admins see the teamspace's keys and usage; developers their own.
bool sees_everything_in(const Caller& c, const store::Teamspace& ts) {
  auto role = role_of(c, ts.id);
  return role && *role != store::Role::developer;
}

Response me(AdminService& s, const Request&, const Params&, const Caller& c) {
  json::array teamspaces;
  if (c.installation_admin) {
    auto all = s.list_teamspaces();
    if (!all) return failure(all.error());
    for (const auto& ts : *all) {
      auto o = to_json(ts).as_object();
      o["role"] = to_string(role_of(c, ts.id).value_or(store::Role::owner));
      teamspaces.push_back(std::move(o));
    }
  } else {
    auto mine = s.teamspaces_of(c.actor.email);
    if (!mine) return failure(mine.error());
    for (const auto& m : *mine) teamspaces.push_back(to_json(m));
  }
  return reply(200, json::object{{"email", c.actor.email},
                                 {"oid", c.actor.oid},
                                 {"installation_admin", c.installation_admin},
                                 {"teamspaces", std::move(teamspaces)}});
}

Response list_my_teamspaces(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  if (c.installation_admin) return list_teamspaces(s, r, p, c);
  auto mine = s.teamspaces_of(c.actor.email);
  if (!mine) return failure(mine.error());
  json::array a;
  for (const auto& m : *mine) a.push_back(to_json(m.teamspace));
  return reply(200, json::object{{"teamspaces", std::move(a)}});
}

std::optional<size_t> bounded_number(std::optional<std::string_view> text, size_t fallback, size_t max) {
  if (!text) return fallback;
  if (text->empty() || text->size() > 9 ||
      !std::all_of(text->begin(), text->end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  auto n = size_t(std::stoul(std::string(*text)));
  return n <= max ? std::optional(n) : std::nullopt;
}

constexpr size_t kMaxPage = 1000;

Response list_users_page(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  auto offset = bounded_number(query->get("offset"), 0, 1'000'000'000);
  auto limit = bounded_number(query->get("limit"), kMaxPage, kMaxPage);
  if (!offset || !limit || *limit == 0)
    return failure(
        Error(ErrorCode::invalid, "offset must be a whole number and limit one from 1 to " + std::to_string(kMaxPage)));
  auto users = s.users(p[0]);
  if (!users) return failure(users.error());
  std::string needle = to_lower(query->get("q").value_or(""));
  json::array page;
  size_t total = 0;
  for (const auto& u : *users) {
    if (!needle.empty() && u.email.find(needle) == std::string::npos && u.oid.find(needle) == std::string::npos)
      continue;
    if (total >= *offset && page.size() < *limit) page.push_back(to_json(u));
    ++total;
  }
  return reply(200, json::object{{"users", std::move(page)}, {"total", total}, {"offset", *offset}});
}

Response csv_answer(std::string text, std::string_view filename) {
  auto r = Response::text(200, std::move(text), "text/csv; charset=utf-8");
  r.headers.set("Content-Disposition", "attachment; filename=\"" + std::string(filename) + "\"");
  r.headers.set("Cache-Control", "no-store");
  return r;
}

Response export_users(AdminService& s, const Request&, const Params& p, const Caller&) {
  auto users = s.users(p[0]);
  if (!users) return failure(users.error());
  std::string csv = "email,oid\r\n";
  for (const auto& u : *users) csv += csv_cell(u.email) + "," + csv_cell(u.oid) + "\r\n";
  return csv_answer(std::move(csv), "entra-users.csv");
}

Response import_users_checked(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  auto check = query->get("check").value_or("false");
  if (check != "true" && check != "false")
    return failure(Error(ErrorCode::invalid, "check must be true or false, not \"" + std::string(check) + "\""));
  if (check == "false") return import_users(s, r, p, c);
  if (auto type = r.header("Content-Type"); type && !is_csv_type(*type))
    return problem(415, "unsupported_media_type",
                   "the import takes a text/csv body (email,oid per line, header optional), not " + std::string(*type));
  return answer(s.import_users(p[0], r.body, store::ImportMode::check_only), 200, as_json);
}

Response list_api_keys_of(AdminService& s, const Request&, const Params& p, const Caller& c) {
  auto ts = s.teamspace(p[0]);
  if (!ts) return failure(ts.error());
  auto keys = s.api_keys(p[0]);
  if (!keys) return failure(keys.error());
  json::array a;
  for (const auto& k : *keys)
    if (sees_everything_in(c, *ts) || k.owner_email == c.actor.email) a.push_back(to_json(k));
  return reply(200, json::object{{"api_keys", std::move(a)}});
}

Response create_api_key_for(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  auto f = json_fields(r, {"name"});
  if (!f) return failure(f.error());
  // A signed-in person's key is theirs; the admin token's belongs to the teamspace.
  std::optional<std::string> owner;
  if (!c.actor.oid.empty()) owner = c.actor.email;
  return answer(s.create_api_key(p[0], field(*f, "name"), owner), 201, as_json);
}

Response revoke_teamspace_api_key(AdminService& s, const Request&, const Params& p, const Caller& c) {
  auto ts = s.teamspace(p[0]);
  if (!ts) return failure(ts.error());
  auto keys = s.api_keys(p[0]);
  if (!keys) return failure(keys.error());
  auto key = std::find_if(keys->begin(), keys->end(), [&](const auto& k) { return std::to_string(k.id) == p[1]; });
  if (key == keys->end()) return problem(404, "not_found", "teamspace " + ts->name + " has no API key with id " + p[1]);
  if (!sees_everything_in(c, *ts) && key->owner_email != c.actor.email)
    return forbidden("API key " + p[1] + " is not yours; a teamspace owner or admin can revoke it");
  return answer_no_content(s.revoke_api_key(p[1]));
}

Response add_member_checked(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  auto f = json_fields(r, {"email", "role"});
  if (!f) return failure(f.error());
  auto ts = s.teamspace(p[0]);
  if (!ts) return failure(ts.error());
  auto members = s.members(p[0]);
  if (!members) return failure(members.error());
  const bool caller_owns = role_of(c, ts->id) == store::Role::owner;
  const bool makes_owner = iequals(field(*f, "role"), "owner");
  auto email = to_lower(trim(field(*f, "email")));
  auto target = std::find_if(members->begin(), members->end(), [&](const auto& m) { return m.user.email == email; });
  const bool target_owns = target != members->end() && target->role == store::Role::owner;
  // Only owners make owners or change an owner's role; an admin could otherwise take over.
  if ((makes_owner || target_owns) && !caller_owns)
    return forbidden("only an owner of teamspace " + ts->name + " can make someone an owner or change an owner's role");
  if (target_owns && !makes_owner &&
      std::count_if(members->begin(), members->end(), [](const auto& m) { return m.role == store::Role::owner; }) == 1)
    return problem(409, "conflict",
                   email + " is the last owner of teamspace " + ts->name + "; make someone else owner first");
  return add_member(s, r, p, c);
}

// A developer's usage is what they did themselves.
bool counts_for(const Caller& c, const store::Teamspace& ts, const std::string& user_label) {
  return sees_everything_in(c, ts) || user_label == c.actor.email;
}

// The usage report of ?from&to, with what the caller may see of it.
struct VisibleUsage {
  std::vector<store::UsageCount> counts;
  std::vector<store::UsageRecord> recent;
  bool own_only = false;
};

Result<VisibleUsage> visible_usage(AdminService& s, const Request& r, const std::string& teamspace, const Caller& c) {
  auto query = query_of(r);
  if (!query) return query.error();
  auto ts = s.teamspace(teamspace);
  if (!ts) return ts.error();
  auto report = s.usage_report(teamspace, query->get("from"), query->get("to"));
  if (!report) return report.error();
  VisibleUsage usage{{}, {}, !sees_everything_in(c, *ts)};
  for (auto& count : report->counts)
    if (counts_for(c, *ts, count.user_label)) usage.counts.push_back(std::move(count));
  for (auto& record : report->recent)
    if (counts_for(c, *ts, record.user_label)) usage.recent.push_back(std::move(record));
  return usage;
}

Response usage_report(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  auto usage = visible_usage(s, r, p[0], c);
  if (!usage) return failure(usage.error());
  json::array counts, recent;
  for (const auto& count : usage->counts) counts.push_back(to_json(count));
  for (const auto& record : usage->recent) recent.push_back(to_json(record));
  return reply(
      200, json::object{{"counts", std::move(counts)}, {"recent", std::move(recent)}, {"own_only", usage->own_only}});
}

Response export_usage(AdminService& s, const Request& r, const Params& p, const Caller& c) {
  auto usage = visible_usage(s, r, p[0], c);
  if (!usage) return failure(usage.error());
  std::string csv = "day,user,tool,calls\r\n";
  for (const auto& count : usage->counts)
    csv += count.day + "," + csv_cell(count.user_label) + "," + csv_cell(count.tool) + "," +
           std::to_string(count.calls) + "\r\n";
  return csv_answer(std::move(csv), "usage.csv");
}

Response audit_of(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  return answer(s.audit_log(p.empty() ? "" : p[0], query->get("limit")), 200, listed("audit"));
}

Response export_audit(AdminService& s, const Request& r, const Params& p, const Caller&) {
  auto query = query_of(r);
  if (!query) return failure(query.error());
  std::string most = std::to_string(kMaxAuditLimit);
  auto entries = s.audit_log(p.empty() ? "" : p[0], query->get("limit").value_or(most));
  if (!entries) return failure(entries.error());
  std::string csv = "id,time,teamspace,actor,actor_oid,channel,action,detail\r\n";
  for (const auto& e : *entries)
    csv += std::to_string(e.id) + "," + format_time(e.time) + "," + csv_cell(e.teamspace) + "," +
           csv_cell(e.actor_email) + "," + csv_cell(e.actor_oid) + "," + csv_cell(e.channel) + "," +
           csv_cell(e.action) + "," + csv_cell(e.detail) + "\r\n";
  return csv_answer(std::move(csv), "audit.csv");
}

struct BuiltinRoute {
  std::string_view method;
  std::string_view pattern;
  Access access;
  Response (*action)(AdminService&, const Request&, const Params&, const Caller&);
};

// The first route whose pattern and method match wins: users/import before users/*.
constexpr BuiltinRoute kRoutes[] = {
    {"GET", "me", Access::anyone, me},
    {"GET", "teamspaces", Access::anyone, list_my_teamspaces},
    {"POST", "teamspaces", Access::installation, create_teamspace},
    {"GET", "teamspaces/*", Access::member, show_teamspace},
    {"PUT", "teamspaces/*/plan", Access::installation, set_plan},
    {"GET", "teamspaces/*/entra", Access::manage, show_entra},
    {"PUT", "teamspaces/*/entra", Access::manage, set_entra},
    {"DELETE", "teamspaces/*/entra", Access::manage, remove_entra},
    {"POST", "teamspaces/*/entra/test", Access::manage, test_entra},
    {"GET", "teamspaces/*/users", Access::manage, list_users_page},
    {"POST", "teamspaces/*/users", Access::manage, add_user},
    {"POST", "teamspaces/*/users/import", Access::manage, import_users_checked},
    {"DELETE", "teamspaces/*/users/*", Access::manage, remove_user},
    {"GET", "teamspaces/*/users.csv", Access::manage, export_users},
    {"GET", "teamspaces/*/members", Access::manage, list_members},
    {"POST", "teamspaces/*/members", Access::manage, add_member_checked},
    {"GET", "teamspaces/*/api-keys", Access::member, list_api_keys_of},
    {"POST", "teamspaces/*/api-keys", Access::member, create_api_key_for},
    {"DELETE", "teamspaces/*/api-keys/*", Access::member, revoke_teamspace_api_key},
    {"DELETE", "api-keys/*", Access::installation, revoke_api_key},
    {"GET", "teamspaces/*/usage", Access::manage, usage},
    {"GET", "teamspaces/*/usage/report", Access::member, usage_report},
    {"GET", "teamspaces/*/usage.csv", Access::member, export_usage},
    {"GET", "teamspaces/*/audit", Access::manage, audit_of},
    {"GET", "teamspaces/*/audit.csv", Access::manage, export_audit},
    {"GET", "audit", Access::installation, audit_of},
    {"GET", "audit.csv", Access::installation, export_audit},
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

// Whether `c` may take a route: nullopt if so, else the refusal. {ts} routes resolve the
// teamspace first, so a name and an id are judged alike.
std::optional<Response> refuse_access(AdminService& s, Access access, const Params& params, const Caller& c) {
  if (c.installation_admin || access == Access::anyone) return std::nullopt;
  if (access == Access::installation)
    return forbidden(
        "this needs an installation owner (named in the server's dashboard configuration) or the admin token");
  auto ts = s.teamspace(params.at(0));
  auto role = ts ? role_of(c, ts->id) : std::nullopt;
  if (!ts || !role)
    return problem(404, "not_found",
                   "no teamspace " + store::in_quotes(params.at(0)) + " of yours; ask one of its owners to add you");
  if (access == Access::manage && *role == store::Role::developer)
    return forbidden("this needs the owner or admin role in teamspace " + ts->name + "; yours is developer");
  return std::nullopt;
}

}  // namespace

Response problem(int status, std::string_view code, std::string_view message) {
  return reply(status, json::object{{"error", code}, {"message", message}});
}

namespace {

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
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::store_failure:
      break;
  }
  return 503;  // the store, not the request, failed: a full disk, a read-only folder, a damaged file
}

}  // namespace

Response failure(const Error& e) { return problem(status_of(e.code), to_string(e.code), e.message); }

std::optional<store::Role> role_of(const Caller& caller, int64_t teamspace_id) {
  auto it = caller.roles.find(teamspace_id);
  if (it != caller.roles.end()) return it->second;
  if (caller.installation_admin) return store::Role::owner;
  return std::nullopt;
}

std::string csv_cell(std::string_view value) {
  std::string text(value);
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) text.insert(0, "'");
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  return quoted + "\"";
}

AdminApi::AdminApi(store::Store& store, AdminApiOptions options, const Clock& clock)
    : admin_token_(std::move(options.admin_token)),
      service_(store, {std::move(options.authority), std::move(options.ca_file), options.test_timeout}, clock) {
  for (const auto& route : kRoutes)
    routes_.push_back({std::string(route.method), std::string(route.pattern), route.access, route.action});
}

void AdminApi::add_route(std::string method, std::string pattern, Access access, Action action) {
  routes_.push_back({std::move(method), std::move(pattern), access, std::move(action)});
}

Response AdminApi::handle(const Request& request) {
  if (admin_token_.empty())
    return problem(404, "not_found",
                   "the admin API is disabled because admin_token is not configured; set admin_token in the server "
                   "configuration to enable it");
  if (auto refusal = refuse_unless_admin(request, admin_token_)) return std::move(*refusal);
  return handle(request, Caller{Actor{"", "admin token", "api"}, true, {}});
}

Response AdminApi::handle(const Request& request, const Caller& caller) {
  auto segments = route_segments(request.path);
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    auto params = segments ? match(route.pattern, *segments) : std::nullopt;
    if (!params) continue;
    if (route.method != request.method) {
      allowed.emplace_back(route.method);
      continue;
    }
    auto service = service_.acting_as(caller.actor);
    if (auto refusal = refuse_access(service, route.access, *params, caller)) return std::move(*refusal);
    return route.action(service, request, *params, caller);
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
