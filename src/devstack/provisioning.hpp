#pragma once
#include <string>
#include <vector>

#include "admin/admin_service.hpp"

namespace mcpgate::devstack {

// What provisioning did, one line per step, for the start-up log.
struct ProvisioningReport {
  std::vector<std::string> steps;
};

// The guide's Part 4 for the demo tenant, through the same administration operations the
// dashboard-like CLI uses: an enterprise teamspace, its Microsoft Entra ID card (tenant, the MCP
// API app as audience, mcp.access) and the demo users the teamspace lists (all but carol).
// Idempotent: a second start finds everything in place and changes nothing. Throws with the
// administration error's message when the store refuses a step.
ProvisioningReport provision_demo_teamspace(admin::AdminService& admin);

}  // namespace mcpgate::devstack
