// End-to-end: Microsoft's MSAL for Node against `mcpgate idp --tls` (the built-in demo tenant).
//
// Run through run-node-test.sh, which creates the development CA first and starts Node with
// NODE_EXTRA_CA_CERTS (Node reads it only at start-up), MCPGATE_BIN and MCPGATE_E2E_DATA set.
// Every token MSAL obtains is verified independently with jose against the published JWKS.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
} from "@azure/msal-node";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { DEMO } from "./support/demo-tenant.mjs";

// The built-in demo tenant (src/idp/demo_tenant.hpp).
const TENANT = DEMO.TenantId;
const GATEWAY_ID = DEMO.GatewayApp;
const GATEWAY_SECRET = DEMO.GatewaySecret;
const MCP_API_ID = DEMO.McpApiApp;
const ALICE = { upn: DEMO.AliceUpn, oid: DEMO.AliceOid };
const DAVE = { upn: DEMO.DaveUpn, oid: DEMO.DaveOid };
const MCP_API_DEFAULT = [`api://${MCP_API_ID}/.default`];
const GATEWAY_SCOPES = [`api://${GATEWAY_ID}/Mcp.Gateway.Access`];
const REDIRECT_URI = "http://localhost:53682/callback";

// Readiness polling: bounded tries at a short interval (never a fixed sleep).
const POLL_INTERVAL_MS = 50;
const PORT_FILE_TRIES = 300; // 15 s
const HEALTH_TRIES = 200; // 10 s

const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const VERBOSE = Boolean(process.env.MCPGATE_E2E_VERBOSE);

// ---------------------------------------------------------------------------------------------
// The identity provider process

let idp; // ChildProcess
let idpOutput = "";
let idpExit = null; // { code, signal } once exited
let workDir;
let port;
let base; // https://localhost:PORT
let authority; // https://localhost:PORT/<tenant>
let discovery; // the openid-configuration document
let jwks; // jose remote key set on discovery.jwks_uri

function idpLog() {
  return `\n--- mcpgate idp output ---\n${idpOutput.trimEnd()}\n--------------------------`;
}

function readPort(file) {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").trim();
  const value = Number.parseInt(text, 10);
  return Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
}

async function stopIdp() {
  if (!idp || idpExit) return;
  const exited = new Promise((resolve) => idp.once("exit", resolve));
  idp.kill("SIGTERM");
  const grace = new AbortController();
  const timeout = delay(5000, "timeout", { signal: grace.signal }).catch(() => "cancelled");
  const result = await Promise.race([exited, timeout]);
  grace.abort(); // do not keep the runner alive for the rest of the grace period
  if (result === "timeout" && !idpExit) {
    idp.kill("SIGKILL");
    await exited;
  }
}

// Last resort if the runner dies without running after(): never leave the server behind.
process.on("exit", () => {
  if (idp && !idpExit) idp.kill("SIGKILL");
});

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  assert.ok(DATA, "MCPGATE_E2E_DATA must name a data directory (run through run-node-test.sh)");
  assert.ok(
    existsSync(join(DATA, "tls", "ca.pem")),
    `${DATA}/tls/ca.pem is missing: run '${BIN} idp init-tls --data-dir ${DATA}' first`,
  );
  assert.ok(
    process.env.NODE_EXTRA_CA_CERTS,
    "NODE_EXTRA_CA_CERTS must point at the development CA when Node starts (run through run-node-test.sh)",
  );

  workDir = mkdtempSync(join(tmpdir(), "mcpgate-e2e-msal-"));
  const portFile = join(workDir, "port");
  idp = spawn(BIN, ["idp", "--tls", "--data-dir", DATA, "--port", "0", "--port-file", portFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  idp.stdout.on("data", (chunk) => (idpOutput += chunk));
  idp.stderr.on("data", (chunk) => (idpOutput += chunk));
  idp.on("exit", (code, signal) => (idpExit = { code, signal }));
  let spawnError;
  idp.on("error", (error) => (spawnError = error));

  for (let i = 0; i < PORT_FILE_TRIES && port === undefined; i++) {
    if (spawnError) throw new Error(`cannot start ${BIN}: ${spawnError.message}`);
    if (idpExit) throw new Error(`mcpgate idp exited early (${JSON.stringify(idpExit)})${idpLog()}`);
    port = readPort(portFile);
    if (port === undefined) await delay(POLL_INTERVAL_MS);
  }
  if (port === undefined) throw new Error(`mcpgate idp wrote no port file ${portFile}${idpLog()}`);

  base = `https://localhost:${port}`;
  let healthy = false;
  let lastProblem = "";
  for (let i = 0; i < HEALTH_TRIES && !healthy; i++) {
    if (idpExit) throw new Error(`mcpgate idp exited early (${JSON.stringify(idpExit)})${idpLog()}`);
    try {
      const response = await fetch(`${base}/healthz`);
      await response.arrayBuffer();
      healthy = response.status === 200;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ""}`;
    }
    if (!healthy) await delay(POLL_INTERVAL_MS);
  }
  if (!healthy) throw new Error(`${base}/healthz never answered 200 (last: ${lastProblem})${idpLog()}`);

  authority = `${base}/${TENANT}`;
  const response = await fetch(`${authority}/v2.0/.well-known/openid-configuration`);
  assert.equal(response.status, 200, "discovery document");
  discovery = await response.json();
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
});

after(async () => {
  await stopIdp();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (VERBOSE) console.error(idpLog());
});

// ---------------------------------------------------------------------------------------------
// Helpers

function msalSystem() {
  return {
    loggerOptions: {
      logLevel: VERBOSE ? LogLevel.Verbose : LogLevel.Error,
      piiLoggingEnabled: false,
      loggerCallback: (_level, message) => {
        if (VERBOSE) console.error(`[msal] ${message}`);
      },
    },
  };
}

function msalAuth(extra = {}) {
  return { clientId: GATEWAY_ID, authority, knownAuthorities: [`localhost:${port}`], ...extra };
}

function gatewayConfidential(secret = GATEWAY_SECRET) {
  return new ConfidentialClientApplication({ auth: msalAuth({ clientSecret: secret }), system: msalSystem() });
}

function gatewayPublic() {
  return new PublicClientApplication({ auth: msalAuth(), system: msalSystem() });
}

async function verify(token, audience) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: discovery.issuer,
    audience,
    algorithms: ["RS256"],
  });
  assert.ok(protectedHeader.kid, "JWT header carries a kid");
  return payload;
}

function describeError(error) {
  if (!error) return "(nothing thrown)";
  const fields = ["name", "errorCode", "errorNo", "subError", "errorMessage", "message", "status", "claims"];
  return fields
    .filter((f) => error[f] !== undefined && error[f] !== "")
    .map((f) => `${f}=${JSON.stringify(error[f])}`)
    .join(" ");
}

async function thrownBy(promise) {
  try {
    const result = await promise;
    assert.fail(`expected an error, MSAL returned a result with scopes ${JSON.stringify(result?.scopes)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    return error;
  }
}

function assertAadsts(error, code) {
  const text = [error.errorCode, error.errorNo, error.errorMessage, error.message].filter(Boolean).join(" ");
  assert.ok(text.includes(code), `expected ${code} in the MSAL error, got: ${describeError(error)}`);
}

// Headless browser: follow the authorization URL MSAL built; auto_login answers with a redirect.
async function authorize(url, state) {
  const response = await fetch(url, { redirect: "manual" });
  const body = await response.text();
  assert.equal(response.status, 302, `authorize should redirect without a page; got ${response.status}: ${body.slice(0, 500)}`);
  const location = response.headers.get("location");
  assert.ok(location, "302 without Location");
  const target = new URL(location);
  assert.equal(`${target.origin}${target.pathname}`, REDIRECT_URI, "redirected to the registered loopback URI");
  const error = target.searchParams.get("error");
  assert.equal(error, null, `authorize returned an error: ${error} ${target.searchParams.get("error_description")}`);
  assert.equal(target.searchParams.get("state"), state, "state echoed unchanged");
  const code = target.searchParams.get("code");
  assert.ok(code, "authorization code in the redirect");
  return { code, state: target.searchParams.get("state") };
}

// Interactive sign-in without a browser: PKCE + login_hint + auto_login, then MSAL redeems the code.
async function signIn(pca, upn) {
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const url = await pca.getAuthCodeUrl({
    scopes: GATEWAY_SCOPES,
    redirectUri: REDIRECT_URI,
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
    loginHint: upn,
    state,
  });
  assert.ok(url.startsWith(discovery.authorization_endpoint), `authorization URL ${url}`);
  const payload = await authorize(url, state);
  return pca.acquireTokenByCode(
    { code: payload.code, scopes: GATEWAY_SCOPES, redirectUri: REDIRECT_URI, codeVerifier: verifier, state },
    payload,
  );
}

// ---------------------------------------------------------------------------------------------
// Tests (sequential: later flows use tokens obtained by earlier ones)

describe("MSAL for Node against mcpgate idp --tls", () => {
  let alice; // acquireTokenByCode result for alice
  let aliceRefreshed;
  let oboResult;

  test("discovery: issuer and endpoints use the host the client used", () => {
    assert.equal(discovery.issuer, `${base}/${TENANT}/v2.0`);
    for (const key of ["authorization_endpoint", "token_endpoint", "jwks_uri"]) {
      assert.ok(discovery[key]?.startsWith(`${base}/`), `${key} = ${discovery[key]}`);
    }
  });

  test("JWKS: every key is an RSA key with kid === x5t, n, e and x5c", async () => {
    const response = await fetch(discovery.jwks_uri);
    assert.equal(response.status, 200);
    const { keys } = await response.json();
    assert.ok(Array.isArray(keys) && keys.length > 0, "at least one published key");
    for (const key of keys) {
      assert.equal(key.kty, "RSA", `kty of ${key.kid}`);
      assert.ok(key.kid, "kid");
      assert.equal(key.kid, key.x5t, "kid === x5t (Entra convention)");
      assert.ok(typeof key.n === "string" && key.n.length > 0, `n of ${key.kid}`);
      assert.ok(typeof key.e === "string" && key.e.length > 0, `e of ${key.kid}`);
      assert.ok(Array.isArray(key.x5c) && key.x5c.length > 0, `x5c of ${key.kid}`);
      for (const cert of key.x5c) assert.ok(typeof cert === "string" && cert.length > 0, "x5c entries are base64 DER");
    }
  });

  test("client credentials: app-only token for the MCP API", async () => {
    const result = await gatewayConfidential().acquireTokenByClientCredential({ scopes: MCP_API_DEFAULT });
    assert.ok(result?.accessToken, "access token");
    const claims = await verify(result.accessToken, MCP_API_ID);
    assert.equal(claims.ver, "2.0");
    assert.equal(claims.tid, TENANT);
    assert.equal(claims.azp, GATEWAY_ID);
    assert.equal(claims.idtyp, "app");
    assert.equal(claims.scp, undefined, "app-only tokens carry no scp");
    assert.ok(decodeProtectedHeader(result.accessToken).kid);
  });

  test("client credentials with a wrong secret fails with AADSTS7000215", async () => {
    const error = await thrownBy(
      gatewayConfidential("not-the-secret").acquireTokenByClientCredential({ scopes: MCP_API_DEFAULT }),
    );
    assertAadsts(error, "AADSTS7000215");
  });

  test("authorization code with PKCE (headless, login_hint + auto_login)", async () => {
    const pca = gatewayPublic();
    const result = await signIn(pca, ALICE.upn);
    assert.ok(result?.accessToken, "access token");

    const claims = await verify(result.accessToken, GATEWAY_ID);
    assert.equal(claims.iss, discovery.issuer);
    assert.equal(claims.aud, GATEWAY_ID);
    assert.equal(claims.scp, "Mcp.Gateway.Access");
    assert.equal(claims.oid, ALICE.oid);
    assert.equal(claims.tid, TENANT);
    assert.equal(claims.ver, "2.0");
    assert.equal(claims.preferred_username, ALICE.upn);
    assert.equal(claims.azp, GATEWAY_ID);

    assert.ok(result.account, "MSAL built an account (needs id_token)");
    assert.equal(result.account.homeAccountId, `${ALICE.oid}.${TENANT}`, "homeAccountId from client_info uid.utid");
    assert.equal(result.account.localAccountId, ALICE.oid);
    assert.equal(result.account.tenantId, TENANT);
    assert.equal(result.account.username, ALICE.upn);
    assert.equal(result.account.environment, `localhost:${port}`);

    assert.ok(result.idToken, "id token");
    const idClaims = await verify(result.idToken, GATEWAY_ID);
    assert.equal(idClaims.oid, ALICE.oid);
    assert.equal(idClaims.tid, TENANT);
    assert.equal(idClaims.preferred_username, ALICE.upn);

    alice = { pca, result };
  });

  test("refresh: acquireTokenSilent with forceRefresh returns a new access token", async () => {
    assert.ok(alice, "needs the authorization code test");
    const accounts = await alice.pca.getTokenCache().getAllAccounts();
    assert.equal(accounts.length, 1, "one cached account");
    const result = await alice.pca.acquireTokenSilent({
      account: alice.result.account,
      scopes: GATEWAY_SCOPES,
      forceRefresh: true,
    });
    assert.ok(result?.accessToken, "access token");
    assert.equal(result.fromCache, false, "came from the token endpoint");
    assert.notEqual(result.accessToken, alice.result.accessToken, "a new access token");
    const claims = await verify(result.accessToken, GATEWAY_ID);
    assert.equal(claims.oid, ALICE.oid);
    assert.equal(claims.scp, "Mcp.Gateway.Access");
    assert.equal(result.account?.homeAccountId, alice.result.account.homeAccountId);
    aliceRefreshed = result;
  });

  test("on-behalf-of: the gateway exchanges alice's token for an MCP API token", async () => {
    assert.ok(alice, "needs the authorization code test");
    const result = await gatewayConfidential().acquireTokenOnBehalfOf({
      oboAssertion: alice.result.accessToken,
      scopes: MCP_API_DEFAULT,
    });
    assert.ok(result?.accessToken, "access token");
    const claims = await verify(result.accessToken, MCP_API_ID);
    assert.equal(claims.aud, MCP_API_ID);
    assert.ok(
      typeof claims.scp === "string" && claims.scp.split(" ").includes("mcp.access"),
      `scp contains mcp.access: ${claims.scp}`,
    );
    assert.equal(claims.oid, ALICE.oid, "OBO keeps the user's oid");
    assert.equal(claims.tid, TENANT);
    assert.equal(claims.azp, GATEWAY_ID);
    assert.equal(claims.ver, "2.0");
    oboResult = result;
  });

  test("on-behalf-of with an assertion for another audience fails with AADSTS500131", async () => {
    assert.ok(oboResult, "needs the on-behalf-of test");
    const error = await thrownBy(
      gatewayConfidential().acquireTokenOnBehalfOf({ oboAssertion: oboResult.accessToken, scopes: MCP_API_DEFAULT }),
    );
    assertAadsts(error, "AADSTS500131");
  });

  test("on-behalf-of for a user under an MFA policy: interaction_required with claims", async () => {
    const dave = await signIn(gatewayPublic(), DAVE.upn);
    assert.ok(dave?.accessToken, "dave signs in to the gateway");
    const daveClaims = await verify(dave.accessToken, GATEWAY_ID);
    assert.equal(daveClaims.oid, DAVE.oid);

    const error = await thrownBy(
      gatewayConfidential().acquireTokenOnBehalfOf({ oboAssertion: dave.accessToken, scopes: MCP_API_DEFAULT }),
    );
    assert.ok(error instanceof InteractionRequiredAuthError, `InteractionRequiredAuthError: ${describeError(error)}`);
    assert.equal(error.errorCode, "interaction_required", describeError(error));
    assert.ok(error.claims, `claims challenge present: ${describeError(error)}`);
    const challenge = JSON.parse(error.claims);
    assert.equal(typeof challenge, "object", "claims is a JSON object");
    assert.ok(challenge.access_token, `claims challenge asks for access_token claims: ${error.claims}`);
  });

  test("the refreshed token is still accepted as an on-behalf-of assertion", async () => {
    assert.ok(aliceRefreshed, "needs the refresh test");
    const result = await gatewayConfidential().acquireTokenOnBehalfOf({
      oboAssertion: aliceRefreshed.accessToken,
      scopes: MCP_API_DEFAULT,
    });
    const claims = await verify(result.accessToken, MCP_API_ID);
    assert.equal(claims.oid, ALICE.oid);
  });
});
