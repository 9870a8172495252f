#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devstack/dev_settings.hpp"

namespace mcpgate::devstack {

// The development identity provider, the MCP server and the gateway in one process, wired as
// the guide wires Entra, Context7 and API Management. The constructor does everything that can
// fail — data directory, configuration files, binding the three ports, provisioning — so a busy
// port or a bad directory is reported before anything serves. It also blocks SIGINT and SIGTERM
// in the calling thread (and so in every thread started afterwards): run() takes them.
class DevStack {
 public:
  explicit DevStack(DevSettings settings);
  ~DevStack();
  DevStack(const DevStack&) = delete;
  DevStack& operator=(const DevStack&) = delete;

  // With the ports actually bound (a requested 0 becomes the port chosen).
  const DevSettings& settings() const;
  // The development CA when the IdP serves HTTPS.
  const std::optional<std::filesystem::path>& ca_file() const;
  // The titles of the libraries the MCP server answers from.
  const std::vector<std::string>& libraries() const;

  // Serves until stop(), SIGINT or SIGTERM, or until one component stops by itself (then the
  // others are stopped too). 0 after a requested stop, 1 when a component failed.
  int run();
  void stop();  // safe from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A port on `host` nobody listens on right now, for a setting of 0 that must be known before
// the component binds (URLs in configuration name it).
uint16_t pick_free_port(const std::string& host);

}  // namespace mcpgate::devstack
