#include "store/validation.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/strings.hpp"

namespace mcpgate::store {
namespace {

constexpr std::string_view kNilGuid = "00000000-0000-0000-0000-000000000000";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kMaxEmailChars = 254;
constexpr size_t kMaxLocalPartChars = 64;
constexpr size_t kMaxDnsLabelChars = 63;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }
bool is_alnum(char c) { return is_ascii(c) && std::isalnum(static_cast<unsigned char>(c)); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

size_t utf8_chars(std::string_view s) {
  return size_t(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// RFC 5322 atext: letters, digits and these.
bool is_atext(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

std::optional<std::string> local_part_problem(std::string_view local) {
  if (local.empty()) return "has nothing before the '@'";
  if (local.size() > kMaxLocalPartChars) return "has more than 64 characters before the '@'";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return "has a misplaced '.' before the '@'";
  for (char c : local)
    if (c != '.' && !is_atext(c)) return std::string("has the character '") + c + "' before the '@'";
  return std::nullopt;
}

std::optional<std::string> domain_problem(std::string_view domain) {
  if (domain.empty()) return "has no domain after the '@'";
  size_t labels = 0;
  std::string_view last;
  for (size_t start = 0;;) {
    size_t dot = domain.find('.', start);
    auto label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxDnsLabelChars) return "has a domain with an empty or over-long part";
    if (label.front() == '-' || label.back() == '-') return "has a domain part that starts or ends with '-'";
    for (char c : label)
      if (!is_alnum(c) && c != '-') return std::string("has the character '") + c + "' in its domain";
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return "has a domain without a '.'";
  if (std::all_of(last.begin(), last.end(), is_digit)) return "has a numeric top-level domain";
  return std::nullopt;
}

std::string unquote(std::string_view field) {
  field = trim(field);
  if (field.size() < 2 || field.front() != '"' || field.back() != '"') return std::string(field);
  std::string out;
  for (size_t i = 1; i + 1 < field.size(); ++i) {
    out += field[i];
    if (field[i] == '"' && field[i + 1] == '"') ++i;  // "" inside quotes is one "
  }
  return std::string(trim(out));
}

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    size_t comma = line.find(',', start);
    fields.push_back(
        unquote(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  while (fields.size() > 2 && fields.back().empty()) fields.pop_back();
  return fields;
}

}  // namespace

std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);  // built by appending: GCC 12 misreports "'" + string (-Wrestrict)
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

StoreResult<std::string> normalize_email(std::string_view email) {
  email = trim(email);
  auto refuse = [&](const std::string& why) { return StoreError::invalid("email " + in_quotes(email) + " " + why); };
  if (email.empty()) return StoreError::invalid("email is empty");
  if (email.size() > kMaxEmailChars) return refuse("is longer than 254 characters");
  for (char c : email)
    if (!is_ascii(c) || is_control(c) || is_space(c)) return refuse("has a space, control or non-ASCII character");
  size_t at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos)
    return refuse("must have exactly one '@'");
  if (auto problem = local_part_problem(email.substr(0, at))) return refuse(*problem);
  if (auto problem = domain_problem(email.substr(at + 1))) return refuse(*problem);
  return to_lower(email);
}

StoreResult<std::string> normalize_guid(std::string_view guid, std::string_view what) {
  guid = trim(guid);
  if (guid.empty()) return StoreError::invalid(std::string(what) + " is empty");
  if (!is_guid(guid))
    return StoreError::invalid(std::string(what) + " " + in_quotes(guid) +
                               " is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)");
  if (guid == kNilGuid) return StoreError::invalid(std::string(what) + " is the nil GUID");
  return to_lower(guid);
}

StoreResult<std::string> normalize_teamspace_name(std::string_view name) {
  name = trim(name);
  if (name.empty()) return StoreError::invalid("teamspace name is empty");
  if (utf8_chars(name) > kMaxTeamspaceNameChars)
    return StoreError::invalid("teamspace name " + in_quotes(name) + " is longer than 64 characters");
  if (std::any_of(name.begin(), name.end(), is_control))
    return StoreError::invalid("teamspace name has a control character");
  if (std::all_of(name.begin(), name.end(), is_digit))
    return StoreError::invalid("teamspace name " + in_quotes(name) + " is all digits, which would read as an id");
  return std::string(name);
}

StoreResult<std::string> normalize_label(std::string_view text, std::string_view what) {
  text = trim(text);
  if (text.empty()) return StoreError::invalid(std::string(what) + " is empty");
  if (utf8_chars(text) > kMaxLabelChars)
    return StoreError::invalid(std::string(what) + " is longer than " + std::to_string(kMaxLabelChars) + " characters");
  if (std::any_of(text.begin(), text.end(), is_control))
    return StoreError::invalid(std::string(what) + " has a control character");
  return std::string(text);
}

StoreResult<std::string> normalize_scope(std::string_view scope) {
  scope = trim(scope);
  if (scope.empty()) return StoreError::invalid("required scope is empty");
  if (scope.size() > kMaxLabelChars) return StoreError::invalid("required scope is too long");
  if (std::any_of(scope.begin(), scope.end(), [](char c) { return is_space(c) || is_control(c); }))
    return StoreError::invalid("required scope " + in_quotes(scope) + " must be a single scope, without spaces");
  return std::string(scope);
}

StoreResult<Done> check_plan(Plan plan, std::optional<SysTime> trial_ends, SysTime now) {
  if (plan != Plan::enterprise_trial) {
    if (trial_ends) return StoreError::invalid("only an enterprise-trial plan takes an end date");
    return Done{};
  }
  if (!trial_ends) return StoreError::invalid("an enterprise-trial plan needs an end date");
  if (*trial_ends <= now) return StoreError::invalid("the enterprise trial's end date must be in the future");
  return Done{};
}

bool entra_enabled(const Teamspace& teamspace, SysTime now) {
  if (teamspace.plan == Plan::enterprise) return true;
  return teamspace.plan == Plan::enterprise_trial && teamspace.trial_ends && *teamspace.trial_ends > now;
}

std::optional<int64_t> teamspace_id_reference(std::string_view reference) {
  reference = trim(reference);
  if (reference.empty() || reference.size() > 18 || !std::all_of(reference.begin(), reference.end(), is_digit))
    return std::nullopt;
  return std::stoll(std::string(reference));
}

std::string truncate_utf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut));
}

std::vector<CsvRow> parse_entra_users_csv(std::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  std::vector<CsvRow> rows;
  bool first = true;
  size_t line_number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    auto fields = split_fields(line);
    if (std::exchange(first, false) && iequals(fields[0], "email")) continue;
    CsvRow row;
    row.line = line_number;
    row.email = fields[0];
    if (fields.size() == 2)
      row.oid = fields[1];
    else
      row.error = "expected two fields, email,oid; found " + std::to_string(fields.size());
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mcpgate::store
