#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "store/store.hpp"

// Input rules every Store back-end applies before touching its database. Each normaliser returns
// the canonical form (trimmed, lower case where the value is case-insensitive) or an `invalid`
// error whose message names the field and the rule.
namespace mcpgate::store {

inline constexpr size_t kMaxTeamspaceNameChars = 64;
inline constexpr size_t kMaxLabelChars = 200;
inline constexpr size_t kMaxArgumentsSummaryBytes = 1024;
inline constexpr size_t kMaxCsvRows = 10'000;

// A syntactically plausible address: one '@', a dot-atom local part of at most 64 characters and
// a domain of at least two DNS labels, 254 characters in all, ASCII only. Lower-cased.
StoreResult<std::string> normalize_email(std::string_view email);

// A GUID in 8-4-4-4-12 hexadecimal form, not the nil GUID. Lower-cased. `what` names the field
// in the message ("tenant ID", "object ID").
StoreResult<std::string> normalize_guid(std::string_view guid, std::string_view what);

// 1 to 64 printable characters, not all digits (a number names a teamspace by id).
StoreResult<std::string> normalize_teamspace_name(std::string_view name);

// Free text such as an API key's name or a tool name: 1 to kMaxLabelChars characters, no control
// characters.
StoreResult<std::string> normalize_label(std::string_view text, std::string_view what);

// One scope value as it appears in scp: non-empty, no whitespace.
StoreResult<std::string> normalize_scope(std::string_view scope);

// An enterprise trial needs an end in the future; other plans take none.
StoreResult<Done> check_plan(Plan plan, std::optional<SysTime> trial_ends, SysTime now);

// Whether the teamspace may use Microsoft Entra ID at `now`.
bool entra_enabled(const Teamspace& teamspace, SysTime now);

// The id a teamspace reference names when it is all digits; nullopt for a name.
std::optional<int64_t> teamspace_id_reference(std::string_view reference);

// 'text': how messages show a value.
std::string in_quotes(std::string_view text);

// At most max_bytes of s, cut on a UTF-8 character boundary.
std::string truncate_utf8(std::string_view s, size_t max_bytes);

// One data line of an `email,oid` CSV, fields trimmed and unquoted but not yet validated.
struct CsvRow {
  size_t line = 0;  // 1-based
  std::string email;
  std::string oid;
  std::optional<std::string> error;  // a line that is not two fields
};

// Splits the text into rows: LF or CRLF line ends, an optional UTF-8 byte-order mark, an optional
// "email,oid" header as the first non-blank line, blank lines skipped, fields optionally in
// double quotes, trailing empty fields (spreadsheet exports) ignored.
std::vector<CsvRow> parse_entra_users_csv(std::string_view text);

}  // namespace mcpgate::store
