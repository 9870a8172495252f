#include "auth/challenge.hpp"

#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/base64.hpp"
#include "common/strings.hpp"

namespace mcpgate::auth {
namespace {

using Params = std::vector<std::pair<std::string_view, std::string>>;

// An auth-param value as a quoted-string: `"` and `\` backslash-escaped, CR and LF dropped so
// nothing can split the header.
std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// `Bearer name="value", …`, skipping parameters with empty values.
std::string bearer_challenge(const Params& params) {
  std::string out = "Bearer";
  bool first = true;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += first ? " " : ", ";
    first = false;
    out += name;
    out += '=';
    out += quoted(value);
  }
  return out;
}

http::Response refusal(int status, const Params& params, std::string_view error, std::string_view reason,
                       std::string_view message, const boost::json::object& extra = {}) {
  boost::json::object body{{"error", error}, {"reason", reason}, {"message", message}};
  for (const auto& [key, value] : extra) body[key] = value;
  auto response = http::Response::json(status, body);
  response.headers.set("WWW-Authenticate", bearer_challenge(params));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// Entra sends the claims minified; re-serialise valid JSON to match, pass anything else as is.
std::string minified(const std::string& json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  return ec ? json : boost::json::serialize(value);
}

}  // namespace

http::Response token_refused(const VerifyError& error, const ChallengeContext& context) {
  const std::string_view reason = reason_code(error.failure);
  if (error.failure == TokenFailure::missing)
    return refusal(401, {{"resource_metadata", context.resource_metadata_url}, {"scope", context.scope}},
                   "unauthorized", reason, error.detail);
  if (error.failure != TokenFailure::scope_missing) return invalid_token(reason, error.detail, context);
  return refusal(403,
                 {{"resource_metadata", context.resource_metadata_url},
                  {"scope", context.scope},
                  {"error", "insufficient_scope"},
                  {"error_description", error.detail}},
                 "insufficient_scope", reason, error.detail);
}

http::Response invalid_token(std::string_view reason, const std::string& detail, const ChallengeContext& context,
                             const boost::json::object& extra) {
  return refusal(401,
                 {{"resource_metadata", context.resource_metadata_url},
                  {"scope", context.scope},
                  {"error", "invalid_token"},
                  {"error_description", detail}},
                 "invalid_token", reason, detail, extra);
}

http::Response claims_challenge(const std::string& claims_json, const std::string& message,
                                const ChallengeContext& context) {
  return refusal(401,
                 {{"resource_metadata", context.resource_metadata_url},
                  {"error", "insufficient_claims"},
                  {"claims", base64_encode(minified(claims_json))},
                  {"error_description", message}},
                 "insufficient_claims", "insufficient_claims", message);
}

namespace {

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over one header value: tokens, token68s and quoted-strings, nothing more.
struct ChallengeScanner {
  std::string_view rest;

  void skip_spaces() {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  }
  void skip_separators() {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == ',')) rest.remove_prefix(1);
  }
  std::string_view token() {
    size_t n = 0;
    while (n < rest.size() && is_tchar(rest[n])) ++n;
    auto out = rest.substr(0, n);
    rest.remove_prefix(n);
    return out;
  }
  // After the opening quote; nullopt when the string never closes.
  std::optional<std::string> quoted() {
    std::string out;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) {
        out += rest[++i];
      } else if (rest[i] == '"') {
        rest.remove_prefix(i + 1);
        return out;
      } else {
        out += rest[i];
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::string bearer_error_code(std::string_view www_authenticate) {
  ChallengeScanner scan{www_authenticate};
  bool in_bearer = false;
  for (;;) {
    scan.skip_separators();
    if (scan.rest.empty()) return {};
    auto word = scan.token();
    if (word.empty()) return {};  // a character no challenge may hold here
    // A word not followed by '=' starts a challenge (a token68 like "abc==" is read as a
    // parameter without a name and skipped below).
    auto before_equals = scan.rest;
    scan.skip_spaces();
    if (scan.rest.empty() || scan.rest.front() != '=') {
      in_bearer = iequals(word, "Bearer");
      scan.rest = before_equals;
      continue;
    }
    scan.rest.remove_prefix(1);
    scan.skip_spaces();
    std::string value;
    if (!scan.rest.empty() && scan.rest.front() == '"') {
      scan.rest.remove_prefix(1);
      auto text = scan.quoted();
      if (!text) return {};
      value = std::move(*text);
    } else {
      value = std::string(scan.token());
      while (!scan.rest.empty() && scan.rest.front() == '=') scan.rest.remove_prefix(1);  // token68 padding
    }
    if (in_bearer && iequals(word, "error")) return value;
  }
}

}  // namespace mcpgate::auth
