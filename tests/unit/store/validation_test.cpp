#include "store/validation.hpp"

#include <gtest/gtest.h>

namespace mcpgate::store {
namespace {

using std::chrono::hours;

// The canonical form, or "<invalid: message>".
std::string outcome(const StoreResult<std::string>& r) {
  return r ? std::string(*r) : "<invalid: " + r.error().message + ">";
}
bool refused(const StoreResult<std::string>& r) { return !r && r.error().code == StoreErrorCode::invalid; }

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(outcome(normalize_email("  Alice.Smith@Contoso.COM ")), "alice.smith@contoso.com");
  EXPECT_EQ(outcome(normalize_email("dev+mcp@sub.example.co.uk")), "dev+mcp@sub.example.co.uk");
  EXPECT_EQ(outcome(normalize_email("o'brien@example.ie")), "o'brien@example.ie");
  EXPECT_EQ(outcome(normalize_email("alice@contoso.com\r\n")), "alice@contoso.com");
}

TEST(NormalizeEmail, RefusesWhatIsNoAddress) {
  for (const char* bad : {"",
                          "   ",
                          "alice",
                          "alice@",
                          "@contoso.com",
                          "alice@@contoso.com",
                          "a@b@contoso.com",
                          "alice@contoso",
                          "alice@contoso.",
                          "alice@.contoso.com",
                          "alice@contoso..com",
                          ".alice@contoso.com",
                          "alice.@contoso.com",
                          "al..ice@contoso.com",
                          "al ice@contoso.com",
                          "alice@-contoso.com",
                          "alice@contoso-.com",
                          "alice@contoso.123",
                          "alice@con_toso.com",
                          "al(ice@contoso.com",
                          "\"alice\"@contoso.com",
                          "alice@[10.0.0.1]",
                          "élise@contoso.com"})
    EXPECT_TRUE(refused(normalize_email(bad))) << bad;
}

TEST(NormalizeEmail, EnforcesLengthLimits) {
  std::string local64(64, 'a');
  EXPECT_TRUE(normalize_email(local64 + "@example.com"));
  EXPECT_TRUE(refused(normalize_email(local64 + "a@example.com")));
  std::string label63(63, 'd');
  std::string long_domain = label63 + "." + label63 + "." + label63 + "." + label63 + ".com";  // 259 characters
  EXPECT_TRUE(refused(normalize_email("a@" + long_domain)));
  EXPECT_TRUE(refused(normalize_email("a@" + std::string(64, 'd') + ".com")));
}

TEST(NormalizeEmail, MessageNamesTheAddressAndTheRule) {
  auto r = normalize_email("alice@contoso");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "email 'alice@contoso' has a domain without a '.'");
}

TEST(NormalizeGuid, LowerCasesAndRefusesOthers) {
  EXPECT_EQ(outcome(normalize_guid(" 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ", "tenant ID")),
            "72f988bf-86f1-41af-91ab-2d7cd011db47");
  for (const char* bad : {"", "72f988bf86f141af91ab2d7cd011db47", "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
                          "72f988bf-86f1-41af-91ab-2d7cd011db4", "72f988bf-86f1-41af-91ab-2d7cd011db4g",
                          "00000000-0000-0000-0000-000000000000", "contoso.onmicrosoft.com"})
    EXPECT_TRUE(refused(normalize_guid(bad, "object ID"))) << bad;
  EXPECT_EQ(normalize_guid("nope", "object ID").error().message,
            "object ID 'nope' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)");
}

TEST(NormalizeTeamspaceName, TrimsAndRefusesEmptyNumericLongAndControl) {
  EXPECT_EQ(outcome(normalize_teamspace_name("  Acme Platform ")), "Acme Platform");
  EXPECT_EQ(outcome(normalize_teamspace_name("team-42")), "team-42");
  EXPECT_TRUE(refused(normalize_teamspace_name("")));
  EXPECT_TRUE(refused(normalize_teamspace_name(" \t ")));
  EXPECT_TRUE(refused(normalize_teamspace_name("42")));
  EXPECT_TRUE(refused(normalize_teamspace_name("a\tb")));
  EXPECT_TRUE(normalize_teamspace_name(std::string(64, 'x')));
  EXPECT_TRUE(refused(normalize_teamspace_name(std::string(65, 'x'))));
  // Characters, not bytes: 64 two-byte letters fit.
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xC3\xBC";
  EXPECT_TRUE(normalize_teamspace_name(umlauts));
}

TEST(NormalizeLabel, NamesTheFieldInItsMessage) {
  EXPECT_EQ(outcome(normalize_label(" CI deploy key ", "API key name")), "CI deploy key");
  EXPECT_EQ(normalize_label("", "API key name").error().message, "API key name is empty");
  EXPECT_TRUE(refused(normalize_label("line\nbreak", "tool name")));
  EXPECT_TRUE(refused(normalize_label(std::string(kMaxLabelChars + 1, 'x'), "tool name")));
}

TEST(NormalizeScope, IsOneScopeWithoutSpaces) {
  EXPECT_EQ(outcome(normalize_scope(" mcp.access ")), "mcp.access");
  EXPECT_TRUE(refused(normalize_scope("")));
  EXPECT_TRUE(refused(normalize_scope("mcp.access openid")));
}

TEST(CheckPlan, TrialNeedsAFutureEndAndOthersNone) {
  SysTime now(std::chrono::seconds(1'800'000'000));
  EXPECT_TRUE(check_plan(Plan::pro, std::nullopt, now));
  EXPECT_TRUE(check_plan(Plan::enterprise_trial, now + hours(1), now));
  EXPECT_FALSE(check_plan(Plan::enterprise_trial, std::nullopt, now));
  EXPECT_FALSE(check_plan(Plan::enterprise_trial, now, now));
  EXPECT_EQ(check_plan(Plan::enterprise, now + hours(1), now).error().message,
            "only an enterprise-trial plan takes an end date");
}

TEST(EntraEnabled, ForEnterpriseAndTrialsUntilTheyEnd) {
  SysTime now(std::chrono::seconds(1'800'000'000));
  EXPECT_TRUE(entra_enabled({.plan = Plan::enterprise}, now));
  EXPECT_FALSE(entra_enabled({.plan = Plan::pro}, now));
  EXPECT_FALSE(entra_enabled({.plan = Plan::free}, now));
  Teamspace trial{.plan = Plan::enterprise_trial, .trial_ends = now + hours(1)};
  EXPECT_TRUE(entra_enabled(trial, now));
  EXPECT_FALSE(entra_enabled(trial, now + hours(1)));
}

TEST(TeamspaceIdReference, DigitsAreAnIdAnythingElseAName) {
  EXPECT_EQ(teamspace_id_reference("42"), 42);
  EXPECT_EQ(teamspace_id_reference(" 7 "), 7);
  EXPECT_FALSE(teamspace_id_reference("acme"));
  EXPECT_FALSE(teamspace_id_reference("4a"));
  EXPECT_FALSE(teamspace_id_reference("-1"));
  EXPECT_FALSE(teamspace_id_reference(""));
  EXPECT_FALSE(teamspace_id_reference("1234567890123456789"));  // beyond any id: a (missing) name
}

TEST(TruncateUtf8, CutsOnACharacterBoundary) {
  EXPECT_EQ(truncate_utf8("short", 10), "short");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc");
  EXPECT_EQ(truncate_utf8("a\xC3\xBC"
                          "b",
                          2),
            "a");  // would split ü
  EXPECT_EQ(truncate_utf8("a\xC3\xBC"
                          "b",
                          3),
            "a\xC3\xBC");
}

TEST(ParseEntraUsersCsv, SkipsHeaderBlankLinesAndBomAndNumbersLines) {
  auto rows = parse_entra_users_csv(
      "\xEF\xBB\xBF"
      "Email,OID\r\n"
      "alice@contoso.com, 11111111-1111-4111-8111-111111111111\r\n"
      "\r\n"
      "\"bob@contoso.com\",\"22222222-2222-4222-8222-222222222222\",,\n"
      "carol@contoso.com\n"
      "dave@contoso.com,33333333-3333-4333-8333-333333333333,extra");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[0].email, "alice@contoso.com");
  EXPECT_EQ(rows[0].oid, "11111111-1111-4111-8111-111111111111");
  EXPECT_FALSE(rows[0].error);
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_EQ(rows[1].email, "bob@contoso.com");  // quotes and trailing empty fields dropped
  EXPECT_EQ(rows[1].oid, "22222222-2222-4222-8222-222222222222");
  EXPECT_FALSE(rows[1].error);
  EXPECT_EQ(rows[2].line, 5u);
  EXPECT_EQ(rows[2].error, "expected two fields, email,oid; found 1");
  EXPECT_EQ(rows[3].line, 6u);
  EXPECT_EQ(rows[3].error, "expected two fields, email,oid; found 3");
}

TEST(ParseEntraUsersCsv, HeaderIsOptionalAndOnlyFirst) {
  auto rows = parse_entra_users_csv("\n\nalice@contoso.com,11111111-1111-4111-8111-111111111111\nemail,oid\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 3u);
  EXPECT_EQ(rows[1].email, "email");  // a header later on is a (bad) data row
  EXPECT_TRUE(parse_entra_users_csv("").empty());
  EXPECT_TRUE(parse_entra_users_csv("email,oid\n").empty());
}

}  // namespace
}  // namespace mcpgate::store
