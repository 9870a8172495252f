#include "devstack/dev_stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "admin/admin_service.hpp"
#include "common/clock.hpp"
#include "common/files.hpp"
#include "config/yaml_reader.hpp"
#include "crypto/random.hpp"
#include "devstack/documentation.hpp"
#include "devstack/provisioning.hpp"
#include "http/local_tls.hpp"
#include "http/server.hpp"
#include "idp/config.hpp"
#include "idp/identity_provider.hpp"
#include "idp/keystore.hpp"
#include "proxy/gateway.hpp"
#include "proxy/gateway_config.hpp"
#include "server/mcp_server.hpp"
#include "server/server_config.hpp"

namespace mcpgate::devstack {
namespace fs = std::filesystem;

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Wakes the signal thread when the stack stops for another reason.
  sigaddset(&set, SIGUSR1);
  return set;
}

// Binding errors name the option that moves the component elsewhere.
template <class Make>
auto bind_or_explain(const std::string& component, const std::string& option, Make make) {
  try {
    return make();
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (what.find("already in use") != std::string::npos)
      throw std::runtime_error(component + ": " + what + " (" + option + " PORT; 0 picks a free one)");
    throw std::runtime_error(component + ": " + what);
  }
}

void write_config(const fs::path& file, const std::string& text) {
  write_file_atomically(file, text);
  spdlog::debug("wrote {}", file.string());
}

}  // namespace

uint16_t pick_free_port(const std::string& host) {
  bool v6 = host.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("cannot open a socket to find a free port: " + std::string(std::strerror(errno)));
  sockaddr_storage storage{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    if (::inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      ::close(fd);
      throw std::runtime_error("'" + host + "' is not an IP address to listen on");
    }
    len = sizeof *a;
  }
  auto* addr = reinterpret_cast<sockaddr*>(&storage);
  if (::bind(fd, addr, len) != 0 || ::getsockname(fd, addr, &len) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot find a free port on " + host + ": " + why);
  }
  uint16_t port =
      ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(addr)->sin6_port : reinterpret_cast<sockaddr_in*>(addr)->sin_port);
  ::close(fd);
  return port;
}

struct DevStack::Impl {
  DevSettings settings;
  DevLayout paths;
  std::optional<fs::path> ca_file;  // the development CA, when the IdP serves TLS
  fs::path dev_ca;                  // the development CA: the gateway always trusts it
  std::vector<std::string> libraries;
  std::unique_ptr<idp::KeyStore> keys;
  std::unique_ptr<idp::IdentityProvider> provider;
  std::unique_ptr<http::Server> idp_server;
  std::unique_ptr<server::McpServer> mcp;
  std::unique_ptr<proxy::Gateway> gateway;

  std::mutex mutex;
  std::condition_variable changed;
  int finished = 0;
  bool failed = false;
  bool stop_requested = false;

  void stop_all() {
    if (gateway) gateway->stop();
    if (mcp) mcp->stop();
    if (idp_server) idp_server->stop();
  }

  void start_idp() {
    http::ServerOptions options;
    options.host = settings.host;
    options.port = settings.idp_port;
    options.threads = 2;
    options.max_body_bytes = 64 * 1024;
    auto tls = http::ensure_local_tls(paths.tls_dir);
    dev_ca = tls.ca_certificate;
    if (settings.idp_tls) {
      options.tls = tls.server;
      ca_file = tls.ca_certificate;
    }
    // The provider is made once the port is known (its public URL names it); requests reach it
    // only after run() starts, by which time it exists.
    idp_server = bind_or_explain("identity provider", "--idp-port", [&] {
      return std::make_unique<http::Server>(
          options, [this](const http::Request& r) { return provider->handle(r); },
          [this](int status, std::string_view message) { return provider->error_response(status, message); });
    });
    settings.idp_port = idp_server->port();
    auto file = paths.config_dir / "idp.yaml";
    write_config(file, idp_yaml(settings));
    keys = std::make_unique<idp::KeyStore>(paths.idp_dir, SystemClock::instance());
    provider = std::make_unique<idp::IdentityProvider>(idp::parse_config(config::YamlReader::from_file(file)), *keys,
                                                       SystemClock::instance());
  }

  void start_server() {
    if (settings.server_port == 0) settings.server_port = pick_free_port(settings.host);
    auto file = paths.config_dir / "server.yaml";
    write_config(file, server_yaml(settings, ca_file));
    auto config = server::parse_server_config(config::YamlReader::from_file(file));
    ensure_private_directory(config.data_dir);
    libraries = prepare_documentation(config.data_dir, settings.corpus_dir);
    mcp = bind_or_explain("MCP server", "--server-port", [&] {
      return std::make_unique<server::McpServer>(std::move(config), SystemClock::instance());
    });
    settings.server_port = mcp->port();

    admin::TenantCheckOptions check;
    check.authority = idp_url(settings);
    check.ca_file = ca_file ? std::optional<std::string>(ca_file->string()) : std::nullopt;
    auto admin = admin::AdminService(mcp->store(), check, SystemClock::instance())
                     .acting_as({"", "mcpgate dev (demo provisioning)", "cli"});
    for (const auto& step : provision_demo_teamspace(admin).steps) spdlog::info("provisioning: {}", step);
  }

  void start_gateway() {
    // The demo secret is public (src/idp/demo.yaml); it still goes through a file reference so
    // the written gateway.yaml shows how a real secret is kept out of the configuration.
    write_file_atomically(paths.secret_file, idp::demo::kGatewaySecret);
    // Kept across starts: registered clients and consents outlive a restart.
    if (!fs::exists(paths.key_file)) write_file_atomically(paths.key_file, crypto::random_token(48));
    if (settings.gateway_port == 0) settings.gateway_port = pick_free_port(settings.host);
    auto file = paths.config_dir / "gateway.yaml";
    write_config(file, gateway_yaml(settings, dev_ca));
    auto config = proxy::parse_gateway_config(config::YamlReader::from_file(file));
    gateway = bind_or_explain("gateway", "--port", [&] {
      return std::make_unique<proxy::Gateway>(std::move(config), SystemClock::instance());
    });
  }

  void write_client_files() {
    auto mcp = mcp_url(settings);
    write_file_atomically(paths.clients_dir / "vscode-mcp.json", vscode_mcp_json(mcp), fs::perms(0644));
    write_file_atomically(paths.clients_dir / "cursor-mcp.json", cursor_mcp_json(mcp), fs::perms(0644));
    write_file_atomically(paths.clients_dir / "claude-code.sh", "#!/bin/sh\n" + claude_code_command(mcp),
                          fs::perms(0755));
    write_file_atomically(paths.stack_file, stack_json(settings), fs::perms(0644));
  }
};

DevStack::DevStack(DevSettings settings) : impl_(std::make_unique<Impl>()) {
  // Before any thread exists (the MCP server starts workers in its constructor), so that every
  // thread inherits the mask and only run()'s signal thread ever takes these signals.
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto& impl = *impl_;
  settings.data_dir = fs::absolute(settings.data_dir);
  impl.settings = std::move(settings);
  impl.paths = layout(impl.settings);
  for (const auto& dir : {impl.settings.data_dir, impl.paths.config_dir, impl.paths.clients_dir, impl.paths.idp_dir,
                          impl.paths.server_dir, impl.paths.logs_dir, impl.paths.secret_file.parent_path()})
    ensure_private_directory(dir);
  impl.start_idp();
  impl.start_server();
  impl.start_gateway();
  impl.write_client_files();
}

DevStack::~DevStack() = default;

const DevSettings& DevStack::settings() const { return impl_->settings; }
const std::optional<fs::path>& DevStack::ca_file() const { return impl_->ca_file; }
const std::vector<std::string>& DevStack::libraries() const { return impl_->libraries; }

void DevStack::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stop_requested = true;
  impl_->changed.notify_all();
}

int DevStack::run() {
  auto& impl = *impl_;
  std::vector<std::thread> components;
  auto serve = [&impl](const char* name, std::function<void()> run) {
    return std::thread([&impl, name, run = std::move(run)] {
      bool ok = true;
      try {
        run();
      } catch (const std::exception& e) {
        spdlog::error("{} failed: {}", name, e.what());
        ok = false;
      }
      std::lock_guard lock(impl.mutex);
      ++impl.finished;
      impl.failed = impl.failed || !ok;
      impl.changed.notify_all();
    });
  };
  components.push_back(serve("identity provider", [&] { impl.idp_server->run(); }));
  components.push_back(serve("MCP server", [&] { impl.mcp->run(); }));
  components.push_back(serve("gateway", [&] { impl.gateway->run(); }));

  std::thread signals([this] {
    sigset_t set = stop_signals();
    int sig = 0;
    if (sigwait(&set, &sig) == 0 && sig != SIGUSR1) {
      spdlog::info("{}: stopping", sig == SIGINT ? "interrupted" : "terminated");
      stop();
    }
  });

  {
    std::unique_lock lock(impl.mutex);
    impl.changed.wait(lock, [&] { return impl.stop_requested || impl.finished > 0; });
    if (!impl.stop_requested && impl.finished > 0) spdlog::error("a component stopped by itself; stopping the others");
  }
  impl.stop_all();
  for (auto& t : components) t.join();
  pthread_kill(signals.native_handle(), SIGUSR1);
  signals.join();
  spdlog::info("stopped");
  std::lock_guard lock(impl.mutex);
  return impl.failed || !impl.stop_requested ? 1 : 0;
}

}  // namespace mcpgate::devstack
