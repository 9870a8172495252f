#pragma once
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "crypto/key.hpp"

namespace mcpgate::auth {

// The fields of an OpenID Connect discovery document that validation needs.
struct OpenIdMetadata {
  std::string issuer;
  std::string jwks_uri;
  std::string authorization_endpoint;
  std::string token_endpoint;
};

// nullopt plus a reason (in `error`) when the document is not JSON or lacks issuer/jwks_uri.
std::optional<OpenIdMetadata> parse_openid_metadata(std::string_view json, std::string& error);

// Loading a tenant's keys is two fetches, done by whoever can (the gateway asynchronously, the
// server on its workers); what to fetch and what to make of each answer is decided here, once.
// Errors are sentences naming the URL.
std::string openid_configuration_url(std::string_view authority, std::string_view tenant_id);
// The discovery answer: HTTP 200, a valid document, and an issuer that names the tenant.
std::optional<OpenIdMetadata> read_discovery_answer(std::string_view url, int status, std::string_view body,
                                                    std::string_view tenant_id, std::string& error);

struct KeySetPolicy {
  std::chrono::seconds refresh_interval{3600};         // periodic refresh of a loaded set
  std::chrono::seconds unknown_kid_min_interval{300};  // at most one refetch per this for unknown kids
};

// One tenant's signing keys, by kid. No I/O: whoever fetches the JWKS feeds it here, and asks
// when a fetch is due. Thread-safe. A failed fetch never drops keys already loaded.
class KeySet {
 public:
  // The JWKS answer from `url` (HTTP 200 and a valid set), applied; nullopt on success.
  std::optional<std::string> update_from(std::string_view url, int status, std::string_view body, SysTime now);
  struct Entry {
    crypto::Key key;
    std::optional<std::string> issuer;  // the JWK's "issuer" member, Entra's per-key scoping
  };

  explicit KeySet(KeySetPolicy policy = {});

  // Replaces the keys with those of a JWKS document. Keys of unsupported types are skipped;
  // a document with no usable key is an error and the old keys stay. Returns the error, if any.
  std::optional<std::string> update(std::string_view jwks_json, SysTime now);
  // Records a fetch attempt that failed (unreachable, not JSON …) so retries are rate-limited.
  void fetch_failed(SysTime now);

  std::optional<Entry> find(std::string_view kid) const;
  bool loaded() const;
  size_t size() const;
  std::vector<std::string> kids() const;  // sorted
  bool refresh_due(SysTime now) const;
  // True at most once per unknown_kid_min_interval: the caller then refetches and retries.
  bool claim_unknown_kid_refetch(SysTime now);

 private:
  KeySetPolicy policy_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> keys_;
  std::optional<SysTime> last_success_;
  std::optional<SysTime> last_attempt_;
  std::optional<SysTime> last_unknown_kid_refetch_;
};

}  // namespace mcpgate::auth
