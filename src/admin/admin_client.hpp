#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "admin/admin_service.hpp"
#include "http/client.hpp"

namespace mcpgate::admin {

struct AdminClientOptions {
  std::string server_url;   // the MCP server's base URL: https://mcp.contoso.com
  std::string admin_token;  // its admin.token; never printed
  std::optional<std::string> ca_file;
  std::chrono::milliseconds timeout{30'000};
};

// The command line's operations against a running server's admin REST API (/admin/v1), so that
// `mcpgate admin --server URL` does what `--data-dir` does on the server's own machine. Changes
// are audited by the server as made through the API with the admin token. Answers come back as
// the store's types; the server's error codes and messages come back as Error.
class AdminClient final : public AdminOperations {
 public:
  // Sends one request, waiting for the whole answer; http::fetch outside tests.
  using Send = std::function<http::Response(const http::ClientRequest&)>;

  explicit AdminClient(AdminClientOptions options, Send send = {});

  Result<store::Teamspace> create_teamspace(std::string_view name, std::string_view plan,
                                            std::optional<std::string_view> trial_ends) override;
  Result<std::vector<store::Teamspace>> list_teamspaces() override;
  Result<store::Teamspace> set_plan(std::string_view teamspace, std::string_view plan,
                                    std::optional<std::string_view> trial_ends) override;
  Result<store::EntraConfig> set_entra(std::string_view teamspace, const store::EntraSettings& settings) override;
  Result<store::EntraConfig> entra(std::string_view teamspace) override;
  Result<store::Done> remove_entra(std::string_view teamspace) override;
  Result<TenantCheck> test_entra(std::string_view teamspace) override;
  Result<store::EntraUser> add_user(std::string_view teamspace, std::string_view email, std::string_view oid) override;
  Result<std::vector<store::EntraUser>> users(std::string_view teamspace) override;
  Result<store::Done> remove_user(std::string_view teamspace, std::string_view email_or_oid) override;
  Result<ImportResult> import_users(std::string_view teamspace, std::string_view csv_text,
                                    bool all_or_nothing) override;
  Result<store::Membership> add_member(std::string_view teamspace, std::string_view email,
                                       std::string_view role) override;
  Result<std::vector<store::Membership>> members(std::string_view teamspace) override;
  Result<store::NewApiKey> create_api_key(std::string_view teamspace, std::string_view name) override;
  Result<std::vector<store::ApiKey>> api_keys(std::string_view teamspace) override;
  Result<store::ApiKey> revoke_api_key(std::string_view id) override;
  Result<std::vector<store::UsageRecord>> usage(std::string_view teamspace,
                                                std::optional<std::string_view> limit) override;

 private:
  struct Answer;
  Answer call(std::string method, const std::string& path, std::string body = {},
              std::string_view content_type = "application/json");

  AdminClientOptions options_;
  Send send_;
};

// A path segment with everything but unreserved characters and '@' percent-encoded.
std::string encode_path_segment(std::string_view text);

}  // namespace mcpgate::admin
