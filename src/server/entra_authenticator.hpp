#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "auth/key_set.hpp"
#include "common/clock.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace mcpgate::server {

// Who a request is made as, once resolved.
struct Principal {
  int64_t teamspace_id = 0;
  std::optional<int64_t> user_id;
  std::string label;  // the user's email, or the API key's name
  std::string tenant_id;
  std::string oid;
  std::vector<std::string> groups;
};

// Why a credential was refused: a stable reason (tenant_not_configured, audience_mismatch,
// issuer_mismatch, v1_token, scope_missing, user_not_provisioned, token_expired, bad_signature, …)
// and one sentence to act on. It speaks of the token only, never of other teamspaces.
struct AuthFailure {
  std::string reason;
  std::string detail;
};

// Signing keys of every tenant some teamspace trusts, fetched from
// <authority>/<tenant>/v2.0/.well-known/openid-configuration when first needed and refreshed as
// the key-set policy says. Blocking: call from worker threads only. A failed refresh keeps the
// keys already loaded.
class TenantKeys {
 public:
  // GETs a URL and returns the answer; throws http::ClientError when nothing answers. The seam
  // that lets tests serve discovery documents and key sets without sockets.
  using Fetch = std::function<http::Response(const std::string& url)>;
  // Fetches with http::fetch, trusting ca_file besides the system's CAs.
  static Fetch http_fetch(std::optional<std::string> ca_file);

  TenantKeys(std::string authority, std::optional<std::string> ca_file, auth::KeySetPolicy policy, const Clock& clock);
  TenantKeys(std::string authority, Fetch fetch, auth::KeySetPolicy policy, const Clock& clock);

  struct Snapshot {
    std::string issuer;
    std::shared_ptr<auth::KeySet> keys;
  };
  // Loads or refreshes when due (or when force_refetch and the key set allows it); the error
  // (keys_unavailable) names what could not be fetched.
  boost::system::result<Snapshot, AuthFailure> get(const std::string& tenant_id, bool force_refetch = false);

 private:
  struct Entry {
    std::mutex mutex;  // one fetch per tenant at a time
    std::string issuer;
    std::shared_ptr<auth::KeySet> keys;
  };
  std::optional<std::string> fetch(const std::string& tenant_id, Entry& entry);

  std::string authority_;
  Fetch fetch_;
  auth::KeySetPolicy policy_;
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>> tenants_;
};

// The guide's two-stage check: the token against a teamspace's tenant configuration (signature,
// issuer, audience, required scope), then (tid, oid) against the teamspace's provisioned users.
class EntraAuthenticator {
 public:
  EntraAuthenticator(store::Store& store, TenantKeys& keys, std::chrono::seconds clock_skew, const Clock& clock);
  boost::system::result<Principal, AuthFailure> authenticate(std::string_view token);

 private:
  store::Store& store_;
  TenantKeys& keys_;
  std::chrono::seconds clock_skew_;
  const Clock& clock_;
};

}  // namespace mcpgate::server
