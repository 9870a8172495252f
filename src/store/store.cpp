#include "store/store.hpp"

#include <array>
#include <stdexcept>
#include <utility>

#include "common/strings.hpp"

namespace mcpgate::store {
namespace {

constexpr std::array<std::pair<Plan, std::string_view>, 4> kPlanNames{{
    {Plan::free, "free"},
    {Plan::pro, "pro"},
    {Plan::enterprise, "enterprise"},
    {Plan::enterprise_trial, "enterprise-trial"},
}};

constexpr std::array<std::pair<Role, std::string_view>, 3> kRoleNames{{
    {Role::owner, "owner"},
    {Role::admin, "admin"},
    {Role::developer, "developer"},
}};

template <class Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "unknown";
}

template <class Enum, size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& names, std::string_view text) {
  for (const auto& [v, name] : names)
    if (iequals(name, text)) return v;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Plan plan) { return name_of(kPlanNames, plan); }
std::optional<Plan> parse_plan(std::string_view text) { return parse_name(kPlanNames, text); }
std::string_view to_string(Role role) { return name_of(kRoleNames, role); }
std::optional<Role> parse_role(std::string_view text) { return parse_name(kRoleNames, text); }

std::string_view to_string(StoreErrorCode code) {
  switch (code) {
    case StoreErrorCode::not_found:
      return "not_found";
    case StoreErrorCode::conflict:
      return "conflict";
    case StoreErrorCode::invalid:
      return "invalid";
    case StoreErrorCode::io:
      return "io";
  }
  return "unknown";
}

StoreError StoreError::make(StoreErrorCode code, std::string message) {
  StoreError e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

void throw_exception_from_error(const StoreError& error, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(error.code)) + ": " + error.message);
}

}  // namespace mcpgate::store
