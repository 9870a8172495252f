#pragma once
// Shared by the admin unit tests: made-up directory IDs, a stand-in identity provider that serves
// discovery documents on a loopback port, and a real SQLite store in a temporary directory whose
// clock the test moves.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http/server.hpp"
#include "store/sqlite_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate::admin::testing {

inline constexpr std::string_view kTenant = "10000000-0000-4000-8000-000000000001";
inline constexpr std::string_view kOtherTenant = "10000000-0000-4000-8000-000000000002";
inline constexpr std::string_view kAudience = "20000000-0000-4000-8000-00000000000a";

// Object ID number n: 30000000-0000-4000-8000-00000000000n (n in hexadecimal).
inline std::string oid(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "30000000-0000-4000-8000-%012x", n);
  return text;
}

inline bool mentions(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The members of a v2.0 OpenID Connect discovery document that matter here.
inline std::string discovery_document(const std::string& issuer) {
  return boost::json::serialize(boost::json::object{{"issuer", issuer},
                                                    {"jwks_uri", issuer + "/discovery/v2.0/keys"},
                                                    {"token_endpoint", issuer + "/oauth2/v2.0/token"}});
}

// A stand-in identity provider on a loopback port, served from its own thread: every request
// gets the answer the test set last (by default 404), and its path is remembered.
class DiscoveryServer {
 public:
  DiscoveryServer()
      : server_({}, [this](const http::Request& r) { return answer(r); }), thread_([this] { server_.run(); }) {}
  ~DiscoveryServer() {
    server_.stop();
    thread_.join();
  }

  std::string authority() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  // The issuer the development IdP names for `tenant`: <authority>/<tenant>/v2.0.
  std::string issuer_for(std::string_view tenant) const { return authority() + "/" + std::string(tenant) + "/v2.0"; }

  void respond(http::Response response) {
    std::lock_guard guard(mutex_);
    response_ = std::move(response);
  }
  void serve_issuer(const std::string& issuer) {
    respond(http::Response::text(200, discovery_document(issuer), "application/json"));
  }

  std::vector<std::string> paths() const {
    std::lock_guard guard(mutex_);
    return paths_;
  }

 private:
  http::Response answer(const http::Request& request) {
    std::lock_guard guard(mutex_);
    paths_.push_back(request.path);
    return response_;
  }

  mutable std::mutex mutex_;
  http::Response response_ = http::Response::text(404, "not found");
  std::vector<std::string> paths_;
  http::Server server_;
  std::thread thread_;
};

// A fresh store per test, on a clock that starts at 2027-01-15T08:00:00Z and moves on request.
class StoreFixture : public ::testing::Test {
 protected:
  // An enterprise teamspace with its tenant configured, as an admin leaves it after Step 1.
  store::Teamspace enterprise(const std::string& name, std::string_view tenant = kTenant) {
    auto ts = store->create_teamspace(name, store::Plan::enterprise, std::nullopt).value();
    store->set_entra_config(name, {std::string(tenant), std::string(kAudience), "mcp.access"}).value();
    return ts;
  }

  mcpgate::testing::TempDir dir;
  mcpgate::testing::ManualClock clock;
  std::unique_ptr<store::Store> store = store::open_sqlite_store(dir / "store.db", clock);
};

}  // namespace mcpgate::admin::testing
