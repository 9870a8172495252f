// End-to-end: the README's first command exactly as a user types it, `bash scripts/dev.sh`, with
// only a throw-away data folder and free ports added through its arguments. It must install what
// it needs, build, start the demo and say so; the official MCP SDK client then signs in through
// the printed MCP URL and calls both documentation tools; Ctrl-C (SIGINT to the foreground
// process group, as a terminal sends it) must stop everything.
//
// Nothing here reaches into the stack: the URL comes from what the command prints, the sign-in
// from the gateway's own OAuth surface. (`scripts/test.sh`, the README's second command, is what
// runs this file: CI thereby proves both.)
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, test } from "node:test";

import { DEMO } from "./support/demo-tenant.mjs";
import { callText, HeadlessOAuthProvider, recordingFetch, signInAndConnect, steps } from "./support/mcp-oauth-client.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const DATA = process.env.MCPGATE_E2E_DATA;

// The script installs (idempotently: everything is present by now), builds (nothing to do after
// scripts/test.sh built) and indexes the demo corpus on first start. Minutes are the bound, not
// the expectation.
const START_BUDGET_MS = 600_000;
const STOP_BUDGET_MS = 20_000;
const POLL_INTERVAL_MS = 100;

let workDir;
let script; // the bash process; `exec` makes it mcpgate dev once the build is done
let output = "";
let exited = null;

function log() {
  return `\n--- bash scripts/dev.sh output ---\n${output.trimEnd()}\n---`;
}

async function until(what, budgetMs, probe) {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (exited) throw new Error(`bash scripts/dev.sh exited (${JSON.stringify(exited)}) while waiting for ${what}${log()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log()}`);
    await delay(POLL_INTERVAL_MS);
  }
}

function portOf(url) {
  return Number(new URL(url).port);
}

function accepts(port) {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once("error", () => resolvePromise(false));
  });
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if (error.code === "ESRCH") return false;
    throw error;
  }
}

after(() => {
  // Only if an assertion failed half-way: nothing of the group may outlive the test.
  if (script && groupAlive(script.pid)) process.kill(-script.pid, "SIGKILL");
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("README: `bash scripts/dev.sh` starts the demo, serves both documentation tools, and Ctrl-C stops it", async () => {
  workDir = mkdtempSync(join(DATA ?? tmpdir(), "mcpgate-e2e-readme-"));
  const data = join(workDir, "dev");
  const portFile = join(workDir, "gateway.port");
  script = spawn("bash", ["scripts/dev.sh", "--data-dir", data, "--port", "0", "--server-port", "0",
                          "--idp-port", "0", "--port-file", portFile],
                 // Its own process group, as a shell's foreground job has: Ctrl-C reaches all of it.
                 { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  script.stdout.on("data", (chunk) => (output += chunk));
  script.stderr.on("data", (chunk) => (output += chunk));
  const done = new Promise((resolvePromise) => script.once("exit", (code, signal) => {
    exited = { code, signal };
    resolvePromise(exited);
  }));

  // What the user reads: the banner, then the MCP URL to paste into the editor.
  const mcpUrl = await until("'mcpgate dev is running' and the MCP URL", START_BUDGET_MS,
                             () => output.includes("mcpgate dev is running")
                               ? output.match(/^MCP URL\s+(\S+)$/m)?.[1] : undefined);
  assert.match(mcpUrl, /^http:\/\/localhost:\d+\/context7\/mcp$/, log());
  await until("the gateway's port file", 30_000, () => existsSync(portFile) ? true : undefined);
  assert.equal(portOf(mcpUrl), Number(readFileSync(portFile, "utf8").trim()), "the printed URL is the gateway's port");
  const stack = JSON.parse(readFileSync(join(data, "stack.json"), "utf8"));
  await until("the gateway to be ready", 30_000, async () => {
    const r = await fetch(new URL("/readyz", mcpUrl), { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    await r?.arrayBuffer();
    return r?.status === 200 ? true : undefined;
  });

  // A developer's editor: sign in as alice through the gateway's OAuth surface, then the tools.
  const recorder = recordingFetch();
  const provider = new HeadlessOAuthProvider({ loginHint: DEMO.AliceUpn });
  const client = await signInAndConnect(mcpUrl, provider, recorder);
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes("resolve-library-id") && names.includes("query-docs"), `tools/list: ${names}`);
    const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "plugins" });
    assert.ok(resolved.includes("Context7-compatible library ID: /fastify/fastify"), resolved.slice(0, 800));
    const docs = await callText(client, "query-docs", { libraryId: "/fastify/fastify",
                                                       query: "How do I register a plugin under a prefix?" });
    assert.ok(docs.includes("Source: https://github.com/fastify/fastify/blob/"), docs.slice(0, 800));
    assert.match(docs, /prefix/i, "the answer is about the question");
  } finally {
    await client.close();
  }
  assert.ok(steps(recorder.log).some((s) => /^POST \/token 200$/.test(s)), steps(recorder.log).join("\n"));

  // Ctrl-C.
  process.kill(-script.pid, "SIGINT");
  const timer = delay(STOP_BUDGET_MS, "timeout");
  const result = await Promise.race([done, timer]);
  assert.notEqual(result, "timeout", `mcpgate dev did not stop within ${STOP_BUDGET_MS} ms of Ctrl-C${log()}`);
  assert.deepEqual(result, { code: 0, signal: null }, `a clean exit after Ctrl-C${log()}`);
  assert.ok(!groupAlive(script.pid), "no process of the command is left running");
  for (const [name, url] of [["gateway", stack.gateway], ["MCP server", stack.server], ["identity provider", stack.idp]])
    assert.equal(await accepts(portOf(url)), false, `the ${name} no longer listens on ${url}`);
});
