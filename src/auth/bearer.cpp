#include "auth/bearer.hpp"

#include "common/strings.hpp"

namespace mcpgate::auth {
namespace {

constexpr std::string_view kScheme = "Bearer";

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

boost::system::result<std::string_view, BearerError> extract_bearer(const http::Headers& headers) {
  std::optional<std::string_view> value;
  for (auto [name, field] : headers.fields()) {
    if (!iequals(name, "Authorization")) continue;
    if (value) return BearerError::duplicate_header;
    value = field;
  }
  if (!value) return BearerError::missing;

  std::string_view v = trim(*value);
  if (v.size() < kScheme.size() || !iequals(v.substr(0, kScheme.size()), kScheme)) return BearerError::not_bearer;
  std::string_view rest = v.substr(kScheme.size());
  if (rest.empty()) return BearerError::empty;
  // RFC 6750 §2.1: the scheme and the token are separated by one or more spaces.
  if (rest.front() != ' ') return BearerError::not_bearer;
  std::string_view token = trim(rest);
  if (token.empty()) return BearerError::empty;
  return token;
}

}  // namespace mcpgate::auth
