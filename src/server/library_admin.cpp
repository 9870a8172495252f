#include "server/library_admin.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "docs/indexer.hpp"

namespace mcpgate::server {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

using admin::failure;
using admin::problem;

json::value version_json(const docs::VersionInfo& v) {
  return json::object{{"tag", v.tag},
                      {"state", v.state},
                      {"snippets", v.snippets},
                      {"tokens", v.tokens},
                      {"benchmark_score", v.benchmark_score},
                      {"updated", admin::format_time(v.updated)},
                      {"error", v.error},
                      {"outdated", v.outdated()}};
}

std::optional<std::string> group_of(const Request& r) {
  boost::system::error_code ec;
  auto body = json::parse(r.body, ec);
  if (ec || !body.is_object() || body.as_object().size() != 1) return std::nullopt;
  auto* group = body.as_object().if_contains("group");
  if (!group || !group->is_string()) return std::nullopt;
  return to_lower(std::string(group->as_string()));
}

}  // namespace

void add_library_routes(admin::AdminApi& api, docs::DocIndex& index, BackgroundRunner run_in_background,
                        docs::SharedIndex* shared) {
  // Publishes first: a change PostgreSQL did not take is not made here either.
  auto publish_restriction = [shared](int64_t teamspace, const std::string& library, const std::string& group,
                                      bool restricted) -> std::optional<Response> {
    if (!shared) return std::nullopt;
    try {
      shared->publish_restriction(teamspace, library, group, restricted);
      return std::nullopt;
    } catch (const std::exception& e) {
      spdlog::error("docs: cannot publish the restriction of {}: {}", library, e.what());
      return problem(503, "unavailable", "the shared documentation index cannot be reached, so nothing changed; retry");
    }
  };

  api.add_route("GET", "teamspaces/*/libraries", admin::Access::member,
                [&index](admin::AdminService& s, const Request&, const auto& p, const admin::Caller& c) {
                  auto ts = s.teamspace(p[0]);
                  if (!ts) return failure(ts.error());
                  auto role = admin::role_of(c, ts->id);
                  bool manager = role && *role != store::Role::developer;
                  std::map<std::string, std::vector<std::string>> restricted;
                  for (auto& [id, groups] : index.restrictions(ts->id)) restricted[id] = groups;
                  json::array libraries;
                  for (const auto& library : index.libraries()) {
                    auto rule = restricted.find(library.info.id);
                    if (rule != restricted.end() && !manager) continue;
                    json::array versions, groups;
                    for (const auto& v : library.versions) versions.push_back(version_json(v));
                    if (rule != restricted.end())
                      for (const auto& g : rule->second) groups.emplace_back(g);
                    libraries.push_back(json::object{{"id", library.info.id},
                                                     {"title", library.info.title},
                                                     {"description", library.info.description},
                                                     {"versions", std::move(versions)},
                                                     {"groups", std::move(groups)}});
                  }
                  auto r = Response::json(200, json::object{{"libraries", std::move(libraries)}});
                  r.headers.set("Cache-Control", "no-store");
                  return r;
                });

  api.add_route(
      "POST", "teamspaces/*/libraries/*/groups", admin::Access::manage,
      [&index, publish_restriction](admin::AdminService& s, const Request& r, const auto& p, const admin::Caller&) {
        auto ts = s.teamspace(p[0]);
        if (!ts) return failure(ts.error());
        if (!index.library(p[1]))
          return problem(404, "not_found", "no library " + p[1] + " is indexed; see the Libraries list");
        auto group = group_of(r);
        if (!group || !is_guid(*group))
          return problem(400, "invalid",
                         "the body is {\"group\": \"<object ID>\"}: an Entra group's object ID, a GUID "
                         "(Entra ID → Groups → the group → Object ID)");
        if (auto refused = publish_restriction(ts->id, p[1], *group, true)) return std::move(*refused);
        index.restrict_library(ts->id, p[1], *group);
        s.record_change(ts->id, "library.restrict", p[1] + " to members of group " + *group);
        return Response::json(201, json::object{{"library", p[1]}, {"group", *group}});
      });

  api.add_route(
      "DELETE", "teamspaces/*/libraries/*/groups/*", admin::Access::manage,
      [&index, publish_restriction](admin::AdminService& s, const Request&, const auto& p, const admin::Caller&) {
        auto ts = s.teamspace(p[0]);
        if (!ts) return failure(ts.error());
        if (!index.restricted_to(ts->id, p[1], to_lower(p[2])))
          return problem(404, "not_found", "library " + p[1] + " is not restricted to group " + p[2]);
        if (auto refused = publish_restriction(ts->id, p[1], to_lower(p[2]), false)) return std::move(*refused);
        // Shared, this server's sync may have applied the publication already: either way it is gone.
        index.unrestrict_library(ts->id, p[1], to_lower(p[2]));
        s.record_change(ts->id, "library.unrestrict", p[1] + " no longer limited to group " + p[2]);
        Response done;
        done.status = 204;
        return done;
      });

  struct Refreshing {
    std::mutex mutex;
    std::set<std::string> libraries;
  };
  auto refreshing = std::make_shared<Refreshing>();
  api.add_route(
      "POST", "libraries/*/refresh", admin::Access::installation,
      [&index, refreshing, shared, run = std::move(run_in_background)](admin::AdminService& s, const Request&,
                                                                       const auto& p, const admin::Caller&) {
        auto requests = docs::refresh_requests(index, p[0]);
        if (requests.empty())
          return problem(404, "not_found", "no library " + p[0] + " is indexed with a source folder to refresh from");
        {
          std::lock_guard lock(refreshing->mutex);
          if (!refreshing->libraries.insert(p[0]).second)
            return problem(409, "conflict", p[0] + " is being refreshed already; wait for it to finish");
        }
        s.record_change(std::nullopt, "library.refresh",
                        p[0] + ": " + std::to_string(requests.size()) + " version(s) from their recorded folders");
        run([&index, refreshing, shared, requests, id = p[0]] {
          // Whatever happens, the library may be refreshed again, and nothing escapes into the
          // worker pool (an exception there would end the server).
          try {
            for (const auto& request : requests) {
              auto report = docs::index_folder(index, request);
              if (!report)
                spdlog::error("refreshing {}: {}", id, report.error().message);
              else
                spdlog::info("refreshed {}{}: {} snippets", id, request.tag.empty() ? "" : "@" + request.tag,
                             report->snippets);
              if (report && shared) shared->publish_version(id, request.tag);
            }
          } catch (const std::exception& e) {
            spdlog::error("refreshing {} failed: {}", id, e.what());
          }
          std::lock_guard lock(refreshing->mutex);
          refreshing->libraries.erase(id);
        });
        return Response::json(202, json::object{{"library", p[0]},
                                                {"versions", requests.size()},
                                                {"message",
                                                 "refreshing in the background; the Libraries list shows "
                                                 "each version's state"}});
      });
}

}  // namespace mcpgate::server
