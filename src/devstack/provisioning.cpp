#include "devstack/provisioning.hpp"

#include <algorithm>
#include <stdexcept>

#include "devstack/dev_settings.hpp"

namespace mcpgate::devstack {
namespace {

template <class T>
T must(admin::Result<T> result, const std::string& step) {
  if (!result) throw std::runtime_error("cannot " + step + ": " + result.error().message);
  return std::move(*result);
}

}  // namespace

ProvisioningReport provision_demo_teamspace(admin::AdminService& admin) {
  ProvisioningReport report;
  auto existing = admin.teamspace(kTeamspace);
  if (existing) {
    report.steps.push_back(std::string("teamspace ") + kTeamspace + " already exists");
  } else if (existing.error().code == admin::ErrorCode::not_found) {
    must(admin.create_teamspace(kTeamspace, "enterprise", std::nullopt), "create the teamspace");
    report.steps.push_back(std::string("created the enterprise teamspace ") + kTeamspace);
  } else {
    throw std::runtime_error("cannot read the store: " + existing.error().message);
  }

  store::EntraSettings wanted{idp::demo::kTenantId, idp::demo::kMcpApiApp, "mcp.access"};
  auto current = admin.entra(kTeamspace);
  if (current && current->tenant_id == wanted.tenant_id && current->audience == wanted.audience &&
      current->required_scope == wanted.required_scope) {
    report.steps.push_back("Entra ID configuration already in place");
  } else {
    must(admin.set_entra(kTeamspace, wanted), "configure the teamspace's Microsoft Entra ID tenant");
    report.steps.push_back(std::string("Entra ID: tenant ") + idp::demo::kTenantId + ", audience " +
                           idp::demo::kMcpApiApp + " (the MCP API app), scope mcp.access");
  }

  auto listed = must(admin.users(kTeamspace), "list the teamspace's users");
  for (const auto& user : demo_users()) {
    if (!user.provisioned) continue;
    bool present = false;
    for (const auto& u : listed) present = present || (u.oid == user.oid && u.tenant_id == idp::demo::kTenantId);
    if (present) continue;
    must(admin.add_user(kTeamspace, user.upn, user.oid), "provision " + user.upn);
    report.steps.push_back("provisioned " + user.upn);
  }

  // The dashboard's demo owner: alice runs the teamspace, bob stays a developer.
  auto members = must(admin.members(kTeamspace), "list the teamspace's members");
  bool owner = std::any_of(members.begin(), members.end(), [](const store::Membership& m) {
    return m.user.email == idp::demo::kAliceUpn && m.role == store::Role::owner;
  });
  if (!owner) {
    must(admin.add_member(kTeamspace, idp::demo::kAliceUpn, "owner"), "make alice the teamspace's owner");
    report.steps.push_back(std::string(idp::demo::kAliceUpn) + " is the teamspace's owner (dashboard)");
  }
  return report;
}

}  // namespace mcpgate::devstack
