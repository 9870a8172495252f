// `mcpgate admin …` against a real SQLite store: what it prints and how it exits.
#include "admin/admin_cli.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "unit/admin/admin_fixture.hpp"

namespace mcpgate::admin {
namespace {

using std::chrono::hours;
using namespace testing;  // the admin fixture

class AdminCliTest : public StoreFixture {
 protected:
  // Runs one command; what it printed is in `out` and `err`.
  int run(std::vector<std::string> args) {
    std::ostringstream o, e;
    int code = run_admin_command(args, *store, {.authority = idp.authority()}, o, e, clock);
    out = o.str();
    err = e.str();
    return code;
  }

  std::string write_csv(const std::string& text) {
    auto path = dir / "users.csv";
    std::ofstream(path) << text;
    return path.string();
  }

  DiscoveryServer idp;
  std::string out, err;
};

// --- Usage -----------------------------------------------------------------------------------

TEST_F(AdminCliTest, HelpListsEveryCommand) {
  EXPECT_EQ(run({"help"}), kExitOk);
  for (auto command : {"teamspace create NAME --plan PLAN", "entra set TS --tenant GUID", "user import TS FILE.csv",
                       "apikey revoke ID", "usage TS [--limit N]"})
    EXPECT_TRUE(mentions(out, command)) << command;
  EXPECT_EQ(run({"user", "add", "--help"}), kExitOk);
  EXPECT_EQ(out, "usage: mcpgate admin user add TS EMAIL OID\n");
}

TEST_F(AdminCliTest, UsageErrorsExitWith2AndShowTheUsage) {
  EXPECT_EQ(run({}), kExitUsage);
  EXPECT_TRUE(mentions(err, "no admin command given")) << err;

  EXPECT_EQ(run({"frobnicate"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "unknown admin command `frobnicate`")) << err;
  EXPECT_TRUE(mentions(err, "mcpgate admin teamspace list")) << err;

  EXPECT_EQ(run({"teamspace"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "`teamspace` needs a command")) << err;
  EXPECT_TRUE(mentions(err, "mcpgate admin teamspace create")) << err;
  EXPECT_FALSE(mentions(err, "apikey")) << err;

  EXPECT_EQ(run({"teamspace", "destroy", "acme"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "unknown admin command `teamspace destroy`")) << err;

  EXPECT_EQ(run({"teamspace", "create", "acme"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "option --plan is required")) << err;
  EXPECT_TRUE(mentions(err, "usage: mcpgate admin teamspace create NAME --plan PLAN [--trial-ends YYYY-MM-DD]")) << err;

  EXPECT_EQ(run({"teamspace", "create", "acme", "--plan", "pro", "--colour", "red"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "unknown option --colour for `teamspace create`")) << err;
  EXPECT_EQ(run({"teamspace", "create", "acme", "--plan"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "option --plan needs a value")) << err;
  EXPECT_EQ(run({"teamspace", "create", "acme", "--plan", "pro", "--plan", "free"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "given twice")) << err;
  EXPECT_EQ(run({"user", "add", "acme", "a@contoso.com"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "`user add` takes 3 argument(s), not 2")) << err;
  EXPECT_EQ(run({"user", "import", "acme", "f.csv", "--all-or-nothing=yes"}), kExitUsage);
  EXPECT_TRUE(mentions(err, "takes no value")) << err;
  EXPECT_TRUE(out.empty());
}

// --- Teamspaces ------------------------------------------------------------------------------

TEST_F(AdminCliTest, CreatesAndListsTeamspaces) {
  EXPECT_EQ(run({"teamspace", "list"}), kExitOk);
  EXPECT_TRUE(mentions(out, "no teamspaces yet")) << out;

  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "enterprise"}), kExitOk) << err;
  EXPECT_EQ(out, "created teamspace 'acme' (id 1), plan enterprise\n");
  ASSERT_EQ(run({"teamspace", "create", "globex", "--plan=enterprise-trial", "--trial-ends", "2027-01-31"}), kExitOk)
      << err;
  EXPECT_EQ(out, "created teamspace 'globex' (id 2), plan enterprise-trial, trial ends 2027-01-31T00:00:00Z\n");

  ASSERT_EQ(run({"teamspace", "list"}), kExitOk);
  EXPECT_EQ(out,
            "ID  NAME    PLAN              TRIAL ENDS            CREATED\n"
            "1   acme    enterprise        -                     2027-01-15T08:00:00Z\n"
            "2   globex  enterprise-trial  2027-01-31T00:00:00Z  2027-01-15T08:00:00Z\n");
}

TEST_F(AdminCliTest, RefusedValuesExitWith1NamingTheFix) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "pro"}), kExitOk);
  EXPECT_EQ(run({"teamspace", "create", "ACME", "--plan", "pro"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "error: a teamspace named 'ACME' exists already; choose another name")) << err;

  EXPECT_EQ(run({"teamspace", "create", "x", "--plan", "gold"}), kExitRefused);
  EXPECT_EQ(err,
            "error: unknown plan 'gold'; use free, pro, enterprise or enterprise-trial\n"
            "usage: mcpgate admin teamspace create NAME --plan PLAN [--trial-ends YYYY-MM-DD]\n");

  EXPECT_EQ(run({"teamspace", "create", "x", "--plan", "enterprise-trial", "--trial-ends", "next week"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "trial end 'next week' is not a date; write YYYY-MM-DD")) << err;
  EXPECT_TRUE(out.empty());
}

TEST_F(AdminCliTest, SetsAPlan) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "free"}), kExitOk);
  ASSERT_EQ(run({"teamspace", "plan", "acme", "enterprise-trial", "--trial-ends", "2027-02-01"}), kExitOk) << err;
  EXPECT_EQ(out, "teamspace 'acme' is now on plan enterprise-trial, trial ends 2027-02-01T00:00:00Z\n");
  EXPECT_EQ(run({"teamspace", "plan", "nope", "pro"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "no teamspace is named 'nope'; list the teamspaces")) << err;
}

// --- Microsoft Entra ID tenant ---------------------------------------------------------------

TEST_F(AdminCliTest, SetsShowsTestsAndRemovesTheTenant) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "enterprise"}), kExitOk);
  ASSERT_EQ(run({"entra", "set", "acme", "--tenant", std::string(kTenant), "--audience", std::string(kAudience),
                 "--scope", "mcp.access"}),
            kExitOk)
      << err;
  EXPECT_TRUE(mentions(out, "saved the Microsoft Entra ID tenant of 'acme'")) << out;
  EXPECT_TRUE(mentions(out, "entra test acme")) << out;

  ASSERT_EQ(run({"entra", "show", "acme"}), kExitOk);
  EXPECT_EQ(out, "tenant ID:       " + std::string(kTenant) + "\n" + "audience:        " + std::string(kAudience) +
                     "\n" +
                     "required scope:  mcp.access\n"
                     "updated:         2027-01-15T08:00:00Z\n");

  idp.serve_issuer(idp.issuer_for(kTenant));
  ASSERT_EQ(run({"entra", "test", "acme"}), kExitOk) << err;
  EXPECT_TRUE(out.starts_with("ok: tenant " + std::string(kTenant))) << out;

  idp.serve_issuer(idp.issuer_for(kOtherTenant));
  EXPECT_EQ(run({"entra", "test", "acme"}), kExitRefused);
  EXPECT_TRUE(
      err.starts_with("failed (issuer_mismatch): the discovery document's issuer is " + idp.issuer_for(kOtherTenant)))
      << err;

  ASSERT_EQ(run({"entra", "remove", "acme"}), kExitOk);
  EXPECT_TRUE(mentions(out, "removed the Microsoft Entra ID tenant of 'acme'")) << out;
  EXPECT_EQ(run({"entra", "show", "acme"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "has no Microsoft Entra ID tenant configured; set the tenant ID")) << err;
}

TEST_F(AdminCliTest, RefusesEntraOnAFreeTeamspaceAndAnEndedTrial) {
  ASSERT_EQ(run({"teamspace", "create", "hobby", "--plan", "free"}), kExitOk);
  EXPECT_EQ(run({"entra", "set", "hobby", "--tenant", std::string(kTenant), "--audience", std::string(kAudience),
                 "--scope", "mcp.access"}),
            kExitRefused);
  EXPECT_TRUE(mentions(err, "teamspace 'hobby' is on plan free; Microsoft Entra ID is for enterprise teamspaces"))
      << err;
  EXPECT_FALSE(mentions(err, "usage:")) << err;

  ASSERT_EQ(run({"teamspace", "create", "trial", "--plan", "enterprise-trial", "--trial-ends", "2027-01-16"}), kExitOk);
  ASSERT_EQ(run({"entra", "set", "trial", "--tenant", std::string(kTenant), "--audience", std::string(kAudience),
                 "--scope", "mcp.access"}),
            kExitOk);
  clock.advance(hours(24));
  EXPECT_EQ(run({"entra", "show", "trial"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "the enterprise trial of teamspace 'trial' ended at 2027-01-16T00:00:00Z")) << err;
  EXPECT_EQ(run({"entra", "test", "trial"}), kExitRefused);
  EXPECT_EQ(run({"user", "add", "trial", "a@contoso.com", oid(1)}), kExitRefused);
}

// --- Users -----------------------------------------------------------------------------------

TEST_F(AdminCliTest, AddsListsAndRemovesUsers) {
  enterprise("acme");
  ASSERT_EQ(run({"user", "add", "acme", "Alice@Contoso.com", oid(1)}), kExitOk) << err;
  EXPECT_EQ(out, "alice@contoso.com (object ID " + oid(1) + ") is an Entra user of 'acme' through tenant " +
                     std::string(kTenant) + "\n");
  ASSERT_EQ(run({"user", "add", "acme", "bob@contoso.com", oid(2)}), kExitOk);
  ASSERT_EQ(run({"user", "list", "acme"}), kExitOk);
  EXPECT_EQ(out,
            "EMAIL              OBJECT ID                             ADDED\n"
            "alice@contoso.com  " +
                oid(1) +
                "  2027-01-15T08:00:00Z\n"
                "bob@contoso.com    " +
                oid(2) + "  2027-01-15T08:00:00Z\n");

  ASSERT_EQ(run({"user", "remove", "acme", "alice@contoso.com"}), kExitOk);
  EXPECT_EQ(out, "removed alice@contoso.com from the Entra users of 'acme'\n");
  EXPECT_EQ(run({"user", "remove", "acme", "alice@contoso.com"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "is not an Entra user of teamspace 'acme'")) << err;

  EXPECT_EQ(run({"user", "add", "acme", "carol@contoso.com", "not-a-guid"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "object ID 'not-a-guid'")) << err;
  EXPECT_TRUE(mentions(err, "usage: mcpgate admin user add TS EMAIL OID")) << err;
}

TEST_F(AdminCliTest, TheSameEmailMayJoinTwoTeamspaces) {
  enterprise("acme");
  enterprise("globex");
  ASSERT_EQ(run({"user", "add", "acme", "alice@contoso.com", oid(1)}), kExitOk);
  ASSERT_EQ(run({"user", "add", "globex", "alice@contoso.com", oid(1)}), kExitOk) << err;
  ASSERT_EQ(run({"user", "list", "globex"}), kExitOk);
  EXPECT_TRUE(mentions(out, "alice@contoso.com")) << out;
}

TEST_F(AdminCliTest, ImportsACsvAndPrintsAReportPerRow) {
  enterprise("acme");
  auto file = write_csv("email,oid\nalice@contoso.com," + oid(1) + "\nbob@contoso.com,nope\n");
  EXPECT_EQ(run({"user", "import", "acme", file}), kExitRefused);
  EXPECT_TRUE(mentions(out, "LINE  RESULT  EMAIL")) << out;
  EXPECT_TRUE(mentions(out, "2     ok      alice@contoso.com  " + oid(1) + "  added")) << out;
  EXPECT_TRUE(mentions(out, "3     FAILED  bob@contoso.com    nope")) << out;
  EXPECT_TRUE(mentions(out, "imported 1 new user(s) from 2 row(s); 1 failed")) << out;
  EXPECT_TRUE(mentions(err, "1 row(s) failed; fix them")) << err;

  auto good = write_csv("carol@contoso.com," + oid(3) + "\n");
  EXPECT_EQ(run({"user", "import", "acme", good}), kExitOk) << err;
  EXPECT_TRUE(mentions(out, "imported 1 new user(s) from 1 row(s); 0 failed")) << out;
  EXPECT_TRUE(err.empty()) << err;
}

TEST_F(AdminCliTest, AllOrNothingImportWritesNothingWhenARowFails) {
  enterprise("acme");
  auto file = write_csv("dave@contoso.com," + oid(4) + "\nerin@contoso.com,nope\n");
  EXPECT_EQ(run({"user", "import", "acme", file, "--all-or-nothing"}), kExitRefused);
  EXPECT_TRUE(mentions(out, "valid, but not written")) << out;
  EXPECT_TRUE(mentions(out, "imported 0 new user(s)")) << out;
  EXPECT_TRUE(mentions(err, "the import is all-or-nothing, so nothing was written")) << err;
  EXPECT_TRUE(store->list_entra_users("acme").value().empty());

  EXPECT_EQ(run({"user", "import", "acme", (dir / "missing.csv").string()}), kExitRefused);
  EXPECT_TRUE(mentions(err, "cannot read")) << err;
  EXPECT_TRUE(mentions(err, "check the path")) << err;
}

// --- Members ---------------------------------------------------------------------------------

TEST_F(AdminCliTest, AddsAndListsMembers) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "pro"}), kExitOk);
  ASSERT_EQ(run({"member", "list", "acme"}), kExitOk);
  EXPECT_TRUE(mentions(out, "has no members")) << out;
  ASSERT_EQ(run({"member", "add", "acme", "olivia@contoso.com", "owner"}), kExitOk) << err;
  EXPECT_EQ(out, "olivia@contoso.com is now owner of 'acme'\n");
  ASSERT_EQ(run({"member", "list", "acme"}), kExitOk);
  EXPECT_EQ(out,
            "EMAIL               ROLE   SINCE\n"
            "olivia@contoso.com  owner  2027-01-15T08:00:00Z\n");
  EXPECT_EQ(run({"member", "add", "acme", "x@contoso.com", "boss"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "unknown role 'boss'; use owner, admin or developer")) << err;
}

// --- API keys --------------------------------------------------------------------------------

TEST_F(AdminCliTest, PrintsAnApiKeySecretOnceWithAWarning) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "pro"}), kExitOk);
  ASSERT_EQ(run({"apikey", "create", "acme", "ci"}), kExitOk) << err;
  auto at = out.find("secret: ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string secret = out.substr(at + 8, out.find('\n', at) - at - 8);
  EXPECT_TRUE(secret.starts_with(store::kApiKeyScheme)) << secret;
  EXPECT_TRUE(out.starts_with("created API key 1 'ci' for 'acme'\n")) << out;
  EXPECT_TRUE(mentions(out, "the only time the secret is shown and it cannot be shown again")) << out;
  EXPECT_TRUE(store->find_api_key(secret).value());

  ASSERT_EQ(run({"apikey", "list", "acme"}), kExitOk);
  EXPECT_FALSE(mentions(out, secret));
  EXPECT_TRUE(mentions(out, "1   ci    " + secret.substr(0, 12))) << out;
  EXPECT_TRUE(mentions(out, "2027-01-15T08:00:00Z  -\n")) << out;

  ASSERT_EQ(run({"apikey", "revoke", "1"}), kExitOk);
  EXPECT_EQ(out, "revoked API key 1\n");
  EXPECT_FALSE(store->find_api_key(secret).value());
  ASSERT_EQ(run({"apikey", "list", "acme"}), kExitOk);
  EXPECT_TRUE(mentions(out, "2027-01-15T08:00:00Z  2027-01-15T08:00:00Z\n")) << out;

  EXPECT_EQ(run({"apikey", "revoke", "7"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "no API key has id 7; list the teamspace's API keys")) << err;
  EXPECT_EQ(run({"apikey", "revoke", "one"}), kExitRefused);
}

// --- Usage log -------------------------------------------------------------------------------

TEST_F(AdminCliTest, PrintsTheUsageLog) {
  ASSERT_EQ(run({"teamspace", "create", "acme", "--plan", "pro"}), kExitOk);
  ASSERT_EQ(run({"usage", "acme"}), kExitOk);
  EXPECT_EQ(out, "no usage recorded for 'acme'\n");

  auto ts = store->find_teamspace("acme").value();
  for (int i = 0; i < 2; ++i) {
    store::UsageRecord record{.time = clock.now(),
                              .teamspace_id = ts.id,
                              .user_label = "ci",
                              .tool = "resolve-library-id",
                              .arguments_summary = "{\"libraryName\":\"boost\"}",
                              .result_bytes = 100 + i,
                              .latency_ms = 12};
    store->record_usage(record).value();
    clock.advance(std::chrono::seconds(1));
  }
  ASSERT_EQ(run({"usage", "acme", "--limit", "1"}), kExitOk) << err;
  EXPECT_EQ(out,
            "TIME                  USER  TOOL                OUTCOME  BYTES  MS  ARGUMENTS\n"
            "2027-01-15T08:00:01Z  ci    resolve-library-id  ok       101    12  {\"libraryName\":\"boost\"}\n");
  EXPECT_EQ(run({"usage", "acme", "--limit=0"}), kExitRefused);
  EXPECT_TRUE(mentions(err, "limit '0' must be a whole number from 1 to 1000")) << err;
}

}  // namespace
}  // namespace mcpgate::admin
