#pragma once
#include <string_view>

#include <boost/system/result.hpp>

#include "http/message.hpp"

namespace mcpgate::auth {

enum class BearerError {
  missing,           // no Authorization header at all
  duplicate_header,  // more than one Authorization header (ambiguous: refuse)
  not_bearer,        // another scheme (Basic, …)
  empty,             // "Bearer" with nothing after it
};

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750 §2.1).
// The view points into headers.
boost::system::result<std::string_view, BearerError> extract_bearer(const http::Headers& headers);

}  // namespace mcpgate::auth
