#include "doctor/check.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace mcpgate::doctor {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "PASS";
    case Outcome::fail:
      return "FAIL";
    case Outcome::skip:
      return "SKIP";
  }
  return "SKIP";
}

std::string render_text(const std::vector<Check>& checks) {
  size_t width = 0;
  for (const auto& c : checks) width = std::max(width, c.name.size());
  std::string out;
  for (const auto& c : checks) {
    out += std::string(to_string(c.outcome)) + " " + c.name + std::string(width - c.name.size() + 2, ' ') + c.message +
           "\n";
  }
  return out;
}

std::string render_json(const std::vector<Check>& checks) {
  boost::json::array list;
  for (const auto& c : checks) {
    std::string status(to_string(c.outcome));
    std::transform(status.begin(), status.end(), status.begin(),
                   [](unsigned char ch) { return char(std::tolower(ch)); });
    list.push_back(boost::json::object{{"name", c.name}, {"status", status}, {"message", c.message}});
  }
  return boost::json::serialize(boost::json::object{{"ok", exit_code(checks) == 0}, {"checks", list}}) + "\n";
}

int exit_code(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.outcome == Outcome::fail; }) ? 1 : 0;
}

}  // namespace mcpgate::doctor
