#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "doctor/check.hpp"
#include "proxy/gateway_config.hpp"
#include "server/server_config.hpp"
#include "store/store.hpp"

namespace mcpgate::doctor {

struct DoctorInputs {
  std::optional<std::string> token;             // decoded, never trusted, never printed
  std::optional<proxy::GatewayConfig> gateway;  // what the gateway expects of the client's token
  std::optional<server::ServerConfig> server;   // the server's authority (and CA)
  store::Store* store = nullptr;                // the server's store: teamspaces and provisioned users
  std::string store_dir;                        // shown in the fix for an unprovisioned user
  std::chrono::milliseconds timeout{10'000};    // per HTTP request
};

// With a token: decodes it and checks issuer, audience, scope, expiry, tenant, the signature
// against the configured tenant's keys and, with a store, that (tid, oid) is provisioned.
// Without one: whether the configured tenants, the upstreams and the gateway's On-Behalf-Of
// credentials answer. Network and store problems become failed checks, not exceptions.
std::vector<Check> run_doctor(const DoctorInputs& inputs, const Clock& clock);

// The server's store: its PostgreSQL database when the configuration names one, else the SQLite
// store in its data directory, refusing (with what to pass instead) when there is none (opening
// would otherwise create an empty one) or when that server keeps its store in PostgreSQL.
std::unique_ptr<store::Store> open_existing_store(const server::ServerConfig& config, const Clock& clock);

// The app ID in an OBO scope such as api://<app-id>/.default; nullopt if it has no such form.
std::optional<std::string> app_id_of_scope(const std::string& scope);

}  // namespace mcpgate::doctor
