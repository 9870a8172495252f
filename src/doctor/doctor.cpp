#include "doctor/doctor.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "auth/jwt.hpp"
#include "auth/key_set.hpp"
#include "doctor/token_checks.hpp"
#include "exchange/obo.hpp"
#include "http/client.hpp"
#include "http/form.hpp"
#include "server/store_location.hpp"
#include "store/sqlite_store.hpp"

namespace mcpgate::doctor {
namespace {

struct Tenant {
  std::string authority;
  std::string tenant_id;
  std::optional<std::string> ca_file;
};

struct Discovered {
  std::optional<auth::OpenIdMetadata> metadata;
  Check check;
};

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string discovery_url(const Tenant& t) {
  return trim_slash(t.authority) + "/" + t.tenant_id + "/v2.0/.well-known/openid-configuration";
}

Discovered discover(const Tenant& t, std::chrono::milliseconds timeout) {
  auto url = discovery_url(t);
  try {
    auto r = http::fetch({"GET", url}, {t.ca_file, timeout});
    if (r.status != 200)
      return {std::nullopt, fail("discovery", url + " answered HTTP " + std::to_string(r.status) +
                                                  "; check the tenant ID and the authority")};
    std::string error;
    auto metadata = auth::parse_openid_metadata(r.body, error);
    if (!metadata) return {std::nullopt, fail("discovery", url + " is not a discovery document: " + error)};
    return {metadata, pass("discovery", "tenant " + t.tenant_id + " answers; issuer " + metadata->issuer)};
  } catch (const std::exception& e) {
    return {std::nullopt, fail("discovery", "cannot fetch " + url + ": " + e.what() +
                                                "; check the authority and that this machine reaches it")};
  }
}

Check signature_check(const auth::Jwt& token, const Tenant& t, const std::optional<auth::OpenIdMetadata>& metadata,
                      const Clock& clock, std::chrono::milliseconds timeout) {
  if (!metadata) return fail("signature", "cannot check: the configured tenant's discovery document is unavailable");
  try {
    auto r = http::fetch({"GET", metadata->jwks_uri}, {t.ca_file, timeout});
    if (r.status != 200)
      return fail("signature", "cannot check: " + metadata->jwks_uri + " answered HTTP " + std::to_string(r.status));
    auth::KeySet keys;
    if (auto error = keys.update(r.body, clock.now()))
      return fail("signature", "cannot check: " + metadata->jwks_uri + ": " + *error);
    return check_signature(token, keys, metadata->jwks_uri);
  } catch (const std::exception& e) {
    return fail("signature", "cannot fetch the tenant's keys: " + std::string(e.what()));
  }
}

const proxy::RouteConfig* route_for(const proxy::GatewayConfig& c, const std::vector<std::string>& aud) {
  for (const auto& route : c.routes)
    for (const auto& a : route.audiences)
      if (std::find(aud.begin(), aud.end(), a) != aud.end()) return &route;
  return c.routes.empty() ? nullptr : &c.routes.front();
}

std::vector<std::string> gateway_audiences(const proxy::GatewayConfig& c) {
  std::vector<std::string> out;
  for (const auto& route : c.routes)
    for (const auto& a : route.audiences)
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  return out;
}

std::vector<Check> gateway_token_checks(const auth::Jwt& token, const proxy::GatewayConfig& c, const Clock& clock,
                                        std::chrono::milliseconds timeout) {
  Tenant tenant{c.authority, c.tenant_id, c.ca_file};
  auto discovered = discover(tenant, timeout);
  TokenExpectations expect;
  expect.hop = Hop::gateway;
  expect.tenant_id = c.tenant_id;
  if (discovered.metadata) expect.issuer = discovered.metadata->issuer;
  expect.audiences = gateway_audiences(c);
  if (const auto* route = route_for(c, token.audiences())) {
    expect.scopes = route->scopes;
    expect.require_all_scopes = route->require_all_scopes;
    expect.other_hop_audience = app_id_of_scope(route->obo_scope);
  }
  expect.clock_skew = c.clock_skew;
  std::vector<Check> checks{discovered.check};
  for (auto& check : check_claims(token, expect, clock.now())) checks.push_back(std::move(check));
  checks.push_back(signature_check(token, tenant, discovered.metadata, clock, timeout));
  return checks;
}

std::string teamspace_name(store::Store& store, int64_t id) {
  auto ts = store.find_teamspace(std::to_string(id));
  return ts ? ts->name : std::to_string(id);
}

std::vector<store::EntraConfig> configured_tenants(store::Store& store) {
  std::vector<store::EntraConfig> out;
  auto teamspaces = store.list_teamspaces();
  if (!teamspaces) return out;
  for (const auto& ts : *teamspaces)
    if (auto config = store.entra_config(std::to_string(ts.id))) out.push_back(*config);
  return out;
}

std::vector<Check> server_token_checks(const auth::Jwt& token, const DoctorInputs& in, const Clock& clock) {
  const auto& sc = *in.server;
  auto& store = *in.store;
  std::vector<store::EntraConfig> matching;
  for (const auto& a : token.audiences()) {
    auto found = store.teamspaces_for_audience(a);
    if (found) matching.insert(matching.end(), found->begin(), found->end());
  }
  TokenExpectations expect;
  expect.hop = Hop::server;
  expect.clock_skew = sc.clock_skew;
  if (in.gateway) {
    auto gw = gateway_audiences(*in.gateway);
    if (!gw.empty()) expect.other_hop_audience = gw.front();
  } else if (auto scp = token.claim_list("scp"); std::find(scp.begin(), scp.end(), "Mcp.Gateway.Access") != scp.end()) {
    // The gateway's scope: whatever its audience, this token was meant for the gateway.
    auto aud = token.audiences();
    if (!aud.empty()) expect.other_hop_audience = aud.front();
  }
  std::vector<Check> checks;
  std::optional<Tenant> tenant;
  if (matching.empty()) {
    for (const auto& config : configured_tenants(store)) expect.audiences.push_back(config.audience);
    if (expect.audiences.empty())
      checks.push_back(fail("teamspace", "no teamspace in " + in.store_dir +
                                             " has a Microsoft Entra ID configuration; set one with: mcpgate admin "
                                             "--data-dir " +
                                             in.store_dir +
                                             " entra set <teamspace> --tenant <tenant-id> --audience <mcp-api-app-id> "
                                             "--scope mcp.access (Part 4 Step 1)"));
  } else {
    const auto& config = matching.front();
    checks.push_back(
        pass("teamspace", "the token's audience selects teamspace " + teamspace_name(store, config.teamspace_id)));
    expect.tenant_id = config.tenant_id;
    expect.audiences = {config.audience};
    expect.scopes = {config.required_scope};
    tenant = Tenant{sc.authority, config.tenant_id, sc.ca_file};
  }
  std::optional<auth::OpenIdMetadata> metadata;
  if (tenant) {
    auto discovered = discover(*tenant, in.timeout);
    metadata = discovered.metadata;
    if (metadata) expect.issuer = metadata->issuer;
    checks.push_back(discovered.check);
  }
  for (auto& check : check_claims(token, expect, clock.now())) checks.push_back(std::move(check));
  if (tenant) {
    checks.push_back(signature_check(token, *tenant, metadata, clock, in.timeout));
  } else {
    checks.push_back(skip("signature", "no teamspace to take the tenant's keys from (see audience)"));
  }

  auto oid = token.claim_string("oid");
  auto tid = token.claim_string("tid");
  if (matching.empty()) {
    checks.push_back(skip("provisioned", "no teamspace to look the user up in (see audience)"));
  } else if (!oid || !tid) {
    checks.push_back(fail("provisioned", "the token has no oid or tid claim: not a user's token"));
  } else {
    std::optional<Check> found_check;
    for (const auto& config : matching) {
      auto name = teamspace_name(store, config.teamspace_id);
      auto user = store.find_entra_user(std::to_string(config.teamspace_id), *tid, *oid);
      if (!user) {
        found_check = fail("provisioned", "cannot read the store: " + user.error().message);
      } else if (*user) {
        found_check =
            pass("provisioned", "oid " + *oid + " is provisioned in teamspace " + name + " as " + (*user)->email);
        break;
      } else if (!found_check) {
        found_check = fail("provisioned", fmt::format("oid {} (tenant {}) is not provisioned in teamspace {}; add the "
                                                      "user: mcpgate admin --data-dir {} user add {} <email> {} "
                                                      "(Part 4 Step 2)",
                                                      *oid, *tid, name, in.store_dir, name, *oid));
      }
    }
    checks.push_back(*found_check);
  }
  return checks;
}

std::string probe_target(const std::string& upstream) { return trim_slash(upstream) + "/"; }

std::vector<Check> gateway_config_checks(const proxy::GatewayConfig& c, std::chrono::milliseconds timeout) {
  Tenant tenant{c.authority, c.tenant_id, c.ca_file};
  auto discovered = discover(tenant, timeout);
  std::vector<Check> checks{discovered.check};
  for (const auto& route : c.routes) {
    std::string name = "upstream " + route.prefix;
    try {
      auto r = http::fetch({"GET", probe_target(route.upstream)}, {c.ca_file, timeout});
      checks.push_back(pass(name, route.upstream + " answers (HTTP " + std::to_string(r.status) + ")"));
    } catch (const std::exception& e) {
      checks.push_back(fail(name, "cannot reach " + route.upstream + ": " + e.what() +
                                      "; is the MCP server running there? (routes[].upstream)"));
    }
  }
  if (!c.client.client_secret) {
    checks.push_back(skip("obo",
                          "the gateway app authenticates with a certificate; the probe uses a client secret "
                          "only, so the first exchange shows the result in the gateway's log"));
    return checks;
  }
  std::string token_endpoint = discovered.metadata ? discovered.metadata->token_endpoint
                                                   : trim_slash(c.authority) + "/" + c.tenant_id + "/oauth2/v2.0/token";
  for (const auto& route : c.routes) {
    std::string name = c.routes.size() == 1 ? "obo" : "obo " + route.prefix;
    http::Form form;
    form.add("grant_type", "client_credentials");
    form.add("client_id", c.client.client_id);
    form.add("client_secret", *c.client.client_secret);
    form.add("scope", route.obo_scope);
    http::ClientRequest request{"POST", token_endpoint, {}, form.encode()};
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    try {
      auto r = http::fetch(request, {c.ca_file, timeout});
      auto parsed = exchange::parse_obo_response(r.status, r.body);
      if (parsed) {
        checks.push_back(pass(name, "the gateway app's credentials are accepted and " + route.obo_scope +
                                        " names an app of the tenant (client-credentials probe)"));
        continue;
      }
      const auto& f = parsed.error();
      std::string message = f.aadsts ? "AADSTS" + std::to_string(f.aadsts) + " " : std::string();
      message += f.error.empty() ? "HTTP " + std::to_string(r.status) : f.error;
      if (!f.description.empty()) message += ": " + f.description;
      std::string hint = f.hint.empty() ? std::string(exchange::troubleshooting_hint(f.aadsts)) : f.hint;
      if (f.aadsts == 7000215 || f.error == "invalid_client")
        hint =
            "the client secret is wrong or expired: create a new one on the gateway app (Part 2 Step 2) and "
            "update client.client_secret";
      if (!hint.empty()) message += "; " + hint;
      checks.push_back(fail(name, message));
    } catch (const std::exception& e) {
      checks.push_back(fail(name, "cannot reach the token endpoint " + token_endpoint + ": " + e.what()));
    }
  }
  return checks;
}

std::vector<Check> server_config_checks(const DoctorInputs& in) {
  std::vector<Check> checks;
  auto configs = configured_tenants(*in.store);
  if (configs.empty()) {
    checks.push_back(fail("teamspace", "no teamspace in " + in.store_dir +
                                           " has a Microsoft Entra ID configuration; set one with: mcpgate admin "
                                           "--data-dir " +
                                           in.store_dir +
                                           " entra set <teamspace> --tenant <tenant-id> "
                                           "--audience <mcp-api-app-id> --scope mcp.access (Part 4 Step 1)"));
    return checks;
  }
  for (const auto& config : configs) {
    auto name = teamspace_name(*in.store, config.teamspace_id);
    auto discovered = discover({in.server->authority, config.tenant_id, in.server->ca_file}, in.timeout);
    discovered.check.name = "discovery " + name;
    checks.push_back(discovered.check);
    auto users = in.store->list_entra_users(std::to_string(config.teamspace_id));
    if (!users) {
      checks.push_back(fail("users " + name, "cannot read the store: " + users.error().message));
    } else if (users->empty()) {
      checks.push_back(fail("users " + name,
                            "no users provisioned: every token will be refused; add them with "
                            "mcpgate admin --data-dir " +
                                in.store_dir + " user add " + name + " <email> <object-id> (Part 4 Step 2)"));
    } else {
      checks.push_back(pass("users " + name, std::to_string(users->size()) + " user(s) provisioned; audience " +
                                                 config.audience + ", scope " + config.required_scope));
    }
  }
  return checks;
}

}  // namespace

std::optional<std::string> app_id_of_scope(const std::string& scope) {
  const std::string prefix = "api://";
  if (scope.rfind(prefix, 0) != 0) return std::nullopt;
  auto rest = scope.substr(prefix.size());
  auto slash = rest.find('/');
  auto id = rest.substr(0, slash);
  if (id.empty()) return std::nullopt;
  return id;
}

std::unique_ptr<store::Store> open_existing_store(const server::ServerConfig& config, const Clock& clock) {
  if (config.postgres) return server::open_server_store(config, clock);
  return server::open_data_dir_store(config.data_dir, clock, true);
}

std::vector<Check> run_doctor(const DoctorInputs& in, const Clock& clock) {
  bool have_server = in.server && in.store;
  if (!in.token) {
    std::vector<Check> checks;
    if (in.gateway)
      for (auto& c : gateway_config_checks(*in.gateway, in.timeout)) checks.push_back(std::move(c));
    if (have_server)
      for (auto& c : server_config_checks(in)) checks.push_back(std::move(c));
    return checks;
  }
  auto parsed = auth::parse_jwt(*in.token);
  if (!parsed)
    return {fail("token", "not a JWT (" + std::string(auth::to_string(parsed.error())) +
                              "): pass the access token itself, the part after \"Bearer \"")};
  const auto& token = *parsed;
  auto aud = token.audiences();
  bool for_gateway = false;
  if (in.gateway) {
    auto gw = gateway_audiences(*in.gateway);
    for (const auto& a : aud) for_gateway = for_gateway || std::find(gw.begin(), gw.end(), a) != gw.end();
    for_gateway = for_gateway || !have_server;
  }
  if (for_gateway) return gateway_token_checks(token, *in.gateway, clock, in.timeout);
  if (have_server) return server_token_checks(token, in, clock);
  auto checks = check_claims(token, TokenExpectations{}, clock.now());
  checks.push_back(skip("signature",
                        "give --gateway-config, --server-config or --data-dir: keys come from the "
                        "configured tenant, never from where the token says it was issued"));
  return checks;
}

}  // namespace mcpgate::doctor
