// End-to-end: the dashboard (the guide's Part 4 in a browser) against `mcpgate dev`, driven by
// playwright-core (pinned) in Debian's Chromium, with axe-core (pinned) checking every page.
//
// An owner (alice, the demo's installation owner) signs in through the development IdP, creates
// a teamspace, configures its Microsoft Entra ID card, runs Test connection (a success and a
// failure), adds a user, imports a CSV with a bad row (nothing written, the row named), creates
// and revokes an API key, restricts a library to a group, sees the usage chart move after an MCP
// call, and reads every change in the audit. A developer (bob) signs in and reaches none of the
// admin actions, in the page or through the API.
//
// Screenshots of each page go to MCPGATE_SCREENSHOT_DIR (the build tree under ctest); the
// committed ones in docs/dashboard/ come from running this file with that variable pointed there.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { chromium } from "playwright-core";

import { startDevStack } from "./support/dev-stack.mjs";
import { DEMO } from "./support/demo-tenant.mjs";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const CORPUS = join(REPO_ROOT, "corpus", "sources");
const CHROMIUM = process.env.MCPGATE_CHROMIUM ?? "/usr/bin/chromium";
const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const SHOTS = process.env.MCPGATE_SCREENSHOT_DIR;

const UNKNOWN_TENANT = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const GROUP = "5b7e1d2c-3a4f-4b6e-8c9d-0e1f2a3b4c02"; // bob's group in the demo tenant

let running; // startDevStack()
let stack;
let browser;
let shotDir;

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: scripts/bootstrap.sh installs Debian's chromium`);
  assert.ok(existsSync(join(CORPUS, "libraries.yaml")), `the demo corpus is not in ${CORPUS}: run scripts/fetch-corpus.sh`);
  running = await startDevStack({ bin: BIN, dataRoot: DATA, name: "dashboard", corpus: CORPUS });
  stack = running.stack;
  shotDir = SHOTS ?? mkdtempSync(join(DATA ?? tmpdir(), "mcpgate-e2e-screenshots-"));
  mkdirSync(shotDir, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await running?.stop();
  if (!SHOTS && shotDir) rmSync(shotDir, { recursive: true, force: true });
});

// Signs `user` in through the IdP (it signs a login_hint's user in without a page) and lands on
// the dashboard.
async function signIn(user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`the page threw: ${error.message}`));
  await page.goto(`${stack.dashboard}login?login_hint=${encodeURIComponent(user)}`);
  await page.getByText(`Signed in as`).waitFor();
  assert.equal(await page.locator("header strong").textContent(), user);
  return { context, page };
}

// No serious or critical accessibility violation on the page as it stands.
async function checkAccessibility(page, name) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe-core on ${name}`,
  );
}

async function snapshot(page, name) {
  await checkAccessibility(page, name);
  await page.screenshot({ path: join(shotDir, `${name}.png`), fullPage: true });
}

// The admin API as the page's own script would call it, with the session cookie and its CSRF token.
async function apiFromPage(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await (await fetch("/dashboard/session")).json();
      const r = await fetch(path, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.text() };
    },
    { method, path, body },
  );
}

async function mcpToolCall(apiKey) {
  const url = `${stack.server}/mcp`;
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": apiKey };
  const init = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
                           params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "1" } } }),
  });
  await init.text();
  assert.equal(init.status, 200);
  const session = init.headers.get("mcp-session-id");
  const withSession = { ...headers, ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" } : {}) };
  const note = await fetch(url, { method: "POST", headers: withSession, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  await note.text();
  const call = await fetch(url, {
    method: "POST",
    headers: withSession,
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call",
                           params: { name: "resolve-library-id", arguments: { libraryName: "fastify", query: "plugins" } } }),
  });
  const text = await call.text();
  assert.equal(call.status, 200, text);
  assert.match(text, /\/fastify\/fastify/);
}

describe("the dashboard", () => {
  test("an owner configures a teamspace end to end, and the audit shows every change", async () => {
    const { context, page } = await signIn(DEMO.AliceUpn);
    await snapshot(page, "teamspaces");

    // A new enterprise teamspace; its creator becomes its owner.
    await page.getByLabel("Name").fill("acme");
    await page.getByLabel("Plan").selectOption("enterprise");
    await page.getByRole("button", { name: "Create teamspace" }).click();
    await page.getByText("Created teamspace acme; you are its owner.").waitFor();
    await page.getByRole("link", { name: "acme" }).click();
    await page.getByRole("heading", { name: "acme" }).waitFor();
    await snapshot(page, "overview");

    // The Microsoft Entra ID card: save, test (success), then a wrong tenant (failure).
    await page.getByRole("link", { name: "Microsoft Entra ID" }).click();
    await page.getByLabel("Tenant ID").fill(DEMO.TenantId);
    await page.getByLabel("Audience").fill(DEMO.McpApiApp);
    await page.getByLabel("Required scope").fill("mcp.access");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Microsoft Entra ID configuration saved.").waitFor();
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("Connection succeeded").waitFor();
    assert.ok(await page.getByText("confirmed the issuer matches").isVisible());

    await page.getByLabel("Tenant ID").fill(UNKNOWN_TENANT);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Microsoft Entra ID configuration saved.").waitFor();
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("Connection failed").waitFor();
    assert.ok(await page.getByText("Check that Tenant ID is your Entra directory ID").isVisible());
    assert.ok(await page.getByText("check the tenant ID").isVisible(), "the server's own reason is shown too");

    await page.getByLabel("Tenant ID").fill(DEMO.TenantId);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Microsoft Entra ID configuration saved.").waitFor();

    // A user, checked as a GUID before anything is sent.
    await page.getByLabel("Email").fill(DEMO.BobUpn);
    await page.getByLabel("Object ID").fill("not-a-guid");
    await page.getByRole("button", { name: "Add user" }).click();
    await page.getByText("Object ID must be a GUID").waitFor();
    await page.getByLabel("Object ID").fill(DEMO.BobOid);
    await page.getByRole("button", { name: "Add user" }).click();
    await page.getByText(`Added ${DEMO.BobUpn}.`).waitFor();
    await page.getByRole("cell", { name: DEMO.BobOid }).waitFor();

    // A CSV with a bad row: the report names it, Import stays disabled, nothing is written.
    await page.getByLabel("CSV text").fill(`email,oid\n${DEMO.CarolUpn},${DEMO.CarolOid}\nmallory@contoso.dev,12345\n`);
    await page.getByRole("button", { name: "Check CSV" }).click();
    await page.getByText("1 row(s) have problems; nothing was written.").waitFor();
    const badRow = page.locator("tr.bad");
    assert.equal(await badRow.count(), 1);
    assert.match(await badRow.innerText(), /^3\s+mallory@contoso\.dev/);
    assert.ok(await page.getByRole("button", { name: "Import" }).isDisabled());
    await snapshot(page, "entra");
    const users = JSON.parse((await apiFromPage(page, "GET", "/admin/v1/teamspaces/acme/users")).body);
    assert.deepEqual(users.users.map((u) => u.email), [DEMO.BobUpn], "the CSV wrote nothing");

    // API keys: created (shown once), then revoked.
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Key name").fill("ci");
    await page.getByRole("button", { name: "Create API key" }).click();
    const secret = await page.getByTestId("new-secret").textContent();
    assert.match(secret, /^ctx7sk-/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    assert.equal(await page.getByText(secret).count(), 0, "the secret is gone from the page");
    await page.getByRole("button", { name: "Revoke ci" }).click();
    await page.getByText("Revoked ci.").waitFor();
    await page.getByText(/^revoked \d{4}-/).waitFor();
    await snapshot(page, "api-keys");

    // Members: carol becomes an admin of acme.
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByLabel("Member email").fill(DEMO.CarolUpn);
    await page.getByLabel("Role", { exact: true }).selectOption("admin");
    await page.getByRole("button", { name: "Save member" }).click();
    await page.getByText(`${DEMO.CarolUpn} is now admin of acme.`).waitFor();
    await snapshot(page, "members");

    // The demo teamspace: restrict a library, and watch the usage chart move after an MCP call.
    await page.goto(`${stack.dashboard}#/t/contoso/libraries`);
    await page.getByLabel("Library", { exact: true }).selectOption("/pinojs/pino");
    await page.getByLabel("Entra group object ID").fill(GROUP);
    await page.getByRole("button", { name: "Restrict to group" }).click();
    await page.getByText(`/pinojs/pino is now visible only to members of group ${GROUP}`).waitFor();
    await page.getByRole("button", { name: "Refresh /colinhacks/zod" }).click();
    await page.getByText("Refreshing /colinhacks/zod from its sources").waitFor();
    await snapshot(page, "libraries");

    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Key name").fill("usage-probe");
    await page.getByRole("button", { name: "Create API key" }).click();
    const probeKey = await page.getByTestId("new-secret").textContent();
    await page.getByRole("link", { name: "Usage" }).click();
    const totalBefore = Number((await page.getByTestId("usage-total").textContent()).split(" ")[0]);
    await mcpToolCall(probeKey);
    await page.reload();
    await page.getByTestId("usage-total").getByText(`${totalBefore + 1} tool call(s)`).waitFor();
    await page.getByRole("cell", { name: "api-key:usage-probe" }).first().waitFor();
    await snapshot(page, "usage");

    // Every change above, in the teamspace's audit, attributed to alice through the dashboard.
    await page.goto(`${stack.dashboard}#/t/acme/audit`);
    await page.getByRole("cell", { name: "teamspace.create" }).waitFor();
    const acmeActions = await page.locator("tbody tr td.mono").allTextContents();
    for (const action of ["teamspace.create", "member.set", "entra.set", "user.add", "api_key.create", "api_key.revoke"])
      assert.ok(acmeActions.includes(action), `${action} in ${acmeActions}`);
    assert.equal(acmeActions.filter((a) => a === "member.set").length, 2, "alice as owner, then carol as admin");
    assert.ok(!acmeActions.includes("user.import"), "the refused CSV wrote no audit line");
    assert.ok((await page.locator("tbody").innerText()).includes(DEMO.AliceOid), "who: the object ID");
    await snapshot(page, "audit");
    const contosoAudit = JSON.parse((await apiFromPage(page, "GET", "/admin/v1/teamspaces/contoso/audit")).body).audit;
    const restriction = contosoAudit.find((e) => e.action === "library.restrict");
    assert.ok(restriction, JSON.stringify(contosoAudit));
    assert.equal(restriction.actor, DEMO.AliceUpn);
    assert.equal(restriction.channel, "dashboard");
    const everything = JSON.parse((await apiFromPage(page, "GET", "/admin/v1/audit")).body).audit;
    assert.ok(everything.some((e) => e.action === "library.refresh" && e.detail.startsWith("/colinhacks/zod")), "installation-wide changes too");
    await context.close();
  });

  test("a developer sees their own things and reaches no admin action, in the page or the API", async () => {
    const { context, page } = await signIn(DEMO.BobUpn);
    await page.getByRole("link", { name: "contoso" }).click();
    await page.getByRole("heading", { name: "contoso" }).waitFor();
    const tabs = await page.getByRole("navigation", { name: "Teamspace sections" }).getByRole("link").allTextContents();
    assert.deepEqual(tabs, ["Overview", "API keys", "Usage", "Libraries"], "no Microsoft Entra ID, Members or Audit");
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("Your own keys in this teamspace.").waitFor();
    assert.equal(await page.getByRole("cell", { name: "usage-probe" }).count(), 0, "alice's keys are not listed");
    await page.getByRole("link", { name: "Libraries" }).click();
    await page.getByRole("cell", { name: /\/fastify\/fastify/ }).waitFor();
    assert.equal(await page.getByText("/pinojs/pino").count(), 0, "a library restricted to a group is not shown");
    await snapshot(page, "developer");

    const refusals = [
      ["GET", "/admin/v1/teamspaces/contoso/users"],
      ["POST", "/admin/v1/teamspaces/contoso/users", { email: "eve@contoso.dev", oid: UNKNOWN_TENANT }],
      ["PUT", "/admin/v1/teamspaces/contoso/entra", { tenant_id: UNKNOWN_TENANT, audience: DEMO.McpApiApp, required_scope: "x" }],
      ["GET", "/admin/v1/teamspaces/contoso/audit"],
      ["POST", "/admin/v1/teamspaces", { name: "bobs", plan: "enterprise" }],
      ["POST", `/admin/v1/teamspaces/contoso/libraries/${encodeURIComponent("/fastify/fastify")}/groups`, { group: GROUP }],
    ];
    for (const [method, path, body] of refusals) {
      const r = await apiFromPage(page, method, path, body);
      assert.equal(r.status, 403, `${method} ${path}: ${r.body}`);
    }
    const elsewhere = await apiFromPage(page, "GET", "/admin/v1/teamspaces/globex");
    assert.equal(elsewhere.status, 404, elsewhere.body);
    // Provisioned in acme by alice, bob is a developer there too, and no more.
    const mine = JSON.parse((await apiFromPage(page, "GET", "/admin/v1/me")).body).teamspaces;
    assert.deepEqual(mine.map((t) => `${t.name}:${t.role}`), ["acme:developer", "contoso:developer"]);
    assert.equal((await apiFromPage(page, "GET", "/admin/v1/teamspaces/acme/users")).status, 403);

    // Without the CSRF token, even his own key cannot be made.
    const forged = await page.evaluate(async () => {
      const r = await fetch("/admin/v1/teamspaces/contoso/api-keys", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "x" }) });
      return r.status;
    });
    assert.equal(forged, 403);
    await context.close();
  });
});
