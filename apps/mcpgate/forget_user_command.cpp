// `mcpgate forget-user`: drops one user's cached On-Behalf-Of tokens on every gateway sharing the
// configuration's Redis, at once (an offboarding, a compromised account), instead of waiting for
// them to expire. With mcpgate server, removing the user there does the same by itself.
#include <iostream>

#include "commands.hpp"
#include "common/strings.hpp"
#include "config/yaml_reader.hpp"
#include "exchange/redis_token_cache.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::app {

namespace {

struct ForgetOptions {
  std::string config_file;
  std::string tenant_id;
  std::string oid;
};

int forget_user(const ForgetOptions& o) {
  auto config = proxy::parse_gateway_config(config::YamlReader::from_file(o.config_file));
  if (!is_guid(o.oid) || (!o.tenant_id.empty() && !is_guid(o.tenant_id))) {
    std::cerr << "forget-user: --oid (and --tenant) must be GUIDs: the user's Object ID from Entra (Users > the user > "
                 "Overview), not an email address\n";
    return 2;
  }
  if (!config.redis) {
    std::cerr << "forget-user: " << o.config_file
              << " has no redis section, so each gateway keeps its own cache: restart the gateways to drop it, or "
                 "wait until the tokens expire (their lifetime less obo.expiry_margin)\n";
    return 1;
  }
  auto tenant = o.tenant_id.empty() ? config.tenant_id : o.tenant_id;
  if (auto problem = exchange::forget_user_now(config.redis->redis, config.redis->prefix, tenant, o.oid)) {
    std::cerr << "forget-user: " << *problem << "\n";
    return 1;
  }
  std::cout << "forget-user: the cached tokens of " << o.oid << " (tenant " << tenant
            << ") are gone from Redis and from every connected gateway\n";
  return 0;
}

}  // namespace

Command add_forget_user_command(CLI::App& app) {
  auto o = std::make_shared<ForgetOptions>();
  auto* cmd = app.add_subcommand(
      "forget-user", "Drop a user's cached On-Behalf-Of tokens on every gateway sharing the configuration's Redis");
  cmd->add_option("-c,--config", o->config_file, "the gateways' YAML configuration (its redis section)")->required();
  cmd->add_option("--oid", o->oid, "the user's Entra object ID")->required();
  cmd->add_option("--tenant", o->tenant_id, "the user's tenant ID (default: the configuration's entra.tenant_id)");
  return {cmd, [o] { return forget_user(*o); }};
}

}  // namespace mcpgate::app
