#pragma once
// Who an OAuth client is, when the gateway is the authorization server: a client registered
// through /register (its registration sealed into its client ID, so no table is needed and every
// gateway holding the key knows it), a Client ID Metadata Document (the client ID is an https URL
// of the client's own description), or the pre-registered public client of the registration shim.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "common/clock.hpp"
#include "proxy/gateway_config.hpp"

namespace mcpgate::proxy {

enum class ClientKind {
  preregistered,      // the registration shim's client ID: loopback or allow-listed redirects only
  registered,         // issued by /register
  metadata_document,  // an https URL naming the client's metadata
};

struct OAuthClient {
  std::string client_id;
  ClientKind kind = ClientKind::registered;
  std::string name;  // as the client describes itself: shown, never trusted
  std::vector<std::string> redirect_uris;
};

// RFC 8252 §7.3: a loopback redirect URI matches whatever port the client listens on; any other
// redirect URI must match exactly.
bool redirect_uri_allowed(const OAuthClient& client, std::string_view uri);
bool is_loopback_redirect(std::string_view uri);

// Seals registrations into client IDs and marks consents, with one key (HMAC-SHA-256 under keys
// derived per purpose, so a consent mark can never pass for a client ID or the other way round).
class GatewayKey {
 public:
  explicit GatewayKey(std::string_view secret);

  // "mcpgate-client." + the registration + "." + its tag.
  std::string seal_client(const OAuthClient& client, SysTime issued) const;
  // The client a sealed ID describes; nullopt when it was not made with this key.
  std::optional<OAuthClient> open_client(std::string_view client_id) const;

  // Entra's refresh token, wrapped for one client: unreadable outside the gateway, and of no use
  // with another client ID or after the key changes. "mgr1." + base64url(AES-256-GCM).
  std::string seal_refresh_token(std::string_view client_id, std::string_view refresh_token) const;
  std::optional<std::string> open_refresh_token(std::string_view client_id, std::string_view sealed) const;

  // The tag that records one user's consent to one client until `expires` (unix seconds).
  std::string consent_tag(std::string_view tenant, std::string_view oid, std::string_view client_id,
                          int64_t expires) const;

 private:
  static std::string tag(const std::string& key, std::string_view data);
  std::string client_key_;
  std::string consent_key_;
  std::string refresh_key_;
};

// What a client states about itself in /register or its metadata document, checked the same way:
// redirect URIs (https, or loopback http, or a private-use scheme for native apps), grants, the
// authentication method (none: every client of the gateway is public). Errors are
// {OAuth error code, description}.
struct ClientMetadataError {
  std::string error;  // invalid_redirect_uri, invalid_client_metadata
  std::string description;
};
boost::system::result<OAuthClient, ClientMetadataError> read_client_metadata(std::string_view json_text);

// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client ID that
// is an https URL.
bool is_metadata_document_url(std::string_view client_id);
// Why this URL may not be fetched (scheme, path, fragment, credentials, dot segments, a host
// outside the allow-list); nullopt when it may.
std::optional<std::string> metadata_url_problem(std::string_view url, const MetadataDocuments& settings);
// The document at `url`: read_client_metadata() plus its own rules (client_id equal to the URL,
// no client secret).
boost::system::result<OAuthClient, ClientMetadataError> read_metadata_document(std::string_view body,
                                                                               std::string_view url);
// How long a fetched document may be reused: its Cache-Control max-age, bounded to [1 min, 1 day];
// 5 minutes without one; 0 for no-store or no-cache.
std::chrono::seconds metadata_lifetime(std::optional<std::string_view> cache_control);

}  // namespace mcpgate::proxy
