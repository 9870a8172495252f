#pragma once
#include <optional>
#include <string>

#include "docs/docs_service.hpp"
#include "http/form.hpp"
#include "http/message.hpp"
#include "http/rate_limiter.hpp"
#include "server/entra_authenticator.hpp"
#include "store/store.hpp"

namespace mcpgate::server {

struct DocsApiOptions {
  bool public_search = false;  // /api/v2/libs/search without credentials, as Context7 allows
  int default_tokens = 5000;   // /api/v2/context
  int v1_default_tokens = 10000;
  int max_tokens = 20000;
};

// The REST API Context7's MCP server, SDK and CLI call (base <root>/api): library search,
// documentation context (v2 and the legacy v1), the Entra configuration lookup, /api/auth/mcp and
// /api/health. Errors are {"error", "message"} with Context7's codes and statuses.
class DocsApi {
 public:
  DocsApi(docs::DocsService& service, store::Store& store, http::RateLimiter& limiter, DocsApiOptions options);

  // Routes that answer without credentials (health, Entra configuration, auth discovery, and
  // search when public_search is on).
  bool is_public(const http::Request& request) const;
  // `caller` is empty only for public routes.
  http::Response handle(const http::Request& request, const std::optional<Principal>& caller);

 private:
  http::Response search(const http::Form& form, const docs::Viewer& viewer);
  http::Response context(const http::Request& request, const docs::Viewer& viewer, const std::string& library,
                         const std::string& query, int tokens, const std::string& type);
  http::Response entra_config(const std::string& audience);

  docs::DocsService& service_;
  store::Store& store_;
  http::RateLimiter& limiter_;
  DocsApiOptions options_;
};

// {"error": code, "message": message} with the status.
http::Response api_error(int status, const std::string& code, const std::string& message);

}  // namespace mcpgate::server
