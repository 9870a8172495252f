#include "proxy/oauth_clients.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/base64.hpp"
#include "common/strings.hpp"
#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace mcpgate::proxy {
namespace json = boost::json;

namespace {

constexpr std::string_view kSealedPrefix = "mcpgate-client.";
constexpr std::string_view kRefreshPrefix = "mgr1.";
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxRedirectUris = 10;
constexpr size_t kMaxUriLength = 2000;
constexpr size_t kMaxNameLength = 200;

constexpr std::array<std::string_view, 7> kForbiddenSchemes = {"javascript", "data",  "file", "vbscript",
                                                               "blob",       "about", "ftp"};

ClientMetadataError bad(std::string error, std::string description) {
  return {std::move(error), std::move(description)};
}

// An absolute URI without a fragment: https anywhere, http on loopback only, or a native app's
// private-use scheme (vscode://, cursor://); never a scheme a browser would run or read locally.
std::optional<std::string> redirect_uri_problem(const std::string& uri) {
  if (uri.size() > kMaxUriLength) return "is longer than 2000 characters";
  auto u = boost::urls::parse_absolute_uri(uri);
  if (!u) return "is not an absolute URI";
  if (u->has_fragment()) return "has a fragment (RFC 6749 §3.1.2 forbids one)";
  auto scheme = to_lower(u->scheme());
  if (scheme == "http" && !is_loopback_redirect(uri))
    return "uses http on a host other than loopback (localhost, 127.0.0.1, [::1]); use https";
  if (std::find(kForbiddenSchemes.begin(), kForbiddenSchemes.end(), scheme) != kForbiddenSchemes.end())
    return "uses the " + scheme + ": scheme, which cannot receive an authorization response";
  return std::nullopt;
}

std::string derive(std::string_view secret, std::string_view purpose) {
  return crypto::hmac_sha256(secret, "mcpgate gateway key\n" + std::string(purpose));
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  auto h = to_lower(host);
  for (const auto& pattern : allowed) {
    if (pattern.rfind("*.", 0) == 0) {
      std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
      if (h.size() > suffix.size() && std::string_view(h).ends_with(suffix)) return true;
    } else if (h == pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_loopback_redirect(std::string_view uri) {
  auto u = boost::urls::parse_absolute_uri(uri);
  if (!u || to_lower(u->scheme()) != "http") return false;
  auto host = to_lower(u->encoded_host());
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

bool redirect_uri_allowed(const OAuthClient& client, std::string_view uri) {
  for (const auto& registered : client.redirect_uris) {
    if (registered == uri) return true;
    if (!is_loopback_redirect(registered) || !is_loopback_redirect(uri)) continue;
    auto a = boost::urls::parse_absolute_uri(registered);
    auto b = boost::urls::parse_absolute_uri(uri);
    if (a->encoded_host() == b->encoded_host() && a->encoded_path() == b->encoded_path() &&
        a->encoded_query() == b->encoded_query())
      return true;
  }
  return false;
}

GatewayKey::GatewayKey(std::string_view secret)
    : client_key_(derive(secret, "client id")),
      consent_key_(derive(secret, "consent")),
      refresh_key_(derive(secret, "refresh token")) {}

std::string GatewayKey::seal_refresh_token(std::string_view client_id, std::string_view refresh_token) const {
  return std::string(kRefreshPrefix) + base64url_encode(crypto::seal(refresh_key_, refresh_token, client_id));
}

std::optional<std::string> GatewayKey::open_refresh_token(std::string_view client_id, std::string_view sealed) const {
  if (!sealed.starts_with(kRefreshPrefix)) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kRefreshPrefix.size()));
  if (!raw) return std::nullopt;
  return crypto::open(refresh_key_, *raw, client_id);
}

std::string GatewayKey::tag(const std::string& key, std::string_view data) {
  return base64url_encode(crypto::hmac_sha256(key, data).substr(0, kTagBytes));
}

std::string GatewayKey::seal_client(const OAuthClient& client, SysTime issued) const {
  json::array uris;
  for (const auto& u : client.redirect_uris) uris.emplace_back(u);
  // A random part too: two registrations are two clients, each with its own consents.
  json::object body{
      {"n", client.name}, {"r", uris}, {"t", unix_seconds(issued)}, {"i", base64url_encode(crypto::random_bytes(9))}};
  auto payload = base64url_encode(json::serialize(body));
  return std::string(kSealedPrefix) + payload + "." + tag(client_key_, payload);
}

std::optional<OAuthClient> GatewayKey::open_client(std::string_view client_id) const {
  if (!client_id.starts_with(kSealedPrefix)) return std::nullopt;
  auto rest = client_id.substr(kSealedPrefix.size());
  auto dot = rest.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = rest.substr(0, dot);
  if (!crypto::constant_time_equals(tag(client_key_, payload), rest.substr(dot + 1))) return std::nullopt;
  auto text = base64url_decode(payload);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto body = json::parse(*text, ec);
  if (ec || !body.is_object()) return std::nullopt;
  OAuthClient client;
  client.client_id = std::string(client_id);
  client.kind = ClientKind::registered;
  if (auto* n = body.as_object().if_contains("n"); n && n->is_string()) client.name = n->get_string();
  if (auto* r = body.as_object().if_contains("r"); r && r->is_array())
    for (const auto& u : r->get_array())
      if (u.is_string()) client.redirect_uris.emplace_back(u.get_string());
  return client;
}

std::string GatewayKey::consent_tag(std::string_view tenant, std::string_view oid, std::string_view client_id,
                                    int64_t expires) const {
  return tag(consent_key_, std::string(tenant) + "\n" + std::string(oid) + "\n" + std::string(client_id) + "\n" +
                               std::to_string(expires));
}

boost::system::result<OAuthClient, ClientMetadataError> read_client_metadata(std::string_view json_text) {
  boost::system::error_code ec;
  auto body = json::parse(json_text, ec);
  if (ec || !body.is_object()) return bad("invalid_client_metadata", "the client metadata must be a JSON object");
  const auto& o = body.as_object();
  OAuthClient client;
  auto* uris = o.if_contains("redirect_uris");
  if (!uris || !uris->is_array() || uris->as_array().empty())
    return bad("invalid_redirect_uri", "redirect_uris must be a non-empty array");
  if (uris->as_array().size() > kMaxRedirectUris)
    return bad("invalid_redirect_uri", "at most 10 redirect URIs may be registered");
  for (const auto& u : uris->as_array()) {
    if (!u.is_string()) return bad("invalid_redirect_uri", "every redirect URI must be a string");
    std::string uri(u.get_string());
    if (auto problem = redirect_uri_problem(uri))
      return bad("invalid_redirect_uri", "redirect URI '" + uri.substr(0, 200) + "' " + *problem);
    client.redirect_uris.push_back(std::move(uri));
  }
  if (auto* grants = o.if_contains("grant_types"); grants && grants->is_array())
    for (const auto& g : grants->as_array())
      if (!g.is_string() || (g.get_string() != "authorization_code" && g.get_string() != "refresh_token"))
        return bad("invalid_client_metadata",
                   "only the authorization_code and refresh_token grants are available to MCP clients");
  if (auto* types = o.if_contains("response_types"); types && types->is_array())
    for (const auto& t : types->as_array())
      if (!t.is_string() || t.get_string() != "code")
        return bad("invalid_client_metadata", "response_types may only list code");
  if (auto* name = o.if_contains("client_name"); name) {
    if (!name->is_string()) return bad("invalid_client_metadata", "client_name must be a string");
    client.name = std::string(name->get_string()).substr(0, kMaxNameLength);
    client.name.erase(std::remove_if(client.name.begin(), client.name.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
                      client.name.end());
    // Bidirectional overrides (U+202A–202E, U+2066–2069) would let a name read as another.
    for (std::string_view bidi :
         {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"})
      for (auto at = client.name.find(bidi); at != std::string::npos; at = client.name.find(bidi))
        client.name.erase(at, bidi.size());
  }
  return client;
}

bool is_metadata_document_url(std::string_view client_id) { return client_id.starts_with("https://"); }

std::optional<std::string> metadata_url_problem(std::string_view url, const MetadataDocuments& settings) {
  if (!settings.enabled) return "client ID metadata documents are not accepted by this gateway";
  if (url.size() > kMaxUriLength) return "the client ID URL is longer than 2000 characters";
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || to_lower(u->scheme()) != "https") return "a client ID URL must be an absolute https URL";
  if (u->has_fragment()) return "a client ID URL must not have a fragment";
  if (u->has_userinfo()) return "a client ID URL must not carry a user name or password";
  auto path = u->encoded_path();
  if (path.empty() || path == "/") return "a client ID URL must have a path (not just the host)";
  for (const auto& segment : u->segments()) {
    // Decoded: %2e%2e is .. as well.
    if (segment == "." || segment == "..") return "a client ID URL must not contain . or .. path segments";
  }
  if (u->has_query()) return "a client ID URL must not have a query";
  auto host = u->encoded_host();
  // Exactly the name that is resolved and checked: no percent-encoding, only letters, digits,
  // '-' and '.' (or an IP literal), so the allow-list and the connection see the same host.
  if (host.empty() || host.find('%') != std::string_view::npos || !std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' || c == ']' || c == ':';
      }))
    return "a client ID URL must name its host plainly (letters, digits, '-' and '.')";
  if (u->has_port() && u->port() != "443" && !settings.allow_private_addresses)
    return "a client ID URL must use the https port (443)";
  if (!host_allowed(u->host(), settings.allowed_hosts))
    return "the host " + std::string(u->host()) +
           " is not in authorization_server.client_id_metadata_documents.allowed_hosts";
  return std::nullopt;
}

boost::system::result<OAuthClient, ClientMetadataError> read_metadata_document(std::string_view body,
                                                                               std::string_view url) {
  auto client = read_client_metadata(body);
  if (!client) return client.error();
  auto o = json::parse(body).as_object();  // read_client_metadata() parsed it already
  auto* id = o.if_contains("client_id");
  if (!id || !id->is_string() || id->get_string() != url)
    return bad("invalid_client_metadata", "the document's client_id must be its own URL, exactly");
  if (o.contains("client_secret") || o.contains("client_secret_expires_at"))
    return bad("invalid_client_metadata", "a client ID metadata document must not contain a client secret");
  if (auto* method = o.if_contains("token_endpoint_auth_method");
      method && (!method->is_string() || method->get_string() != "none"))
    return bad("invalid_client_metadata",
               "token_endpoint_auth_method must be none: the gateway's clients are public clients with PKCE");
  client->client_id = std::string(url);
  client->kind = ClientKind::metadata_document;
  return client;
}

std::chrono::seconds metadata_lifetime(std::optional<std::string_view> cache_control) {
  using std::chrono::seconds;
  constexpr seconds kDefault{300}, kMin{60}, kMax{86'400};
  if (!cache_control) return kDefault;
  auto value = to_lower(*cache_control);
  if (value.find("no-store") != std::string::npos || value.find("no-cache") != std::string::npos) return seconds(0);
  auto at = value.find("max-age=");
  if (at == std::string::npos) return kDefault;
  const char* begin = value.data() + at + 8;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(begin, value.data() + value.size(), n);
  if (ec != std::errc() || end == begin) return kDefault;
  return std::clamp(seconds(n), kMin, kMax);
}

}  // namespace mcpgate::proxy
