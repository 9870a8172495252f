#include "admin/admin_client.hpp"

#include <utility>

#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "common/strings.hpp"

namespace mcpgate::admin {
namespace json = boost::json;

namespace {

constexpr size_t kPage = 1000;  // the server's largest page of users

ErrorCode code_named(std::string_view name) {
  for (auto code : {ErrorCode::invalid, ErrorCode::not_found, ErrorCode::conflict, ErrorCode::plan_refused,
                    ErrorCode::store_failure, ErrorCode::unauthorized})
    if (to_string(code) == name) return code;
  return ErrorCode::invalid;
}

std::string text(const json::object& o, std::string_view name) {
  auto value = auth::json_string(o, name);
  return value.value_or("");
}

SysTime time_of(const json::object& o, std::string_view name) { return parse_time(text(o, name)).value_or(SysTime{}); }

std::optional<SysTime> optional_time(const json::object& o, std::string_view name) {
  auto* value = o.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return parse_time(value->get_string());
}

int64_t number(const json::object& o, std::string_view name) { return auth::json_int(o, name).value_or(0); }

store::Teamspace teamspace_from(const json::object& o) {
  return {.id = number(o, "id"),
          .name = text(o, "name"),
          .plan = store::parse_plan(text(o, "plan")).value_or(store::Plan::free),
          .trial_ends = optional_time(o, "trial_ends"),
          .created = time_of(o, "created")};
}

store::EntraConfig entra_from(const json::object& o) {
  return {.teamspace_id = number(o, "teamspace_id"),
          .tenant_id = text(o, "tenant_id"),
          .audience = text(o, "audience"),
          .required_scope = text(o, "required_scope"),
          .updated = time_of(o, "updated")};
}

store::EntraUser user_from(const json::object& o) {
  return {.teamspace_id = 0,
          .user_id = number(o, "user_id"),
          .email = text(o, "email"),
          .tenant_id = text(o, "tenant_id"),
          .oid = text(o, "oid"),
          .created = time_of(o, "created")};
}

store::Membership member_from(const json::object& o) {
  return {.teamspace_id = 0,
          .user = {.id = number(o, "user_id"), .email = text(o, "email"), .created = {}},
          .role = store::parse_role(text(o, "role")).value_or(store::Role::developer),
          .created = time_of(o, "created")};
}

store::ApiKey key_from(const json::object& o) {
  store::ApiKey k{.id = number(o, "id"),
                  .teamspace_id = number(o, "teamspace_id"),
                  .name = text(o, "name"),
                  .prefix = text(o, "prefix"),
                  .created = time_of(o, "created"),
                  .revoked = optional_time(o, "revoked"),
                  .owner_email = std::nullopt,
                  .last_used = optional_time(o, "last_used")};
  if (auto owner = auth::json_string(o, "owner")) k.owner_email = *owner;
  return k;
}

store::UsageRecord usage_from(const json::object& o) {
  store::UsageRecord u;
  u.time = time_of(o, "time");
  if (auto id = auth::json_int(o, "user_id")) u.user_id = *id;
  u.user_label = text(o, "user");
  u.tool = text(o, "tool");
  u.arguments_summary = text(o, "arguments");
  u.result_bytes = number(o, "result_bytes");
  u.latency_ms = number(o, "latency_ms");
  u.outcome = text(o, "outcome");
  return u;
}

template <class T, class From>
std::vector<T> list_from(const json::object& o, std::string_view name, From from) {
  std::vector<T> items;
  if (auto* array = o.if_contains(name); array && array->is_array())
    for (const auto& item : array->get_array())
      if (item.is_object()) items.push_back(from(item.get_object()));
  return items;
}

std::string field_body(std::initializer_list<std::pair<std::string_view, std::optional<std::string_view>>> fields) {
  json::object o;
  for (const auto& [name, value] : fields)
    if (value) o[name] = *value;
  return json::serialize(o);
}

}  // namespace

std::string encode_path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 c == '_' || c == '~' || c == '@';
    if (plain) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

struct AdminClient::Answer {
  std::optional<Error> error;
  json::object body;
  int status = 0;
};

AdminClient::AdminClient(AdminClientOptions options, Send send) : options_(std::move(options)), send_(std::move(send)) {
  while (options_.server_url.ends_with('/')) options_.server_url.pop_back();
  if (!send_) {
    http::ClientOptions client{options_.ca_file, options_.timeout};
    send_ = [client](const http::ClientRequest& r) { return http::fetch(r, client); };
  }
}

AdminClient::Answer AdminClient::call(std::string method, const std::string& path, std::string body,
                                      std::string_view content_type) {
  http::ClientRequest request;
  request.method = std::move(method);
  request.url = options_.server_url + "/admin/v1/" + path;
  request.headers.add("Authorization", "Bearer " + options_.admin_token);
  request.headers.add("Accept", "application/json");
  if (!body.empty()) request.headers.add("Content-Type", content_type);
  request.body = std::move(body);
  http::Response response;
  try {
    response = send_(request);
  } catch (const std::exception& e) {
    return {Error(ErrorCode::store_failure, "cannot reach the server at " + options_.server_url + ": " + e.what() +
                                                "; check --server and that the server runs"),
            {},
            0};
  }
  Answer answer{std::nullopt, {}, response.status};
  boost::system::error_code ec;
  auto parsed = response.body.empty() ? json::value(json::object{}) : json::parse(response.body, ec);
  if (!ec && parsed.is_object()) answer.body = std::move(parsed.get_object());
  if (response.status >= 200 && response.status < 300) return answer;
  std::string message = text(answer.body, "message");
  if (message.empty()) message = "the server answered HTTP " + std::to_string(response.status);
  if (response.status == 401)
    answer.error = Error(ErrorCode::unauthorized, "the server refused the admin token: " + message +
                                                      " (set MCPGATE_ADMIN_TOKEN to the server's admin.token)");
  else
    answer.error = Error(code_named(text(answer.body, "error")), message);
  return answer;
}

Result<store::Teamspace> AdminClient::create_teamspace(std::string_view name, std::string_view plan,
                                                       std::optional<std::string_view> trial_ends) {
  auto a = call("POST", "teamspaces", field_body({{"name", name}, {"plan", plan}, {"trial_ends", trial_ends}}));
  if (a.error) return *a.error;
  return teamspace_from(a.body);
}

Result<std::vector<store::Teamspace>> AdminClient::list_teamspaces() {
  auto a = call("GET", "teamspaces");
  if (a.error) return *a.error;
  return list_from<store::Teamspace>(a.body, "teamspaces", teamspace_from);
}

Result<store::Teamspace> AdminClient::set_plan(std::string_view teamspace, std::string_view plan,
                                               std::optional<std::string_view> trial_ends) {
  auto a = call("PUT", "teamspaces/" + encode_path_segment(teamspace) + "/plan",
                field_body({{"plan", plan}, {"trial_ends", trial_ends}}));
  if (a.error) return *a.error;
  return teamspace_from(a.body);
}

Result<store::EntraConfig> AdminClient::set_entra(std::string_view teamspace, const store::EntraSettings& settings) {
  auto a = call("PUT", "teamspaces/" + encode_path_segment(teamspace) + "/entra",
                field_body({{"tenant_id", settings.tenant_id},
                            {"audience", settings.audience},
                            {"required_scope", settings.required_scope}}));
  if (a.error) return *a.error;
  return entra_from(a.body);
}

Result<store::EntraConfig> AdminClient::entra(std::string_view teamspace) {
  auto a = call("GET", "teamspaces/" + encode_path_segment(teamspace) + "/entra");
  if (a.error) return *a.error;
  return entra_from(a.body);
}

Result<store::Done> AdminClient::remove_entra(std::string_view teamspace) {
  auto a = call("DELETE", "teamspaces/" + encode_path_segment(teamspace) + "/entra");
  if (a.error) return *a.error;
  return store::Done{};
}

Result<TenantCheck> AdminClient::test_entra(std::string_view teamspace) {
  auto a = call("POST", "teamspaces/" + encode_path_segment(teamspace) + "/entra/test");
  if (a.error) return *a.error;
  auto* ok = a.body.if_contains("ok");
  return TenantCheck{.ok = ok && ok->is_bool() && ok->get_bool(),
                     .step = text(a.body, "step"),
                     .message = text(a.body, "message"),
                     .issuer = text(a.body, "issuer")};
}

Result<store::EntraUser> AdminClient::add_user(std::string_view teamspace, std::string_view email,
                                               std::string_view oid) {
  auto a = call("POST", "teamspaces/" + encode_path_segment(teamspace) + "/users",
                field_body({{"email", email}, {"oid", oid}}));
  if (a.error) return *a.error;
  return user_from(a.body);
}

Result<std::vector<store::EntraUser>> AdminClient::users(std::string_view teamspace) {
  std::vector<store::EntraUser> all;
  for (;;) {
    auto a = call("GET", "teamspaces/" + encode_path_segment(teamspace) + "/users?limit=" + std::to_string(kPage) +
                             "&offset=" + std::to_string(all.size()));
    if (a.error) return *a.error;
    auto page = list_from<store::EntraUser>(a.body, "users", user_from);
    all.insert(all.end(), page.begin(), page.end());
    auto total = auth::json_int(a.body, "total").value_or(0);
    if (page.empty() || int64_t(all.size()) >= total) return all;
  }
}

Result<store::Done> AdminClient::remove_user(std::string_view teamspace, std::string_view email_or_oid) {
  auto a =
      call("DELETE", "teamspaces/" + encode_path_segment(teamspace) + "/users/" + encode_path_segment(email_or_oid));
  if (a.error) return *a.error;
  return store::Done{};
}

Result<ImportResult> AdminClient::import_users(std::string_view teamspace, std::string_view csv_text,
                                               bool all_or_nothing) {
  auto a = call("POST",
                "teamspaces/" + encode_path_segment(teamspace) +
                    "/users/import?all_or_nothing=" + (all_or_nothing ? "true" : "false"),
                std::string(csv_text), "text/csv");
  if (a.error) return *a.error;
  ImportResult result;
  result.rows = list_from<store::CsvRowReport>(a.body, "rows", [](const json::object& o) {
    auto* ok = o.if_contains("ok");
    return store::CsvRowReport{.line = size_t(number(o, "line")),
                               .email = text(o, "email"),
                               .oid = text(o, "oid"),
                               .ok = ok && ok->is_bool() && ok->get_bool(),
                               .message = text(o, "message")};
  });
  result.imported = size_t(number(a.body, "imported"));
  result.failed = size_t(number(a.body, "failed"));
  return result;
}

Result<store::Membership> AdminClient::add_member(std::string_view teamspace, std::string_view email,
                                                  std::string_view role) {
  auto a = call("POST", "teamspaces/" + encode_path_segment(teamspace) + "/members",
                field_body({{"email", email}, {"role", role}}));
  if (a.error) return *a.error;
  return member_from(a.body);
}

Result<std::vector<store::Membership>> AdminClient::members(std::string_view teamspace) {
  auto a = call("GET", "teamspaces/" + encode_path_segment(teamspace) + "/members");
  if (a.error) return *a.error;
  return list_from<store::Membership>(a.body, "members", member_from);
}

Result<store::NewApiKey> AdminClient::create_api_key(std::string_view teamspace, std::string_view name) {
  auto a = call("POST", "teamspaces/" + encode_path_segment(teamspace) + "/api-keys", field_body({{"name", name}}));
  if (a.error) return *a.error;
  return store::NewApiKey{.key = key_from(a.body), .secret = text(a.body, "secret")};
}

Result<std::vector<store::ApiKey>> AdminClient::api_keys(std::string_view teamspace) {
  auto a = call("GET", "teamspaces/" + encode_path_segment(teamspace) + "/api-keys");
  if (a.error) return *a.error;
  return list_from<store::ApiKey>(a.body, "api_keys", key_from);
}

Result<store::ApiKey> AdminClient::revoke_api_key(std::string_view id) {
  auto a = call("DELETE", "api-keys/" + encode_path_segment(id));
  if (a.error) return *a.error;
  store::ApiKey key;
  key.id = std::stoll(std::string(id));
  return key;
}

Result<std::vector<store::UsageRecord>> AdminClient::usage(std::string_view teamspace,
                                                           std::optional<std::string_view> limit) {
  std::string query = limit ? "?limit=" + encode_path_segment(*limit) : "";
  auto a = call("GET", "teamspaces/" + encode_path_segment(teamspace) + "/usage" + query);
  if (a.error) return *a.error;
  return list_from<store::UsageRecord>(a.body, "usage", usage_from);
}

}  // namespace mcpgate::admin
