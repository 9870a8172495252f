// End-to-end: the official MCP TypeScript SDK (Client + StreamableHTTPClientTransport) against
// `mcpgate server`, with `mcpgate idp` (plain HTTP on 127.0.0.1, the built-in demo tenant) as the
// Entra ID the server trusts.
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set; the TLS CA it creates is not
// used here). The teamspace is provisioned with `mcpgate admin` against the server's data
// directory while the server runs:
//   /mcp        an API key of teamspace "contoso"
//   /mcp/oauth  an access token for the MCP API (scope mcp.access) obtained headlessly from the
//               development IdP: alice is provisioned in the teamspace, carol is not.
import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";

import { startMcpgate } from "./support/mcpgate-process.mjs";
import { DEMO } from "./support/demo-tenant.mjs";

// The built-in demo tenant (src/idp/demo_tenant.hpp).
const TENANT = DEMO.TenantId;
const GATEWAY_ID = DEMO.GatewayApp; // public client, loopback redirects
const MCP_API_ID = DEMO.McpApiApp;
const MCP_SCOPE = `api://${MCP_API_ID}/mcp.access`;
const ALICE = { upn: DEMO.AliceUpn, oid: DEMO.AliceOid };
const CAROL = { upn: DEMO.CarolUpn, oid: DEMO.CarolOid };
// Never listened on: the authorization response is read from the 302 itself.
const REDIRECT_URI = "http://127.0.0.1:53682/callback";

const TEAMSPACE = "contoso";
const API_KEY_NAME = "e2e-sdk";
const ADMIN_TIMEOUT_MS = 30_000;

const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const VERBOSE = Boolean(process.env.MCPGATE_E2E_VERBOSE);

let workDir;
let serverDataDir;
let idp; // McpgateProcess
let server; // McpgateProcess
let teamspaceId; // from `teamspace create`, if it says
let apiKey; // ctx7sk-…

// ---------------------------------------------------------------------------------------------
// Provisioning through `mcpgate admin` (the store's schema is internal)

function admin(...words) {
  const args = ["admin", "--data-dir", serverDataDir, ...words];
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { timeout: ADMIN_TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const status = error.killed ? `killed after ${ADMIN_TIMEOUT_MS} ms` : `exit ${error.code ?? error.signal}`;
        const output = `${stdout}${stderr}`.trimEnd();
        const hint = /subcommand is required|not expected/i.test(output)
          ? "\n(this mcpgate binary seems to have no `admin` subcommand: `mcpgate --help` lists what it has)"
          : "";
        reject(new Error(`\`mcpgate ${args.join(" ")}\` failed (${status})\n${output}${hint}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

// Options are written --name=value (a form `mcpgate admin` documents): with `--name value`, the
// binary built on 2026-11-27 hands the value to the command before the option and refuses the
// command ("option --plan needs a value").
async function provision() {
  const created = await admin("teamspace", "create", TEAMSPACE, "--plan=enterprise");
  teamspaceId = created.match(/\(id (\d+)\)/)?.[1];
  await admin("entra", "set", TEAMSPACE, `--tenant=${TENANT}`, `--audience=${MCP_API_ID}`, "--scope=mcp.access");
  await admin("user", "add", TEAMSPACE, ALICE.upn, ALICE.oid);
  const key = await admin("apikey", "create", TEAMSPACE, API_KEY_NAME);
  apiKey = key.match(/\bctx7sk-\S+/)?.[0];
  assert.ok(apiKey, `\`apikey create\` printed no ctx7sk- secret:\n${key}`);
}

// ---------------------------------------------------------------------------------------------
// Processes

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  workDir = mkdtempSync(join(DATA ?? tmpdir(), "mcpgate-e2e-mcp-sdk-"));
  const idpDataDir = join(workDir, "idp");
  serverDataDir = join(workDir, "server");
  mkdirSync(idpDataDir);
  mkdirSync(serverDataDir);

  idp = await startMcpgate(BIN, ["idp", "--data-dir", idpDataDir], {
    name: "mcpgate idp",
    portFile: join(workDir, "idp.port"),
    healthPath: "/healthz",
  });

  // JSON strings are YAML double-quoted scalars.
  const config = join(workDir, "server.yaml");
  writeFileSync(
    config,
    [
      "listen: {host: 127.0.0.1, port: 0}",
      "public_url: http://127.0.0.1",
      `data_dir: ${JSON.stringify(serverDataDir)}`,
      `entra: {authority: ${JSON.stringify(idp.base)}}`,
      "mcp: {diagnostic_tools: true}",
      "",
    ].join("\n"),
  );
  server = await startMcpgate(BIN, ["server", "--config", config], {
    name: "mcpgate server",
    portFile: join(workDir, "server.port"),
    healthPath: "/ping",
  });

  await provision();
});

after(async () => {
  await Promise.all([server?.stop(), idp?.stop()]);
  if (VERBOSE) console.error(`${idp?.log() ?? ""}${server?.log() ?? ""}`);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

// A user's access token for the MCP API, the way an MCP client gets one: authorization code with
// PKCE (S256) and a login_hint (the demo tenant's auto_login answers with the code directly), then
// the code redeemed at the token endpoint by the public gateway client.
async function accessTokenFor(upn) {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomUUID();
  const authorize = new URL(`${idp.base}/${TENANT}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: GATEWAY_ID,
    response_type: "code",
    response_mode: "query",
    redirect_uri: REDIRECT_URI,
    scope: MCP_SCOPE,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    login_hint: upn,
  }).toString();
  const answer = await fetch(authorize, { redirect: "manual" });
  const page = await answer.text();
  assert.equal(answer.status, 302, `authorize for ${upn} should redirect without a page; got ${answer.status}: ${page.slice(0, 500)}`);
  const target = new URL(answer.headers.get("location") ?? "about:blank");
  assert.equal(`${target.origin}${target.pathname}`, REDIRECT_URI, "redirected to the loopback URI");
  assert.equal(target.searchParams.get("error"), null, `authorize error: ${target.searchParams.get("error_description")}`);
  assert.equal(target.searchParams.get("state"), state, "state echoed unchanged");
  const code = target.searchParams.get("code");
  assert.ok(code, "authorization code in the redirect");

  const response = await fetch(`${idp.base}/${TENANT}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: GATEWAY_ID,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      scope: MCP_SCOPE,
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, `token endpoint for ${upn}: ${JSON.stringify(body)}`);
  assert.ok(body.access_token, "access_token in the token response");

  // What the server will check, asserted here so that a failure says which side is wrong.
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.aud, MCP_API_ID, "aud is the MCP API app");
  assert.equal(claims.tid, TENANT);
  assert.ok(String(claims.scp ?? "").split(" ").includes("mcp.access"), `scp contains mcp.access: ${claims.scp}`);
  return { token: body.access_token, claims };
}

function clientFor(path, bearer) {
  const client = new Client({ name: "mcpgate-e2e", version: "0.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(path, server.base), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  return { client, transport };
}

// connect (initialize + initialized), tools/list, tools/call whoami; returns whoami's text.
async function whoamiOver(path, bearer) {
  const { client, transport } = clientFor(path, bearer);
  try {
    await client.connect(transport);
    assert.ok(client.getServerVersion()?.name, "serverInfo.name in the initialize result");
    assert.ok(client.getServerCapabilities()?.tools, "the server declares the tools capability");

    const { tools } = await client.listTools();
    const whoami = tools.find((t) => t.name === "whoami");
    assert.ok(whoami, `tools/list includes whoami: ${JSON.stringify(tools.map((t) => t.name))}`);
    assert.equal(whoami.inputSchema?.type, "object", "whoami's inputSchema is an object schema");

    const result = await client.callTool({ name: "whoami", arguments: {} });
    assert.notEqual(result.isError, true, `whoami returned a tool error: ${JSON.stringify(result)}`);
    const text = result.content?.find((c) => c.type === "text")?.text;
    assert.ok(text, `whoami returned a text item: ${JSON.stringify(result)}`);
    return text;
  } finally {
    await client.close();
  }
}

async function connectFailure(path, bearer) {
  const { client, transport } = clientFor(path, bearer);
  try {
    await client.connect(transport);
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
  assert.fail(`connecting to ${path} should have failed`);
}

function assertTeamspace(text) {
  const named = text.includes(TEAMSPACE);
  const byId = teamspaceId !== undefined && new RegExp(`\\bteamspace ${teamspaceId}\\b`).test(text);
  assert.ok(named || byId, `whoami names the teamspace ('${TEAMSPACE}' or id ${teamspaceId}): ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Tests

describe("MCP TypeScript SDK against mcpgate server", () => {
  test("/mcp with an API key: initialize, tools/list, tools/call whoami", async () => {
    const text = await whoamiOver("/mcp", apiKey);
    assertTeamspace(text);
    assert.ok(text.includes(API_KEY_NAME), `whoami names the API key: ${text}`);
  });

  test("/mcp with an unknown API key: connect fails with 401", async () => {
    const error = await connectFailure("/mcp", "ctx7sk-not-a-key-of-this-server");
    const text = `${error.code ?? ""} ${error.message}`;
    assert.ok(/401|invalid_api_key/.test(text), `expected a 401 refusal, got: ${text}`);
  });

  test("/mcp/oauth with alice's Entra token: initialize, tools/list, tools/call whoami", async () => {
    const { token, claims } = await accessTokenFor(ALICE.upn);
    assert.equal(claims.oid, ALICE.oid);
    const text = await whoamiOver("/mcp/oauth", token);
    assert.ok(text.includes(ALICE.upn), `whoami names alice: ${text}`);
    assertTeamspace(text);
    assert.ok(text.includes(ALICE.oid), `whoami reports alice's oid: ${text}`);
    assert.ok(text.includes(TENANT), `whoami reports the tenant: ${text}`);
  });

  test("/mcp/oauth with carol's Entra token (not provisioned): connect fails with 401", async () => {
    const { token, claims } = await accessTokenFor(CAROL.upn);
    assert.equal(claims.oid, CAROL.oid);
    const error = await connectFailure("/mcp/oauth", token);
    const text = `${error.code ?? ""} ${error.message}`;
    assert.ok(/401|user_not_provisioned/.test(text), `expected 401 / user_not_provisioned, got: ${text}`);
    // Where the server's refusal body is quoted, it must give this reason and no other.
    const reason = error.message.match(/"reason"\s*:\s*"([^"]+)"/)?.[1];
    if (reason !== undefined) assert.equal(reason, "user_not_provisioned", `refusal reason: ${error.message}`);
  });
});
