#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::doctor {

enum class Outcome { pass, fail, skip };      // skip: nothing to compare against, not a failure
std::string_view to_string(Outcome outcome);  // "PASS", "FAIL", "SKIP"

// One line of the report: what was checked, how it came out, and — when it failed — the fix.
// Messages never contain the token or a secret.
struct Check {
  std::string name;  // "issuer", "audience", "scope", "expiry", "tenant", "signature", …
  Outcome outcome = Outcome::skip;
  std::string message;
};

inline Check pass(std::string name, std::string message) {
  return {std::move(name), Outcome::pass, std::move(message)};
}
inline Check fail(std::string name, std::string message) {
  return {std::move(name), Outcome::fail, std::move(message)};
}
inline Check skip(std::string name, std::string message) {
  return {std::move(name), Outcome::skip, std::move(message)};
}

// `PASS audience   …` per line, names aligned.
std::string render_text(const std::vector<Check>& checks);
// {"ok":true|false,"checks":[{"name","status":"pass|fail|skip","message"}]}
std::string render_json(const std::vector<Check>& checks);
// 0 when nothing failed, 1 otherwise.
int exit_code(const std::vector<Check>& checks);

}  // namespace mcpgate::doctor
