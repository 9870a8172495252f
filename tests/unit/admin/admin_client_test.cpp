// The command line's REST client against the real admin API over a real store, the HTTP hop
// replaced by a direct call (the transport is http::fetch's, tested on its own).
#include "admin/admin_client.hpp"

#include <gtest/gtest.h>

#include "admin/admin_api.hpp"
#include "unit/admin/admin_fixture.hpp"

namespace mcpgate::admin {
namespace {

using namespace testing;  // the admin fixture

constexpr std::string_view kToken = "admin-token-0123456789abcdef";

class AdminClientTest : public StoreFixture {
 protected:
  AdminClient client(std::string token = std::string(kToken)) {
    return AdminClient({.server_url = "https://mcp.contoso.com/", .admin_token = std::move(token)},
                       [this](const http::ClientRequest& c) {
                         sent.push_back(c);
                         http::Request r;
                         r.method = c.method;
                         auto path = c.url.substr(std::string_view("https://mcp.contoso.com").size());
                         auto q = path.find('?');
                         r.target = path;
                         r.path = path.substr(0, q);
                         r.query = q == std::string::npos ? "" : path.substr(q + 1);
                         r.headers = c.headers;
                         r.body = c.body;
                         return api.handle(r);
                       });
  }

  DiscoveryServer idp;
  AdminApi api{*store, {.admin_token = std::string(kToken), .authority = idp.authority()}, clock};
  std::vector<http::ClientRequest> sent;
};

TEST_F(AdminClientTest, DoesWhatTheStoreDoesThroughTheApi) {
  auto remote = client();
  EXPECT_EQ(remote.create_teamspace("acme", "enterprise", std::nullopt).value().name, "acme");
  EXPECT_EQ(sent.at(0).url, "https://mcp.contoso.com/admin/v1/teamspaces");
  EXPECT_EQ(sent.at(0).headers.get("Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(remote.list_teamspaces().value().size(), 1u);
  auto config = remote.set_entra("acme", {std::string(kTenant), std::string(kAudience), "mcp.access"}).value();
  EXPECT_EQ(config.tenant_id, kTenant);
  EXPECT_EQ(remote.entra("acme").value().required_scope, "mcp.access");
  EXPECT_EQ(remote.add_user("acme", "bob@contoso.com", oid(2)).value().oid, oid(2));
  auto imported = remote.import_users("acme", "carol@contoso.com," + oid(3) + "\nbad,row\n", true).value();
  EXPECT_EQ(imported.failed, 1u);
  EXPECT_EQ(imported.rows.size(), 2u);
  EXPECT_EQ(remote.users("acme").value().size(), 1u);
  EXPECT_EQ(remote.members("acme").value().at(0).role, store::Role::developer);
  auto key = remote.create_api_key("acme", "ci").value();
  EXPECT_TRUE(key.secret.starts_with("ctx7sk-"));
  EXPECT_EQ(remote.api_keys("acme").value().at(0).prefix, key.key.prefix);
  EXPECT_TRUE(remote.revoke_api_key(std::to_string(key.key.id)));
  EXPECT_TRUE(remote.api_keys("acme").value().at(0).revoked);
  EXPECT_TRUE(remote.remove_user("acme", "bob@contoso.com"));
  EXPECT_TRUE(remote.usage("acme", std::nullopt).value().empty());
  EXPECT_TRUE(remote.remove_entra("acme"));

  auto audit = store->audit_log("acme", 20).value();
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].channel, "api");
}

TEST_F(AdminClientTest, ReadsEveryPageOfUsers) {
  enterprise("acme");
  std::string csv;
  for (int i = 1; i <= 1005; ++i) csv += "u" + std::to_string(i) + "@contoso.com," + oid(i) + "\n";
  store->import_entra_users_csv("acme", csv, true).value();
  EXPECT_EQ(client().users("acme").value().size(), 1005u);
}

TEST_F(AdminClientTest, ReportsTheServersErrorsAsItsOwn) {
  auto remote = client();
  auto missing = remote.entra("nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  enterprise("acme");
  auto conflict = remote.create_teamspace("acme", "free", std::nullopt);
  EXPECT_EQ(conflict.error().code, ErrorCode::conflict);
  auto refused = client("wrong-token").list_teamspaces();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthorized);
  EXPECT_FALSE(mentions(refused.error().message, "wrong-token"));
}

TEST_F(AdminClientTest, AnUnreachableServerIsNamed) {
  AdminClient remote(
      {.server_url = "http://127.0.0.1:1", .admin_token = std::string(kToken)},
      [](const http::ClientRequest&) -> http::Response { throw http::ClientError("connection refused"); });
  auto r = remote.list_teamspaces();
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error().message, "cannot reach the server at http://127.0.0.1:1"));
}

TEST(EncodePathSegment, KeepsEmailsReadableAndEncodesTheRest) {
  EXPECT_EQ(encode_path_segment("bob@contoso.com"), "bob@contoso.com");
  EXPECT_EQ(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
  EXPECT_EQ(encode_path_segment("../x"), "..%2Fx");
}

}  // namespace
}  // namespace mcpgate::admin
