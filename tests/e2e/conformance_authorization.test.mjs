// The MCP conformance suite's `authorization` mode (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// pinned as conformance-alpha) against the gateway of `mcpgate dev`, the authorization server MCP
// clients see. The suite prints an authorization URL and waits on its own loopback callback; the
// headless browser plays the person (signs alice in at the development IdP, allows the client on
// the gateway's consent page) and delivers the redirect to it.
//
// Scenarios: authorization-server-metadata-endpoint (RFC 8414 metadata, issuer, S256, CIMD) and
// authorization-code-grant (code + PKCE, state, RFC 9207 iss, the token response and its
// Cache-Control). Every check must pass: a WARNING counts as a failure here.
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set). Needs the demo corpus.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { freePort, startDevStack } from "./support/dev-stack.mjs";
import { followSignIn } from "./support/headless-browser.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = join(resolve(HERE, "../.."), "corpus", "sources");
const SUITE = join(HERE, "node_modules/@modelcontextprotocol/conformance-alpha");
const SUITE_VERSION = JSON.parse(readFileSync(join(SUITE, "package.json"), "utf8")).version;
const SUITE_BUDGET_MS = 120_000;

let running;
let stack;
let results;

before(async () => {
  assert.ok(process.env.MCPGATE_BIN, "MCPGATE_BIN must name the mcpgate binary");
  running = await startDevStack({ bin: process.env.MCPGATE_BIN, dataRoot: process.env.MCPGATE_E2E_DATA, name: "conformance-as", corpus: CORPUS });
  stack = running.stack;
  results = mkdtempSync(join(process.env.MCPGATE_E2E_DATA ?? tmpdir(), "conformance-authorization-"));
});

after(async () => {
  await running?.stop();
  if (results) rmSync(results, { recursive: true, force: true });
});

// Runs the suite; answers the sign-in it asks for as alice would. Resolves with its output.
function runSuite(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(SUITE, "dist/index.js"), "authorization", ...args],
                        { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let signIn;
    const timer = setTimeout(() => child.kill("SIGKILL"), SUITE_BUDGET_MS);
    const onData = (chunk) => {
      output += chunk;
      const url = output.match(new RegExp(`^(${stack.gateway.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/authorize\\?\\S+)$`, "m"))?.[1];
      if (url && !signIn) {
        signIn = followSignIn(url, { loginHint: "alice@contoso.dev" })
          .then((redirect) => fetch(redirect).then((r) => r.text()))
          .catch((error) => {
            output += `\nheadless browser: ${error.message}\n`;
            child.kill("SIGTERM");
          });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", fail);
    child.on("close", async (code, signal) => {
      clearTimeout(timer);
      await signIn;
      done({ code, signal, output });
    });
  });
}

function checksUnder(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...checksUnder(path));
    else if (name === "checks.json") found.push(...JSON.parse(readFileSync(path, "utf8")));
  }
  return found;
}

describe(`MCP conformance suite ${SUITE_VERSION}, authorization mode, against the gateway of mcpgate dev`, () => {
  test("the gateway passes every authorization-server check", async () => {
    const port = await freePort();
    const registration = await fetch(`${stack.gateway}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "MCP conformance suite", redirect_uris: [`http://127.0.0.1:${port}/callback`],
                             grant_types: ["authorization_code", "refresh_token"], token_endpoint_auth_method: "none" }),
    });
    assert.equal(registration.status, 201);
    const { client_id: clientId } = await registration.json();

    const run = await runSuite(["--url", stack.gateway, "--client-id", clientId, "--port", String(port),
                                "--resource", stack.mcp_url, "--output-dir", results]);
    assert.ok(existsSync(results), run.output);
    const checks = checksUnder(results);
    const scenarios = new Set(checks.map((c) => c.id));
    assert.ok(scenarios.has("authorization-server-metadata") && scenarios.has("authorization-code-grant"),
              `both scenarios ran (${[...scenarios].join(", ")}):\n${run.output}`);
    for (const c of checks) console.log(`${c.status.padEnd(8)} ${c.id}: ${c.description}`);
    const notPassed = checks.filter((c) => c.status !== "SUCCESS");
    assert.deepEqual(notPassed.map((c) => `${c.id}: ${c.status} ${c.errorMessage ?? ""}`), [], run.output);
    assert.equal(run.code, 0, run.output);
  });
});
