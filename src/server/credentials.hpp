#pragma once
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace mcpgate::server {

// The API key of a request, from the first header present of the six Context7 accepts:
// Authorization (a leading "Bearer " is stripped), X-Context7-API-Key, Context7-API-Key,
// X-API-Key, context7_api_key, x_api_key. The view points into the headers.
std::optional<std::string_view> api_key_from(const http::Headers& headers);

}  // namespace mcpgate::server
