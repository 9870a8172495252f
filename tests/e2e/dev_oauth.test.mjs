// End-to-end: the guide's Part 6 against `mcpgate dev`, with unmodified third-party MCP clients
// (pinned in package-lock.json) doing their own OAuth:
//   @modelcontextprotocol/sdk  StreamableHTTPClientTransport with an OAuthClientProvider: 401 →
//                              protected-resource metadata → authorization-server metadata →
//                              registration through the gateway's shim (or a pre-configured
//                              client ID) → /authorize → the dev IdP → code → /token → tools
//   mcp-remote                 the stdio bridge, with its own OAuth flow and callback server,
//                              driven over stdio by the SDK client
// Nobody clicks: support/headless-browser.mjs plays the browser (the dev IdP signs in the
// login_hint's user without a page).
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set). Needs the demo corpus
// (corpus/sources, laid out by scripts/fetch-corpus.sh).
import { spawn } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { codeFrom, followSignIn } from "./support/headless-browser.mjs";
import { freePort, startDevStack } from "./support/dev-stack.mjs";
import { callText, HeadlessOAuthProvider, recordingFetch, signInAndConnect, steps } from "./support/mcp-oauth-client.mjs";
import { DEMO } from "./support/demo-tenant.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const CORPUS = join(REPO_ROOT, "corpus", "sources");
const BROWSER_PROGRAM = join(HERE, "support", "headless-browser.mjs");

// The demo tenant (src/idp/demo_tenant.hpp).
const ALICE_OID = DEMO.AliceOid;

const FASTIFY_ID = "/fastify/fastify";
const FASTIFY_SOURCE = "Source: https://github.com/fastify/fastify/blob/";

// First start indexes the whole demo corpus before the gateway listens: seconds, not milliseconds.

const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const VERBOSE = Boolean(process.env.MCPGATE_E2E_VERBOSE);

let running; // startDevStack()
let workDir; // the clients' own files (mcp-remote's configuration)
let dev; // McpgateProcess of `mcpgate dev`
let stack; // its stack.json: mcp_url, gateway, idp, tenant_id, gateway_app, mcp_api_app, …

// ---------------------------------------------------------------------------------------------
// `mcpgate dev` on free ports and a throw-away data directory (support/dev-stack.mjs)

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  assert.ok(existsSync(join(CORPUS, "libraries.yaml")) && existsSync(join(CORPUS, "fastify")),
            `the demo corpus is not laid out in ${CORPUS}: run scripts/fetch-corpus.sh (scripts/bootstrap.sh runs it)`);
  running = await startDevStack({ bin: BIN, dataRoot: DATA, name: "dev-oauth", corpus: CORPUS });
  workDir = mkdtempSync(join(DATA ?? tmpdir(), "mcpgate-e2e-dev-oauth-clients-"));
  dev = running.dev;
  stack = running.stack;
});

after(async () => {
  if (VERBOSE) console.error(dev?.log() ?? "");
  await running?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// What the clients see

function show(title, lines) {
  if (VERBOSE) console.error(`--- ${title} ---\n${[].concat(lines).join("\n")}`);
}

async function useTheTools(client) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes("resolve-library-id") && names.includes("query-docs"), `tools/list: ${names}`);
  const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "register a plugin" });
  assert.ok(resolved.includes(FASTIFY_ID), resolved);
  const docs = await callText(client, "query-docs", { libraryId: FASTIFY_ID, query: "register a plugin" });
  assert.ok(docs.includes(FASTIFY_SOURCE), `query-docs answers with snippets: ${docs.slice(0, 1000)}`);
  const hooks = await callText(client, "query-docs", { libraryId: FASTIFY_ID, query: "onRequest hook" });
  assert.ok(hooks.includes(FASTIFY_SOURCE), hooks.slice(0, 1000));
  return 4; // MCP requests made with the user's token, besides the initialize handshake
}

async function oboExchangesFor(oid) {
  const r = await fetch(`${stack.idp}/_dev/stats`);
  assert.equal(r.status, 200);
  const stats = await r.json();
  return stats.on_behalf_of_by_user?.[`${stack.tenant_id}/${oid}`] ?? 0;
}

async function rawMcpPost(token) {
  const r = await fetch(stack.mcp_url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "mcpgate-e2e-raw", version: "0" } },
    }),
  });
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, wwwAuthenticate: r.headers.get("www-authenticate") ?? "", text, body };
}

// An authorization code flow with PKCE by hand, for what the SDK does not do: a token for another
// audience, a sign-in answering a claims challenge.
async function codeFlow({ authorize, token, clientId, scope, loginHint, claims }) {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(authorize);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", "http://127.0.0.1:33419/callback");
  url.searchParams.set("scope", scope);
  url.searchParams.set("state", "raw");
  url.searchParams.set("code_challenge", createHash("sha256").update(verifier).digest("base64url"));
  url.searchParams.set("code_challenge_method", "S256");
  if (claims) url.searchParams.set("claims", claims);
  const code = codeFrom(await followSignIn(url, { loginHint }));
  const r = await fetch(token, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: clientId, code, code_verifier: verifier,
                                redirect_uri: "http://127.0.0.1:33419/callback", scope }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, `token endpoint: ${JSON.stringify(body)}`);
  return body.access_token;
}

function claimsOfJwt(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

function challengeParam(header, name) {
  return header.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1];
}

// ---------------------------------------------------------------------------------------------
// The MCP TypeScript SDK

const SDK_VERSION = JSON.parse(readFileSync(join(HERE, "node_modules/@modelcontextprotocol/sdk/package.json"), "utf8")).version;

describe(`@modelcontextprotocol/sdk ${SDK_VERSION} (Streamable HTTP + OAuth) through the gateway of mcpgate dev`, () => {
  test("Part 6 with registration at the gateway: alice's calls share one On-Behalf-Of exchange", async () => {
    assert.equal(await oboExchangesFor(ALICE_OID), 0, "no exchange for alice before her first call");
    const recorder = recordingFetch();
    const provider = new HeadlessOAuthProvider();
    const client = await signInAndConnect(stack.mcp_url, provider, recorder);
    try {
      const flow = steps(recorder.log);
      show("SDK flow with registration", flow);
      const at = (re) => flow.findIndex((s) => re.test(s));
      const challenged = recorder.log[0];
      assert.equal(`${challenged.method} ${challenged.status}`, "POST 401", flow.join("\n"));
      assert.equal(challenged.url.href, stack.mcp_url);
      const prmUrl = challengeParam(challenged.wwwAuthenticate ?? "", "resource_metadata");
      assert.ok(prmUrl?.startsWith(`${stack.gateway}/.well-known/oauth-protected-resource`), challenged.wwwAuthenticate);
      const order = [
        at(/^POST \/context7\/mcp 401$/),
        at(/^GET \/\.well-known\/oauth-protected-resource\S* 200$/),
        at(/^GET \/\.well-known\/(oauth-authorization-server|openid-configuration)\S* 200$/),
        at(/^POST \/register 201$/),
        at(/^POST \/token 200$/),
        at(/^POST \/context7\/mcp 200$/),
      ];
      assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1])), `the flow, in order:\n${flow.join("\n")}`);

      // The gateway is the authorization server: the client ID is its own, sealed registration.
      assert.match(provider.registered?.client_id ?? "", /^mcpgate-client\./, "registered at the gateway");
      const authorize = provider.authorizationUrls[0];
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${stack.gateway}/authorize`);
      assert.equal(authorize.searchParams.get("client_id"), provider.registered.client_id);
      assert.ok(provider.pages.some((p) => /Allow .* to use MCP servers as you\?/.test(p.html)), "alice was asked once");
      assert.equal(provider.redirects[0].searchParams.get("iss"), stack.gateway, "RFC 9207: the gateway says it answered");
      assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
      assert.equal(authorize.searchParams.get("resource"), stack.mcp_url, "the SDK sends RFC 8707 resource");

      const user = claimsOfJwt(provider.savedTokens.access_token);
      assert.equal(user.oid, ALICE_OID, "signed in as alice, the IdP's default user");
      assert.equal(user.aud, stack.gateway_app, "the client's token is for the gateway");
      assert.equal(user.azp, stack.gateway_app, "signed in at Entra by the gateway's own app");

      const calls = await useTheTools(client);
      assert.ok(calls > 1);
      assert.equal(await oboExchangesFor(ALICE_OID), 1, `one On-Behalf-Of exchange served alice's ${calls + 2} MCP requests`);
    } finally {
      await client.close();
    }
  });

  test("Part 6 with the pre-registered client ID: no registration, no consent; the cached exchange serves the new token", async () => {
    const before = await oboExchangesFor(ALICE_OID);
    const recorder = recordingFetch();
    const provider = new HeadlessOAuthProvider({ clientId: stack.gateway_app, loginHint: "alice@contoso.dev" });
    const client = await signInAndConnect(stack.mcp_url, provider, recorder);
    try {
      const flow = steps(recorder.log);
      assert.ok(!flow.some((s) => s.includes("/register")), `no registration request:\n${flow.join("\n")}`);
      assert.equal(provider.authorizationUrls[0].searchParams.get("client_id"), stack.gateway_app);
      assert.ok(!provider.pages.some((p) => /Allow .* to use MCP servers/.test(p.html)), "an administrator's client needs no consent");
      const user = claimsOfJwt(provider.savedTokens.access_token);
      assert.equal(user.aud, stack.gateway_app);
      await useTheTools(client);
      assert.equal(await oboExchangesFor(ALICE_OID), Math.max(before, 1), "alice's exchange is cached per user, not per token");
    } finally {
      await client.close();
    }
  });

  // Entra access tokens live an hour. The gateway asks for offline_access on the client's behalf,
  // so the SDK gets a refresh token; a refresh with the SDK's own form (resource, no scope) gets
  // the gateway's token again, not a Microsoft Graph one (AADSTS650053), and works at once.
  test("the sign-in brings a refresh token, and refreshing gets the gateway's token, not Microsoft Graph's", async () => {
    const provider = new HeadlessOAuthProvider({ clientId: stack.gateway_app, loginHint: "alice@contoso.dev" });
    const client = await signInAndConnect(stack.mcp_url, provider, recordingFetch());
    await client.close();
    const refreshToken = provider.savedTokens.refresh_token;
    assert.ok(refreshToken, `a refresh token with the sign-in: ${Object.keys(provider.savedTokens)}`);
    const r = await fetch(`${stack.gateway}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: stack.gateway_app,
                                  resource: stack.mcp_url }).toString(),
    });
    const answer = await r.json();
    assert.equal(r.status, 200, JSON.stringify(answer));
    const claims = claimsOfJwt(answer.access_token);
    assert.equal(claims.aud, stack.gateway_app, "the gateway's audience");
    assert.match(claims.scp ?? "", /Mcp\.Gateway\.Access/);
    assert.ok(answer.refresh_token, "a rotated refresh token");
    const raw = await rawMcpPost(answer.access_token);
    assert.equal(raw.status, 200, raw.text);
  });

  // Signs carol in with the SDK and lets it try to connect; returns what it saw.
  async function carolThroughTheSdk() {
    const recorder = recordingFetch();
    const provider = new HeadlessOAuthProvider({ loginHint: "carol@contoso.dev" });
    const first = new StreamableHTTPClientTransport(new URL(stack.mcp_url), { authProvider: provider, fetch: recorder.fetch });
    await assert.rejects(new Client({ name: "mcpgate-e2e", version: "0" }).connect(first), UnauthorizedError);
    await first.finishAuth(provider.code);
    assert.equal(claimsOfJwt(provider.savedTokens.access_token).preferred_username, "carol@contoso.dev");
    const signedIn = recorder.log.length;

    const transport = new StreamableHTTPClientTransport(new URL(stack.mcp_url), { authProvider: provider, fetch: recorder.fetch });
    const client = new Client({ name: "mcpgate-e2e", version: "0" });
    const error = await client.connect(transport).then(() => undefined, (e) => e);
    await client.close();
    assert.ok(error, "the connection is refused");
    const after = recorder.log.slice(signedIn);
    const refusal = after.find((e) => e.url.href === stack.mcp_url && e.withToken && e.status === 403);
    assert.ok(refusal, `a 403 for carol's token:\n${steps(recorder.log).join("\n")}`);
    show("SDK, carol", [...steps(recorder.log), `${error.constructor.name}: ${error.message}`]);
    const elsewhere = after.filter((e) => e.url.origin !== new URL(stack.gateway).origin);
    const signInAgain = after.filter((e) => /\/(authorize|token|register)\b/.test(e.url.pathname));
    return {
      error,
      refusal,
      provider,
      elsewhere: elsewhere.map((e) => `${e.method} ${e.url.href} ${e.status}`),
      signInAgain: signInAgain.map((e) => `${e.method} ${e.url.href} ${e.status}`),
    };
  }

  // The server refuses a verified user it has no record of with Context7's 401. Passed on as
  // 401, it would send every client into a new sign-in, which cannot help (the SDK gives up after
  // three); the gateway answers 403 naming the fix, as the guide's troubleshooting does.
  test("carol signs in and passes the gateway; the server has not provisioned her: 403 naming the fix", async () => {
    const { refusal, provider } = await carolThroughTheSdk();
    const body = JSON.parse(await refusal.body);
    assert.equal(body?.error?.data?.reason, "user_not_provisioned", JSON.stringify(body));
    assert.match(body?.error?.message ?? "", /Microsoft Entra ID users/, JSON.stringify(body));
    assert.ok((body?.error?.message ?? "").includes(DEMO.CarolOid), "the object ID to add");
    assert.equal(refusal.wwwAuthenticate, null, "no challenge: nothing to sign in to");

    const raw = await rawMcpPost(provider.savedTokens.access_token);
    assert.equal(raw.status, 403, raw.text);
    assert.equal(raw.body?.error?.data?.reason, "user_not_provisioned", raw.text);
  });

  test("carol's refusal starts no new sign-in, and the SDK reports it", async () => {
    const { error, elsewhere, signInAgain } = await carolThroughTheSdk();
    assert.deepEqual(signInAgain, [], "no authorization, token or registration request after the refusal");
    assert.deepEqual(elsewhere, [], "the client talks to the gateway only");
    assert.doesNotMatch(error.message, /does not match expected/, `${error.constructor.name}: ${error.message}`);
  });

  test("dave gets the Conditional Access step-up challenge; signing in with its claims satisfies it", async () => {
    const recorder = recordingFetch();
    const provider = new HeadlessOAuthProvider({ loginHint: "dave@contoso.dev" });
    const first = new StreamableHTTPClientTransport(new URL(stack.mcp_url), { authProvider: provider, fetch: recorder.fetch });
    await assert.rejects(new Client({ name: "mcpgate-e2e", version: "0" }).connect(first), UnauthorizedError);
    await first.finishAuth(provider.code);
    const token = provider.savedTokens.access_token;
    assert.equal(claimsOfJwt(token).preferred_username, "dave@contoso.dev");

    const transport = new StreamableHTTPClientTransport(new URL(stack.mcp_url), { authProvider: provider, fetch: recorder.fetch });
    const client = new Client({ name: "mcpgate-e2e", version: "0" });
    const error = await client.connect(transport).then(() => undefined, (e) => e);
    await client.close();
    assert.ok(error, "the SDK cannot get through without the step-up");
    show("SDK, dave", [...steps(recorder.log), `${error.constructor.name}: ${error.message}`]);

    const raw = await rawMcpPost(provider.savedTokens.access_token);
    assert.equal(raw.status, 401, raw.text);
    assert.match(raw.wwwAuthenticate, /error="insufficient_claims"/, raw.wwwAuthenticate);
    const claims = challengeParam(raw.wwwAuthenticate, "claims");
    assert.ok(claims, `the challenge carries claims: ${raw.wwwAuthenticate}`);
    const decoded = Buffer.from(claims, "base64").toString("utf8");
    assert.ok(JSON.parse(decoded).access_token, `claims is a claims request: ${decoded}`);

    // What a client that understands the challenge does: sign in again through the gateway,
    // passing the claims on.
    const meta = await (await fetch(`${stack.gateway}/.well-known/oauth-authorization-server`)).json();
    const steppedUp = await codeFlow({
      authorize: meta.authorization_endpoint, token: meta.token_endpoint, clientId: stack.gateway_app,
      scope: meta.scopes_supported.find((s) => s.startsWith("api://")), loginHint: "dave@contoso.dev", claims: decoded,
    });
    const served = await rawMcpPost(steppedUp);
    assert.equal(served.status, 200, `after the step-up: ${served.text.slice(0, 500)}`);
  });

  test("a token for the MCP API (not the gateway) is refused at the gateway: audience_mismatch", async () => {
    const discovery = await (await fetch(`${stack.authority}/v2.0/.well-known/openid-configuration`)).json();
    const token = await codeFlow({
      authorize: discovery.authorization_endpoint, token: discovery.token_endpoint, clientId: stack.gateway_app,
      scope: `api://${stack.mcp_api_app}/mcp.access`, loginHint: "alice@contoso.dev",
    });
    assert.equal(claimsOfJwt(token).aud, stack.mcp_api_app);
    const raw = await rawMcpPost(token);
    assert.equal(raw.status, 401, raw.text);
    assert.match(raw.wwwAuthenticate, /error="invalid_token"/, raw.wwwAuthenticate);
    assert.equal(raw.body?.reason, "audience_mismatch", raw.text);
    assert.ok(raw.body?.message, raw.text);
  });
});

// ---------------------------------------------------------------------------------------------
// mcp-remote

const MCP_REMOTE_DIR = join(HERE, "node_modules", "mcp-remote");
const MCP_REMOTE = (() => {
  const manifest = JSON.parse(readFileSync(join(MCP_REMOTE_DIR, "package.json"), "utf8"));
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.["mcp-remote"];
  return { path: join(MCP_REMOTE_DIR, bin), version: manifest.version };
})();

function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

// A throw-away HOME and configuration directory for mcp-remote, and the browser it opens.
function mcpRemoteSetup() {
  const dir = join(workDir, "mcp-remote");
  const setup = { home: join(dir, "home"), config: join(dir, "config"), browserLog: join(dir, "browser.log"), browser: join(dir, "browser") };
  mkdirSync(setup.home, { recursive: true });
  mkdirSync(setup.config, { recursive: true });
  // xdg-open (through the `open` package) runs $BROWSER when no desktop is detected; it must
  // be one executable, so a wrapper pins the Node that runs this file.
  writeFileSync(setup.browser, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(BROWSER_PROGRAM)} "$1"\n`);
  chmodSync(setup.browser, 0o755);
  return setup;
}

function browserLog(setup) {
  return existsSync(setup.browserLog) ? readFileSync(setup.browserLog, "utf8") : "";
}

// Starts mcp-remote for the gateway's MCP URL, connects the SDK client to it over stdio and runs
// `use(client)`; mcp-remote is stopped again whatever happens.
async function withMcpRemote(setup, callbackPort, use) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_REMOTE.path, stack.mcp_url, String(callbackPort)],
    // No DISPLAY and no desktop variables: xdg-open then goes straight to $BROWSER.
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: setup.home,
      MCP_REMOTE_CONFIG_DIR: setup.config,
      BROWSER: setup.browser,
      MCPGATE_E2E_BROWSER_LOG: setup.browserLog,
      MCPGATE_E2E_LOGIN_HINT: "alice@contoso.dev",
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "mcpgate-e2e", version: "0.0.0" });
  try {
    await client.connect(transport);
    return await use(client);
  } catch (error) {
    error.message += `\n--- mcp-remote stderr ---\n${stderr.trimEnd()}\n--- browser ---\n${browserLog(setup).trimEnd() || "(never opened)"}`;
    throw error;
  } finally {
    await client.close();
    show("mcp-remote stderr", stderr.trimEnd());
  }
}

function savedTokens(config) {
  const files = readdirSync(config, { recursive: true }).map(String).filter((f) => f.endsWith("tokens.json"));
  assert.equal(files.length, 1, `one tokens.json under MCP_REMOTE_CONFIG_DIR: ${readdirSync(config, { recursive: true })}`);
  return JSON.parse(readFileSync(join(config, files[0]), "utf8"));
}

describe(`mcp-remote ${MCP_REMOTE.version} (stdio bridge, its own OAuth) through the gateway of mcpgate dev`, () => {
  test("signs in through a headless browser, lists the tools and resolves a library; a restart reuses the sign-in", async () => {
    const setup = mcpRemoteSetup();
    const callbackPort = await freePort();
    await withMcpRemote(setup, callbackPort, async (client) => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      assert.ok(names.includes("resolve-library-id") && names.includes("query-docs"), `tools/list: ${names}`);
      const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "register a plugin" });
      assert.ok(resolved.includes(FASTIFY_ID), resolved);
      const docs = await callText(client, "query-docs", { libraryId: FASTIFY_ID, query: "register a plugin" });
      assert.ok(docs.includes(FASTIFY_SOURCE), docs.slice(0, 1000));
    });
    const log = browserLog(setup);
    show("browser", log.trimEnd());
    const opened = (text) => text.split("\n").filter((l) => /\bopen http/.test(l)).length;
    assert.equal(opened(log), 1, log);
    assert.match(log, new RegExp(`open ${stack.gateway.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/authorize\\?`), log);
    assert.match(log, /callback answered 200/, log);
    // Its state went to the configuration directory given, not to HOME.
    const tokens = savedTokens(setup.config);
    assert.equal(claimsOfJwt(tokens.access_token).oid, ALICE_OID);
    assert.ok(tokens.refresh_token, "mcp-remote asked for offline_access: the gateway's /token brought a refresh token");
    assert.deepEqual(readdirSync(setup.home), [], "nothing written to HOME");

    // The same configuration directory and callback port: no second browser sign-in.
    await withMcpRemote(setup, callbackPort, async (client) => {
      const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "hooks" });
      assert.ok(resolved.includes(FASTIFY_ID), resolved);
    });
    assert.equal(opened(browserLog(setup)), 1, `the stored tokens served the restart:\n${browserLog(setup)}`);
  });
});
