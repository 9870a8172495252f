// What an outsider names a client with, at the gateway as authorization server: a registration
// body, a client ID metadata document (and its URL), a sealed client ID, a sealed session ID.
// Invariants: whatever a reader accepts, sealing it again opens to the same thing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/oauth_clients.hpp"
#include "proxy/upstream_set.hpp"

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const proxy::GatewayKey key("a-fuzzing-key-of-at-least-thirty-two-characters");
  static proxy::UpstreamSet set({"http://a", "http://b"}, {}, "a-fuzzing-key-of-at-least-thirty-two-characters");

  if (auto client = proxy::read_client_metadata(input)) {
    auto sealed = key.seal_client(*client, SysTime{});
    auto opened = key.open_client(sealed);
    if (!opened || opened->redirect_uris != client->redirect_uris || opened->name != client->name) std::abort();
    for (const auto& uri : client->redirect_uris)
      if (!proxy::redirect_uri_allowed(*opened, uri)) std::abort();
  }
  (void)key.open_client(input);
  (void)key.open_refresh_token("client", input);
  if (key.open_refresh_token("client", key.seal_refresh_token("client", input)) != std::string(input)) std::abort();
  auto newline = input.find('\n');
  auto url = input.substr(0, newline);
  proxy::MetadataDocuments rules;
  (void)proxy::metadata_url_problem(url, rules);
  if (newline != std::string_view::npos) {
    auto document = proxy::read_metadata_document(input.substr(newline + 1), url);
    if (document && document->client_id != url) std::abort();
  }
  (void)proxy::metadata_lifetime(input);
  if (auto bound = set.open_session(input)) {
    auto again = set.open_session(set.seal_session(bound->upstream, bound->session));
    if (!again || again->upstream != bound->upstream || again->session != bound->session) std::abort();
  }
  if (!input.empty()) {
    auto reopened = set.open_session(set.seal_session(size % 2, input));
    if (!reopened || reopened->session != input) std::abort();
  }
  return 0;
}
