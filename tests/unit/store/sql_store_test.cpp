#include "store/sql_store.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "store/validation.hpp"
#include "unit/store/store_fixture.hpp"

// The Store's behaviour, the same on every back-end: each test runs on SQLite and on a real
// PostgreSQL.
namespace mcpgate::store {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// --- Teamspaces ----------------------------------------------------------------------------

TEST_P(StoreTest, CreatesFindsAndListsTeamspaces) {
  auto acme = store->create_teamspace(" Acme ", Plan::pro, std::nullopt).value();
  EXPECT_EQ(acme.name, "Acme");
  EXPECT_EQ(acme.plan, Plan::pro);
  EXPECT_FALSE(acme.trial_ends);
  EXPECT_EQ(acme.created, clock.now());
  store->create_teamspace("beta", Plan::free, std::nullopt).value();

  EXPECT_EQ(store->find_teamspace("acme").value().id, acme.id);  // any case
  EXPECT_EQ(store->find_teamspace(std::to_string(acme.id)).value().name, "Acme");
  EXPECT_EQ(error_of(store->find_teamspace("gamma")), StoreErrorCode::not_found);
  EXPECT_EQ(error_of(store->find_teamspace("999")), StoreErrorCode::not_found);

  auto all = store->list_teamspaces().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "Acme");
  EXPECT_EQ(all[1].name, "beta");
}

TEST_P(StoreTest, RefusesDuplicateAndInvalidTeamspaces) {
  store->create_teamspace("acme", Plan::free, std::nullopt).value();
  auto duplicate = store->create_teamspace("ACME", Plan::pro, std::nullopt);
  EXPECT_EQ(error_of(duplicate), StoreErrorCode::conflict);
  EXPECT_EQ(duplicate.error().message, "a teamspace named 'ACME' exists already");
  EXPECT_EQ(error_of(store->create_teamspace("", Plan::free, std::nullopt)), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->create_teamspace("2024", Plan::free, std::nullopt)), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->create_teamspace("trial", Plan::enterprise_trial, std::nullopt)), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->create_teamspace("trial", Plan::enterprise_trial, clock.now())), StoreErrorCode::invalid);
  EXPECT_EQ(store->list_teamspaces().value().size(), 1u);
}

TEST_P(StoreTest, SetsPlansAndTrialEnds) {
  store->create_teamspace("acme", Plan::free, std::nullopt).value();
  auto ends = clock.now() + hours(24 * 30);
  auto trial = store->set_plan("acme", Plan::enterprise_trial, ends).value();
  EXPECT_EQ(trial.plan, Plan::enterprise_trial);
  EXPECT_EQ(trial.trial_ends, ends);
  auto paid = store->set_plan("acme", Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(paid.plan, Plan::enterprise);
  EXPECT_FALSE(paid.trial_ends);
  EXPECT_EQ(error_of(store->set_plan("acme", Plan::pro, ends)), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->set_plan("nobody", Plan::pro, std::nullopt)), StoreErrorCode::not_found);
  EXPECT_EQ(store->find_teamspace("acme").value().plan, Plan::enterprise);
}

// --- Members -------------------------------------------------------------------------------

TEST_P(StoreTest, AddMemberCreatesTheUserOnceAndSetsTheRole) {
  auto acme = store->create_teamspace("acme", Plan::pro, std::nullopt).value();
  store->create_teamspace("beta", Plan::pro, std::nullopt).value();
  auto admin = store->add_member("acme", "Alice@Contoso.com", Role::admin).value();
  EXPECT_EQ(admin.teamspace_id, acme.id);
  EXPECT_EQ(admin.user.email, "alice@contoso.com");
  EXPECT_EQ(admin.role, Role::admin);
  auto elsewhere = store->add_member("beta", "alice@contoso.com", Role::developer).value();
  EXPECT_EQ(elsewhere.user.id, admin.user.id);
  auto promoted = store->add_member("acme", "alice@contoso.com", Role::owner).value();
  EXPECT_EQ(promoted.role, Role::owner);
  store->add_member("acme", "bob@contoso.com", Role::developer).value();

  auto members = store->list_members("acme").value();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].user.email, "alice@contoso.com");
  EXPECT_EQ(members[0].role, Role::owner);
  EXPECT_EQ(members[1].user.email, "bob@contoso.com");
  EXPECT_EQ(rows("users"), 2);

  EXPECT_EQ(error_of(store->add_member("acme", "not-an-email", Role::admin)), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->add_member("gamma", "carol@contoso.com", Role::admin)), StoreErrorCode::not_found);
  EXPECT_EQ(rows("users"), 2);
}

// --- Entra configuration -------------------------------------------------------------------

TEST_P(StoreTest, SetsReadsReplacesAndRemovesTheEntraConfig) {
  auto acme = store->create_teamspace("acme", Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(error_of(store->entra_config("acme")), StoreErrorCode::not_found);
  auto config =
      store->set_entra_config("acme", {" 10000000-0000-4000-8000-00000000000F ", std::string(kAudience), "mcp.access"})
          .value();
  EXPECT_EQ(config.teamspace_id, acme.id);
  EXPECT_EQ(config.tenant_id, "10000000-0000-4000-8000-00000000000f");
  EXPECT_EQ(config.audience, kAudienceLower);
  EXPECT_EQ(config.required_scope, "mcp.access");
  EXPECT_EQ(config.updated, clock.now());

  clock.advance(seconds(60));
  store->set_entra_config("acme", {std::string(kTenant), std::string(kAudience), "mcp.read"}).value();
  auto read = store->entra_config(std::to_string(acme.id)).value();
  EXPECT_EQ(read.tenant_id, kTenant);
  EXPECT_EQ(read.required_scope, "mcp.read");
  EXPECT_EQ(read.updated, clock.now());
  EXPECT_EQ(rows("entra_configs"), 1);

  store->remove_entra_config("acme").value();
  EXPECT_EQ(error_of(store->entra_config("acme")), StoreErrorCode::not_found);
  EXPECT_EQ(error_of(store->remove_entra_config("acme")), StoreErrorCode::not_found);
}

TEST_P(StoreTest, EntraConfigIsValidatedAndOnlyForEnterprise) {
  store->create_teamspace("acme", Plan::enterprise, std::nullopt).value();
  store->create_teamspace("small", Plan::pro, std::nullopt).value();
  EntraSettings good{std::string(kTenant), std::string(kAudience), "mcp.access"};

  auto pro = store->set_entra_config("small", good);
  EXPECT_EQ(error_of(pro), StoreErrorCode::invalid);
  EXPECT_NE(pro.error().message.find("enterprise"), std::string::npos);

  auto bad_tenant = good;
  bad_tenant.tenant_id = "contoso.onmicrosoft.com";
  EXPECT_EQ(error_of(store->set_entra_config("acme", bad_tenant)), StoreErrorCode::invalid);
  auto bad_audience = good;
  bad_audience.audience = "api://mcp";
  EXPECT_EQ(error_of(store->set_entra_config("acme", bad_audience)), StoreErrorCode::invalid);
  auto bad_scope = good;
  bad_scope.required_scope = "";
  EXPECT_EQ(error_of(store->set_entra_config("acme", bad_scope)), StoreErrorCode::invalid);
  EXPECT_EQ(rows("entra_configs"), 0);
}

TEST_P(StoreTest, TrialsConfigureEntraUntilTheyEnd) {
  store->create_teamspace("trial", Plan::enterprise_trial, clock.now() + hours(1)).value();
  EntraSettings settings{std::string(kTenant), std::string(kAudience), "mcp.access"};
  store->set_entra_config("trial", settings).value();
  clock.advance(hours(1));
  auto ended = store->set_entra_config("trial", settings);
  EXPECT_EQ(error_of(ended), StoreErrorCode::invalid);
  EXPECT_NE(ended.error().message.find("trial has ended"), std::string::npos) << ended.error().message;
}

TEST_P(StoreTest, RoutesAnAudienceToEntitledTeamspaces) {
  auto acme = enterprise("acme");
  auto beta = enterprise("beta", kOtherTenant);
  auto trial = store->create_teamspace("trial", Plan::enterprise_trial, clock.now() + hours(1)).value();
  store->set_entra_config("trial", {std::string(kTenant), std::string(kAudience), "mcp.access"}).value();
  auto other = store->create_teamspace("other", Plan::enterprise, std::nullopt).value();
  store->set_entra_config("other", {std::string(kTenant), "20000000-0000-4000-8000-00000000000b", "mcp.access"})
      .value();

  auto ids = [&](std::string_view audience) {
    std::vector<int64_t> out;
    for (const auto& config : store->teamspaces_for_audience(audience).value()) out.push_back(config.teamspace_id);
    return out;
  };
  EXPECT_EQ(ids(kAudience), (std::vector<int64_t>{acme.id, beta.id, trial.id}));  // any case
  EXPECT_EQ(ids("20000000-0000-4000-8000-00000000000b"), std::vector<int64_t>{other.id});
  EXPECT_TRUE(ids("nothing").empty());

  clock.advance(hours(1));                                   // the trial ends
  store->set_plan("beta", Plan::pro, std::nullopt).value();  // and beta stops paying
  EXPECT_EQ(ids(kAudienceLower), std::vector<int64_t>{acme.id});
  auto configs = store->teamspaces_for_audience(kAudience).value();
  ASSERT_EQ(configs.size(), 1u);
  EXPECT_EQ(configs[0].tenant_id, kTenant);
  EXPECT_EQ(configs[0].required_scope, "mcp.access");
}

// --- Pre-provisioned Entra users -----------------------------------------------------------

TEST_P(StoreTest, AddingAnEntraUserCreatesUserMembershipAndMapping) {
  auto acme = enterprise("acme");
  auto added = store->add_entra_user("acme", " Alice@Contoso.COM ", " 30000000-0000-4000-8000-00000000ABCD ").value();
  EXPECT_EQ(added.teamspace_id, acme.id);
  EXPECT_EQ(added.email, "alice@contoso.com");
  EXPECT_EQ(added.tenant_id, kTenant);
  EXPECT_EQ(added.oid, "30000000-0000-4000-8000-00000000abcd");
  EXPECT_EQ(added.created, clock.now());

  auto members = store->list_members("acme").value();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].user.id, added.user_id);
  EXPECT_EQ(members[0].role, Role::developer);

  auto found =
      store->find_entra_user("acme", "10000000-0000-4000-8000-000000000001", "30000000-0000-4000-8000-00000000ABCD")
          .value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->email, "alice@contoso.com");
  EXPECT_FALSE(store->find_entra_user("acme", kOtherTenant, added.oid).value());
  EXPECT_FALSE(store->find_entra_user("acme", kTenant, oid(2)).value());
  EXPECT_FALSE(store->find_entra_user("acme", kTenant, "not-a-guid").value());
  EXPECT_EQ(error_of(store->find_entra_user("gamma", kTenant, added.oid)), StoreErrorCode::not_found);
}

TEST_P(StoreTest, ReaddingIsIdempotent) {
  enterprise("acme");
  auto first = store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  clock.advance(seconds(60));
  auto again = store->add_entra_user("acme", "ALICE@contoso.com", oid(1)).value();
  EXPECT_EQ(again.user_id, first.user_id);
  EXPECT_EQ(again.created, first.created);
  EXPECT_EQ(rows("users"), 1);
  EXPECT_EQ(rows("memberships"), 1);
  EXPECT_EQ(rows("entra_users"), 1);
}

TEST_P(StoreTest, SameEmailInTwoTeamspacesReusesTheUserWithAMappingEach) {
  auto acme = enterprise("acme");
  auto beta = enterprise("beta");
  auto in_acme = store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  auto in_beta = store->add_entra_user("beta", "alice@contoso.com", oid(1)).value();
  EXPECT_EQ(in_acme.user_id, in_beta.user_id);
  EXPECT_EQ(in_acme.teamspace_id, acme.id);
  EXPECT_EQ(in_beta.teamspace_id, beta.id);
  EXPECT_EQ(rows("users"), 1);
  EXPECT_EQ(rows("entra_users"), 2);
  EXPECT_TRUE(store->find_entra_user("acme", kTenant, oid(1)).value());
  EXPECT_TRUE(store->find_entra_user("beta", kTenant, oid(1)).value());
}

TEST_P(StoreTest, RefusesAnOidMappedToAnotherEmailInTheTenant) {
  enterprise("acme");
  enterprise("beta");
  enterprise("elsewhere", kOtherTenant);
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();

  auto same_teamspace = store->add_entra_user("acme", "bob@contoso.com", oid(1));
  EXPECT_EQ(error_of(same_teamspace), StoreErrorCode::conflict);
  EXPECT_EQ(same_teamspace.error().message, "object ID " + oid(1) +
                                                " is already mapped to alice@contoso.com in tenant " +
                                                std::string(kTenant) + "; one object ID is one person");
  // In another teamspace of the tenant the holder is not named.
  auto other_teamspace = store->add_entra_user("beta", "bob@contoso.com", oid(1));
  EXPECT_EQ(error_of(other_teamspace), StoreErrorCode::conflict);
  EXPECT_EQ(other_teamspace.error().message.find("alice"), std::string::npos);
  // Another tenant's directory has its own object IDs.
  EXPECT_TRUE(store->add_entra_user("elsewhere", "bob@contoso.com", oid(1)));

  EXPECT_EQ(rows("entra_users"), 2);
  EXPECT_EQ(store->list_members("beta").value().size(), 0u);  // the refused add left nothing behind
}

TEST_P(StoreTest, RefusesAnEmailMappedToAnotherOid) {
  enterprise("acme");
  enterprise("beta");
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  auto here = store->add_entra_user("acme", "alice@contoso.com", oid(2));
  EXPECT_EQ(error_of(here), StoreErrorCode::conflict);
  EXPECT_NE(here.error().message.find("in this teamspace; remove that mapping first"), std::string::npos)
      << here.error().message;
  EXPECT_EQ(error_of(store->add_entra_user("beta", "alice@contoso.com", oid(2))), StoreErrorCode::conflict);
  EXPECT_EQ(rows("entra_users"), 1);
}

TEST_P(StoreTest, RefusesBadInputAndMissingTenantWritingNothing) {
  enterprise("acme");
  store->create_teamspace("bare", Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(error_of(store->add_entra_user("acme", "alice", oid(1))), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->add_entra_user("acme", "alice@contoso.com", "12345")), StoreErrorCode::invalid);
  auto no_tenant = store->add_entra_user("bare", "alice@contoso.com", oid(1));
  EXPECT_EQ(error_of(no_tenant), StoreErrorCode::invalid);
  EXPECT_NE(no_tenant.error().message.find("configure the tenant before adding users"), std::string::npos);
  EXPECT_EQ(error_of(store->add_entra_user("gamma", "alice@contoso.com", oid(1))), StoreErrorCode::not_found);
  EXPECT_EQ(rows("users"), 0);
  EXPECT_EQ(rows("entra_users"), 0);
}

TEST_P(StoreTest, AnAdminAddedAsEntraUserKeepsTheRole) {
  enterprise("acme");
  store->add_member("acme", "alice@contoso.com", Role::admin).value();
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  EXPECT_EQ(store->list_members("acme").value().at(0).role, Role::admin);

  store->remove_entra_user("acme", "alice@contoso.com").value();
  EXPECT_FALSE(store->find_entra_user("acme", kTenant, oid(1)).value());
  EXPECT_EQ(store->list_members("acme").value().at(0).role, Role::admin);  // still an admin
}

TEST_P(StoreTest, RemovesEntraUsersByEmailOrOid) {
  enterprise("acme");
  enterprise("beta");
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  store->add_entra_user("acme", "bob@contoso.com", oid(2)).value();
  store->add_entra_user("beta", "alice@contoso.com", oid(1)).value();

  store->remove_entra_user("acme", "Alice@Contoso.com").value();
  store->remove_entra_user("acme", oid(2)).value();
  EXPECT_TRUE(store->list_entra_users("acme").value().empty());
  EXPECT_TRUE(store->list_members("acme").value().empty());              // their developer memberships went with them
  EXPECT_TRUE(store->find_entra_user("beta", kTenant, oid(1)).value());  // other teamspaces untouched
  EXPECT_EQ(rows("users"), 2);

  EXPECT_EQ(error_of(store->remove_entra_user("acme", "alice@contoso.com")), StoreErrorCode::not_found);
  EXPECT_EQ(error_of(store->remove_entra_user("acme", "garbage")), StoreErrorCode::invalid);
  // Removed, the user can be added back.
  EXPECT_TRUE(store->add_entra_user("acme", "alice@contoso.com", oid(1)));
}

TEST_P(StoreTest, ListsEntraUsersByEmail) {
  enterprise("acme");
  store->add_entra_user("acme", "zoe@contoso.com", oid(3)).value();
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  auto users = store->list_entra_users("acme").value();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].email, "alice@contoso.com");
  EXPECT_EQ(users[1].email, "zoe@contoso.com");
  EXPECT_EQ(users[1].oid, oid(3));
}

TEST_P(StoreTest, ConfigRemovalKeepsTheUsers) {
  enterprise("acme");
  store->add_entra_user("acme", "alice@contoso.com", oid(1)).value();
  store->remove_entra_config("acme").value();
  EXPECT_EQ(store->list_entra_users("acme").value().size(), 1u);
  EXPECT_EQ(error_of(store->add_entra_user("acme", "bob@contoso.com", oid(2))), StoreErrorCode::invalid);
}

// --- CSV import ----------------------------------------------------------------------------

// Line 1 a header, 2 good, 3 a bad email, 4 blank, 5 good, 6 a bad GUID, 7 one field,
// 8 the oid of line 2 for another email, 9 a repeat of line 2.
std::string mixed_csv() {
  return "email,oid\n" + email(1) + "," + oid(1) + "\n" + "not-an-email," + oid(2) + "\n\n" + email(3) + "," + oid(3) +
         "\n" + email(4) + ",12345\n" + email(5) + "\n" + email(6) + "," + oid(1) + "\n" + email(1) + "," + oid(1) +
         "\n";
}

TEST_P(StoreTest, CsvImportWritesGoodRowsAndReportsEveryRow) {
  enterprise("acme");
  auto reports = store->import_entra_users_csv("acme", mixed_csv(), false).value();
  ASSERT_EQ(reports.size(), 7u);
  std::vector<size_t> lines;
  for (const auto& r : reports) lines.push_back(r.line);
  EXPECT_EQ(lines, (std::vector<size_t>{2, 3, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(reports[0].ok);
  EXPECT_EQ(reports[0].message, "added");
  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(reports[1].email, "not-an-email");
  EXPECT_NE(reports[1].message.find("email 'not-an-email'"), std::string::npos);
  EXPECT_TRUE(reports[2].ok);
  EXPECT_FALSE(reports[3].ok);
  EXPECT_NE(reports[3].message.find("not a GUID"), std::string::npos);
  EXPECT_FALSE(reports[4].ok);
  EXPECT_EQ(reports[4].message, "expected two fields, email,oid; found 1");
  EXPECT_FALSE(reports[5].ok);
  EXPECT_NE(reports[5].message.find("already mapped to " + email(1)), std::string::npos);
  EXPECT_TRUE(reports[6].ok);
  EXPECT_EQ(reports[6].message, "already present");

  auto users = store->list_entra_users("acme").value();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].email, email(1));
  EXPECT_EQ(users[1].email, email(3));
  EXPECT_EQ(rows("users"), 2);  // nothing of the refused rows was kept
  EXPECT_EQ(rows("memberships"), 2);
}

TEST_P(StoreTest, CsvImportAllOrNothingWritesNothingWhenARowFails) {
  enterprise("acme");
  auto reports = store->import_entra_users_csv("acme", mixed_csv(), true).value();
  ASSERT_EQ(reports.size(), 7u);
  EXPECT_TRUE(reports[0].ok);
  EXPECT_EQ(reports[0].message, "valid, but not written: 4 row(s) failed and the import is all-or-nothing");
  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(rows("users"), 0);
  EXPECT_EQ(rows("memberships"), 0);
  EXPECT_EQ(rows("entra_users"), 0);
}

TEST_P(StoreTest, CsvImportAllOrNothingWritesEverythingWhenAllRowsAreGood) {
  enterprise("acme");
  std::string csv = email(1) + "," + oid(1) + "\r\n" + email(2) + "," + oid(2) + "\r\n";
  auto reports = store->import_entra_users_csv("acme", csv, true).value();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].ok && reports[1].ok);
  EXPECT_EQ(reports[0].line, 1u);  // no header
  EXPECT_EQ(store->list_entra_users("acme").value().size(), 2u);
}

TEST_P(StoreTest, CsvImportNeedsATenantAndAReasonableSize) {
  store->create_teamspace("bare", Plan::enterprise, std::nullopt).value();
  EXPECT_EQ(error_of(store->import_entra_users_csv("bare", email(1) + "," + oid(1), false)), StoreErrorCode::invalid);
  enterprise("acme");
  std::string huge;
  for (size_t i = 0; i <= kMaxCsvRows; ++i) huge += "a@b.c,x\n";
  EXPECT_EQ(error_of(store->import_entra_users_csv("acme", huge, false)), StoreErrorCode::invalid);
  EXPECT_TRUE(store->import_entra_users_csv("acme", "", false).value().empty());
}

// --- API keys ------------------------------------------------------------------------------

TEST_P(StoreTest, ApiKeyIsShownOnceStoredHashedAndFoundByItsSecret) {
  auto acme = store->create_teamspace("acme", Plan::pro, std::nullopt).value();
  auto created = store->create_api_key("acme", " CI ").value();
  const auto& secret = created.secret;
  EXPECT_TRUE(secret.starts_with("ctx7sk-"));
  EXPECT_EQ(secret.size(), 7u + 43u);
  EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 7),
            std::string::npos);
  EXPECT_EQ(created.key.prefix, secret.substr(0, 15));
  EXPECT_EQ(created.key.name, "CI");
  EXPECT_EQ(created.key.teamspace_id, acme.id);
  EXPECT_FALSE(created.key.revoked);
  EXPECT_NE(store->create_api_key("acme", "CI").value().secret, secret);

  auto found = store->find_api_key(secret).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created.key.id);
  EXPECT_EQ(found->teamspace_id, acme.id);

  // The file holds the SHA-256, never the secret.
  auto stored = raw("SELECT secret_sha256, prefix FROM api_keys WHERE id = " + std::to_string(created.key.id));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].text(0), crypto::hex(crypto::sha256(secret)));
  EXPECT_EQ(stored[0].text(1), created.key.prefix);

  std::string tampered = secret;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(store->find_api_key(tampered).value());  // same prefix, other hash
  EXPECT_FALSE(store->find_api_key(secret.substr(0, 20)).value());
  EXPECT_FALSE(store->find_api_key("sk-" + secret.substr(7)).value());
  EXPECT_FALSE(store->find_api_key("").value());

  EXPECT_EQ(error_of(store->create_api_key("acme", "")), StoreErrorCode::invalid);
  EXPECT_EQ(error_of(store->create_api_key("gamma", "ci")), StoreErrorCode::not_found);
}

TEST_P(StoreTest, RevokedKeysAreNotFoundButStillListed) {
  store->create_teamspace("acme", Plan::pro, std::nullopt).value();
  store->create_teamspace("beta", Plan::pro, std::nullopt).value();
  auto first = store->create_api_key("acme", "first").value();
  auto second = store->create_api_key("acme", "second").value();
  store->create_api_key("beta", "theirs").value();

  auto revoked_at = clock.now() + seconds(10);
  clock.advance(seconds(10));
  store->revoke_api_key(first.key.id).value();
  EXPECT_FALSE(store->find_api_key(first.secret).value());
  EXPECT_TRUE(store->find_api_key(second.secret).value());

  clock.advance(seconds(10));
  store->revoke_api_key(first.key.id).value();  // again: no change
  EXPECT_EQ(error_of(store->revoke_api_key(999)), StoreErrorCode::not_found);

  auto keys = store->list_api_keys("acme").value();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "first");
  EXPECT_EQ(keys[0].revoked, revoked_at);
  EXPECT_EQ(keys[1].name, "second");
  EXPECT_FALSE(keys[1].revoked);
}

// --- Usage log -----------------------------------------------------------------------------

TEST_P(StoreTest, UsageIsNewestFirstLimitedAndPerTeamspace) {
  auto acme = store->create_teamspace("acme", Plan::pro, std::nullopt).value();
  auto beta = store->create_teamspace("beta", Plan::pro, std::nullopt).value();
  auto alice = store->add_member("acme", "alice@contoso.com", Role::developer).value();
  auto t0 = clock.now();
  auto record = [&](SysTime time, std::string tool, int64_t teamspace_id) {
    return store->record_usage({.time = time,
                                .teamspace_id = teamspace_id,
                                .user_id = alice.user.id,
                                .user_label = "alice@contoso.com",
                                .tool = std::move(tool),
                                .arguments_summary = "libraryName=react",
                                .result_bytes = 1234,
                                .latency_ms = 56});
  };
  record(t0 + seconds(2), "second", acme.id).value();
  record(t0, "zeroth", acme.id).value();
  record(t0 + seconds(5), "theirs", beta.id).value();
  record(t0 + seconds(2), "second-later", acme.id).value();  // same time: the later insert is newer
  record(t0 + seconds(3), "third", acme.id).value();

  auto tools = [&](size_t limit) {
    std::vector<std::string> out;
    for (const auto& u : store->usage("acme", limit).value()) out.push_back(u.tool);
    return out;
  };
  EXPECT_EQ(tools(10), (std::vector<std::string>{"third", "second-later", "second", "zeroth"}));
  EXPECT_EQ(tools(2), (std::vector<std::string>{"third", "second-later"}));
  EXPECT_TRUE(tools(0).empty());
  EXPECT_EQ(tools(size_t(-1)).size(), 4u);

  auto newest = store->usage("acme", 1).value().at(0);
  EXPECT_EQ(newest.time, t0 + seconds(3));
  EXPECT_EQ(newest.teamspace_id, acme.id);
  EXPECT_EQ(newest.user_id, alice.user.id);
  EXPECT_EQ(newest.user_label, "alice@contoso.com");
  EXPECT_EQ(newest.arguments_summary, "libraryName=react");
  EXPECT_EQ(newest.result_bytes, 1234);
  EXPECT_EQ(newest.latency_ms, 56);
  EXPECT_EQ(newest.outcome, "ok");
  EXPECT_EQ(store->usage("beta", 10).value().size(), 1u);
  EXPECT_EQ(error_of(store->usage("gamma", 10)), StoreErrorCode::not_found);
}

TEST_P(StoreTest, UsageRecordsAreCheckedAndSummariesCut) {
  auto acme = store->create_teamspace("acme", Plan::pro, std::nullopt).value();
  UsageRecord good{.time = clock.now(), .teamspace_id = acme.id, .user_label = "key: ci", .tool = "get-library-docs"};
  good.arguments_summary = std::string(5000, 'x');
  store->record_usage(good).value();
  auto kept = store->usage("acme", 1).value().at(0);
  EXPECT_EQ(kept.arguments_summary.size(), kMaxArgumentsSummaryBytes);
  EXPECT_FALSE(kept.user_id);

  auto no_tool = good;
  no_tool.tool = "";
  EXPECT_EQ(error_of(store->record_usage(no_tool)), StoreErrorCode::invalid);
  auto negative = good;
  negative.latency_ms = -1;
  EXPECT_EQ(error_of(store->record_usage(negative)), StoreErrorCode::invalid);
  auto unknown_teamspace = good;
  unknown_teamspace.teamspace_id = 999;
  EXPECT_EQ(error_of(store->record_usage(unknown_teamspace)), StoreErrorCode::not_found);
  auto unknown_user = good;
  unknown_user.user_id = 999;
  EXPECT_EQ(error_of(store->record_usage(unknown_user)), StoreErrorCode::not_found);
  EXPECT_EQ(rows("usage_log"), 1);
}

// --- Threads and crashes -------------------------------------------------------------------

TEST_P(StoreTest, ServesManyThreadsAtOnce) {
  auto acme = enterprise("acme");
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int n = t * kEach + i;
        EXPECT_TRUE(store->add_entra_user("acme", email(n), oid(n)));
        EXPECT_TRUE(store->record_usage({.time = clock.now(), .teamspace_id = acme.id, .tool = "resolve-library-id"}));
        EXPECT_TRUE(store->find_entra_user("acme", kTenant, oid(n)).value());
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store->list_entra_users("acme").value().size(), size_t(kThreads * kEach));
  EXPECT_EQ(store->usage("acme", 1000).value().size(), size_t(kThreads * kEach));
}

// --- Audit log, key owners, usage counts, import checks --------------------------------------

TEST_P(StoreTest, TheAuditLogIsAppendOnly) {
  auto acme = enterprise("acme");
  AuditEntry entry;
  entry.teamspace_id = acme.id;
  entry.actor_oid = oid(1);
  entry.actor_email = "alice@contoso.com";
  entry.channel = "dashboard";
  entry.action = "user.add";
  entry.detail = "bob@contoso.com";
  auto written = store->append_audit(entry).value();
  EXPECT_EQ(written.teamspace, "acme");
  EXPECT_EQ(written.time, clock.now());
  entry.teamspace_id.reset();
  entry.teamspace = "";
  entry.action = "installation.note";
  store->append_audit(entry).value();

  EXPECT_EQ(store->audit_log("acme", 10).value().size(), 1u);
  auto all = store->audit_log("", 10).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].action, "installation.note");  // newest first

  EXPECT_THROW(raw("UPDATE audit_log SET detail = 'nothing happened'"), sql::Error);
  EXPECT_THROW(raw("DELETE FROM audit_log"), sql::Error);
  EXPECT_EQ(rows("audit_log"), 2);
  entry.teamspace_id = 999;
  EXPECT_EQ(error_of(store->append_audit(entry)), StoreErrorCode::not_found);
}

// A change and its audit entry are one: both committed, or neither.
TEST_P(StoreTest, AnAuditedChangeAndItsEntryAreCommittedTogetherOrNotAtAll) {
  auto entry_for = [](const Teamspace& t, std::string action) {
    AuditEntry e;
    e.teamspace_id = t.id;
    e.actor_email = "alice@contoso.com";
    e.channel = "cli";
    e.action = std::move(action);
    e.detail = t.name;
    return std::optional<AuditEntry>(e);
  };
  auto done = store->audited([&]() -> StoreResult<std::optional<AuditEntry>> {
    auto t = store->create_teamspace("acme", Plan::enterprise, std::nullopt);
    if (!t) return t.error();
    auto m = store->add_member("acme", email(1), Role::owner);  // a nested transaction, too
    if (!m) return m.error();
    return entry_for(*t, "teamspace.create");
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(store->audit_log("acme", 10).value().size(), 1u);
  EXPECT_EQ(store->list_members("acme").value().size(), 1u);

  // The entry cannot be written (an action the log refuses): the change is undone as well.
  auto refused = store->audited([&]() -> StoreResult<std::optional<AuditEntry>> {
    auto t = store->create_teamspace("globex", Plan::enterprise, std::nullopt);
    if (!t) return t.error();
    return entry_for(*t, "");
  });
  EXPECT_FALSE(refused);
  EXPECT_EQ(error_of(store->find_teamspace("globex")), StoreErrorCode::not_found) << "no change without its record";

  // The change fails half-way: nothing of it stays, and nothing is recorded.
  auto half = store->audited([&]() -> StoreResult<std::optional<AuditEntry>> {
    auto t = store->create_teamspace("initech", Plan::enterprise, std::nullopt);
    if (!t) return t.error();
    auto again = store->create_teamspace("initech", Plan::free, std::nullopt);
    if (!again) return again.error();
    return entry_for(*t, "teamspace.create");
  });
  EXPECT_EQ(error_of(half), StoreErrorCode::conflict);
  EXPECT_EQ(error_of(store->find_teamspace("initech")), StoreErrorCode::not_found);
  EXPECT_EQ(rows("audit_log"), 1);

  // Nothing worth recording: the change stands, the log is unchanged.
  auto quiet = store->audited([&]() -> StoreResult<std::optional<AuditEntry>> {
    auto t = store->create_teamspace("hooli", Plan::free, std::nullopt);
    if (!t) return t.error();
    return std::optional<AuditEntry>();
  });
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(store->find_teamspace("hooli"));
  EXPECT_EQ(rows("audit_log"), 1);
}

TEST_P(StoreTest, ApiKeysBelongToAMemberAndRememberTheirLastUseToTheMinute) {
  enterprise("acme");
  store->add_member("acme", email(1), Role::developer).value();
  EXPECT_EQ(error_of(store->create_api_key("acme", "stranger's", std::optional<std::string>(email(2)))),
            StoreErrorCode::invalid);
  auto key = store->create_api_key("acme", "laptop", std::optional<std::string>(email(1))).value();
  EXPECT_EQ(key.key.owner_email, email(1));
  EXPECT_FALSE(key.key.last_used);

  auto first_use = clock.now();
  EXPECT_EQ(store->find_api_key(key.secret).value()->id, key.key.id);
  clock.advance(seconds(30));
  store->find_api_key(key.secret).value();
  EXPECT_EQ(store->list_api_keys("acme").value()[0].last_used, first_use) << "at most one write a minute";
  clock.advance(seconds(31));
  store->find_api_key(key.secret).value();
  EXPECT_EQ(store->list_api_keys("acme").value()[0].last_used, clock.now());
  EXPECT_EQ(store->revoke_api_key(key.key.id).value().name, "laptop");
}

TEST_P(StoreTest, UsageIsCountedPerDayUserAndToolWithinTheRange) {
  auto acme = enterprise("acme");
  auto record = [&](const std::string& who, const std::string& tool) {
    UsageRecord r;
    r.time = clock.now();
    r.teamspace_id = acme.id;
    r.user_label = who;
    r.tool = tool;
    store->record_usage(r).value();
  };
  auto start = clock.now();
  record(email(1), "query-docs");
  record(email(1), "query-docs");
  record(email(2), "resolve-library-id");
  clock.advance(hours(24));
  record(email(1), "query-docs");
  auto counts = store->usage_counts("acme", start, clock.now() + seconds(1)).value();
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].calls, 2);
  EXPECT_EQ(counts[0].user_label, email(1));
  EXPECT_NE(counts[0].day, counts[2].day);
  EXPECT_EQ(store->usage_counts("acme", start + hours(1), clock.now() + seconds(1)).value().size(), 1u);
  EXPECT_EQ(store->usage_between("acme", start, clock.now(), 10).value().size(), 3u) << "the end is excluded";
}

TEST_P(StoreTest, ACheckedImportReportsEveryRowAndWritesNothing) {
  enterprise("acme");
  auto good = store->import_entra_users("acme", email(1) + "," + oid(1) + "\n", ImportMode::check_only).value();
  ASSERT_EQ(good.size(), 1u);
  EXPECT_TRUE(good[0].ok);
  EXPECT_EQ(good[0].message, "would be added");
  auto bad = store->import_entra_users("acme", email(1) + "," + oid(1) + "\nx,y\n", ImportMode::check_only).value();
  EXPECT_TRUE(bad[0].ok);
  EXPECT_FALSE(bad[1].ok);
  EXPECT_EQ(rows("entra_users"), 0);
}

TEST_P(StoreTest, TeamspacesOfAUserCarryTheirRole) {
  enterprise("acme");
  enterprise("globex");
  store->add_member("globex", email(1), Role::admin).value();
  store->add_entra_user("acme", email(1), oid(1)).value();
  auto mine = store->teamspaces_of(email(1)).value();
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].teamspace.name, "acme");
  EXPECT_EQ(mine[0].role, Role::developer);
  EXPECT_EQ(mine[1].role, Role::admin);
  EXPECT_TRUE(store->teamspaces_of("nobody@contoso.com").value().empty());
  EXPECT_TRUE(store->teamspaces_of("not an email").value().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::sqlite, Backend::postgres), backend_name);

}  // namespace
}  // namespace mcpgate::store
