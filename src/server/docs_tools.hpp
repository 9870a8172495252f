#pragma once
#include <string>

#include "docs/docs_service.hpp"
#include "http/rate_limiter.hpp"
#include "mcp/tools.hpp"

namespace mcpgate::server {

struct DocsToolOptions {
  int default_tokens = 5000;
  int max_tokens = 20000;
};

// Who a call is charged to for rate limiting: the user (teamspace + tenant + oid, or the
// label of an API key), never an IP address.
std::string rate_key(const mcp::CallContext& context);

// resolve-library-id, query-docs and the deprecated get-library-docs, with Context7's names,
// titles, schemas, argument aliases, annotations, texts and error texts.
void install_docs_tools(mcp::ToolRegistry& tools, docs::DocsService& service, http::RateLimiter& limiter,
                        DocsToolOptions options);

}  // namespace mcpgate::server
