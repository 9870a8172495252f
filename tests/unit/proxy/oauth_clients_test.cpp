#include "proxy/oauth_clients.hpp"

#include <gtest/gtest.h>

namespace mcpgate::proxy {
namespace {

constexpr const char* kDocUrl = "https://app.example.com/oauth/client.json";

TEST(RedirectUri, LoopbackMatchesAnyPortOtherwiseExactly) {
  OAuthClient c;
  c.redirect_uris = {"http://127.0.0.1:33418/callback", "https://app.example.com/cb"};
  EXPECT_TRUE(redirect_uri_allowed(c, "http://127.0.0.1:33418/callback"));
  EXPECT_TRUE(redirect_uri_allowed(c, "http://127.0.0.1:50000/callback"));  // RFC 8252 §7.3
  EXPECT_FALSE(redirect_uri_allowed(c, "http://127.0.0.1:50000/other"));
  EXPECT_FALSE(redirect_uri_allowed(c, "http://localhost:33418/callback"));  // another host
  EXPECT_TRUE(redirect_uri_allowed(c, "https://app.example.com/cb"));
  EXPECT_FALSE(redirect_uri_allowed(c, "https://app.example.com/cb?x=1"));
  EXPECT_FALSE(redirect_uri_allowed(c, "https://app.example.com:8443/cb"));
  EXPECT_TRUE(is_loopback_redirect("http://[::1]:9/x"));
  EXPECT_FALSE(is_loopback_redirect("https://localhost/x"));
}

TEST(ClientMetadata, RefusesRedirectsThatCannotBeSafe) {
  auto with = [](const std::string& uri) {
    return read_client_metadata(R"({"redirect_uris":[")" + uri + R"("],"client_name":"x"})");
  };
  EXPECT_TRUE(with("http://127.0.0.1:1234/cb"));
  EXPECT_TRUE(with("https://app.example.com/cb"));
  EXPECT_TRUE(with("vscode://vscode.github-authentication/did-authenticate"));
  EXPECT_EQ(with("http://app.example.com/cb").error().error, "invalid_redirect_uri");
  EXPECT_EQ(with("javascript:alert(1)").error().error, "invalid_redirect_uri");
  EXPECT_EQ(with("https://app.example.com/cb#frag").error().error, "invalid_redirect_uri");
  EXPECT_EQ(with("not a uri").error().error, "invalid_redirect_uri");
  EXPECT_EQ(read_client_metadata(R"({"redirect_uris":[]})").error().error, "invalid_redirect_uri");
  EXPECT_EQ(
      read_client_metadata(R"({"redirect_uris":["https://a.example/cb"],"grant_types":["password"]})").error().error,
      "invalid_client_metadata");
  EXPECT_EQ(read_client_metadata("[1]").error().error, "invalid_client_metadata");
  auto control = read_client_metadata(R"({"redirect_uris":["https://a.example/cb"],"client_name":"Evil\u000a<b>"})");
  ASSERT_TRUE(control);
  EXPECT_EQ(control->name, "Evil<b>");  // control characters dropped; escaping is the page's job
  auto bidi = read_client_metadata(R"({"redirect_uris":["https://a.example/cb"],"client_name":"Good\u202eliveEvil"})");
  ASSERT_TRUE(bidi);
  EXPECT_EQ(bidi->name, "GoodliveEvil") << "no right-to-left override to make a name read as another";
}

TEST(GatewayKey, SealedClientIdsOpenOnlyUnderTheSameKeyAndUntouched) {
  GatewayKey key("a-secret-of-at-least-thirty-two-characters!");
  OAuthClient c;
  c.name = "Editor";
  c.redirect_uris = {"http://127.0.0.1/cb"};
  auto id = key.seal_client(c, SysTime(std::chrono::seconds(1'700'000'000)));
  ASSERT_EQ(id.rfind("mcpgate-client.", 0), 0U);
  auto opened = key.open_client(id);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->name, "Editor");
  EXPECT_EQ(opened->redirect_uris, c.redirect_uris);
  EXPECT_EQ(opened->kind, ClientKind::registered);
  EXPECT_FALSE(GatewayKey("another-secret-of-at-least-thirty-two-chars").open_client(id));
  auto tampered = id;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(key.open_client(tampered));
  EXPECT_FALSE(key.open_client("mcpgate-client.nodot"));
  // A consent tag is bound to tenant, user, client and expiry.
  auto tag = key.consent_tag("t", "oid", id, 100);
  EXPECT_EQ(tag, key.consent_tag("t", "oid", id, 100));
  EXPECT_NE(tag, key.consent_tag("t", "oid2", id, 100));
  EXPECT_NE(tag, key.consent_tag("t", "oid", id, 101));
}

TEST(MetadataDocuments, UrlRules) {
  MetadataDocuments rules;
  EXPECT_FALSE(metadata_url_problem(kDocUrl, rules));
  EXPECT_TRUE(metadata_url_problem("http://app.example.com/client.json", rules));
  EXPECT_TRUE(metadata_url_problem("https://app.example.com", rules));
  EXPECT_TRUE(metadata_url_problem("https://app.example.com/", rules));
  EXPECT_TRUE(metadata_url_problem("https://app.example.com/a#b", rules));
  EXPECT_TRUE(metadata_url_problem("https://user:pw@app.example.com/a", rules));
  EXPECT_TRUE(metadata_url_problem("https://app.example.com/a/../b", rules));
  EXPECT_TRUE(metadata_url_problem("https://app.example.com/a/%2e%2e/b", rules));
  rules.allowed_hosts = {"*.example.com", "localhost"};
  EXPECT_FALSE(metadata_url_problem(kDocUrl, rules));
  EXPECT_TRUE(metadata_url_problem("https://localhost:8443/c.json", rules)) << "443 only, outside development";
  EXPECT_TRUE(metadata_url_problem("https://app.example.com/c.json?x=1", rules)) << "no query";
  EXPECT_TRUE(metadata_url_problem("https://evil.com%00.example.com/c.json", rules)) << "a host spelled plainly";
  rules.allow_private_addresses = true;
  EXPECT_FALSE(metadata_url_problem("https://localhost:8443/c.json", rules));
  rules.allow_private_addresses = false;
  EXPECT_TRUE(metadata_url_problem("https://example.com/c.json", rules));  // the pattern means subdomains
  EXPECT_TRUE(metadata_url_problem("https://evil-example.com/c.json", rules));
  rules.enabled = false;
  EXPECT_TRUE(metadata_url_problem(kDocUrl, rules));
}

TEST(MetadataDocuments, DocumentRules) {
  auto doc = [](const std::string& extra) {
    return R"({"client_id":")" + std::string(kDocUrl) +
           R"(","client_name":"Editor","redirect_uris":["http://127.0.0.1/cb"])" + extra + "}";
  };
  auto ok = read_metadata_document(doc(""), kDocUrl);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->client_id, kDocUrl);
  EXPECT_EQ(ok->kind, ClientKind::metadata_document);
  EXPECT_TRUE(read_metadata_document(doc(R"(,"token_endpoint_auth_method":"none")"), kDocUrl));
  EXPECT_FALSE(read_metadata_document(doc(""), "https://app.example.com/other.json"));  // not its own URL
  EXPECT_FALSE(read_metadata_document(doc(R"(,"client_secret":"s")"), kDocUrl));
  EXPECT_FALSE(read_metadata_document(doc(R"(,"token_endpoint_auth_method":"client_secret_basic")"), kDocUrl));
}

TEST(MetadataDocuments, CachedAsTheirHeadersSayWithinBounds) {
  using std::chrono::seconds;
  EXPECT_EQ(metadata_lifetime(std::nullopt), seconds(300));
  EXPECT_EQ(metadata_lifetime("public, max-age=3600"), seconds(3600));
  EXPECT_EQ(metadata_lifetime("max-age=5"), seconds(60));
  EXPECT_EQ(metadata_lifetime("max-age=99999999"), seconds(86'400));
  EXPECT_EQ(metadata_lifetime("no-store"), seconds(0));
  EXPECT_EQ(metadata_lifetime("max-age=abc"), seconds(300));
}

}  // namespace
}  // namespace mcpgate::proxy
