// End-to-end: the unmodified Context7 clients from npm (pinned in package-lock.json) against
// `mcpgate server`'s documentation API:
//   @upstash/context7-mcp  as a stdio MCP server with CONTEXT7_API_URL=<server>/api, driven by the
//                          official MCP SDK client (StdioClientTransport)
//   ctx7                   the CLI, `ctx7 --base-url <server> library|docs …`
// Both authenticate with an API key of a teamspace created through `mcpgate admin`.
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set). The index holds two
// libraries of the demo corpus (corpus/sources, laid out by scripts/fetch-corpus.sh).
//
// Both clients run on the Node running this file (process.execPath), which run-node-test.sh takes
// from node-runtime/: Debian 12's nodejs 18 is too old for them (no release of ctx7 starts on it:
// its spinner's string-width uses the RegExp v flag, and commander 15 declares Node >= 22.12;
// @upstash/context7-mcp needs Node >= 20.18.1 from 3.2.5 on).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

import { startMcpgate } from "./support/mcpgate-process.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const CORPUS = join(REPO_ROOT, "corpus", "sources");

// Two libraries of the demo corpus, as corpus/libraries.yaml describes them: Fastify is asked for
// by its bare ID, Node.js by its pinned version.
const LIBRARIES = [
  {
    folder: "fastify",
    id: "/fastify/fastify",
    version: "v5.12.8",
    title: "Fastify",
    description: "Fast and low overhead web framework, for Node.js",
    trustScore: "9",
    sourceUrl: "https://github.com/fastify/fastify/blob/v5.12.8",
  },
  {
    folder: "nodejs",
    id: "/nodejs/node",
    version: "v18.20.4",
    title: "Node.js",
    description: "Node.js is a JavaScript runtime built on the V8 JavaScript engine.",
    trustScore: "10",
    sourceUrl: "https://github.com/nodejs/node/blob/v18.20.4",
  },
];
const FASTIFY_SOURCE = "Source: https://github.com/fastify/fastify/blob/";
const NODE_SOURCE = "Source: https://github.com/nodejs/node/blob/v18.20.4/";

const TEAMSPACE = "demo";
const API_KEY_NAME = "e2e-context7-clients";
const COMMAND_TIMEOUT_MS = 60_000;
const CTX7_MIN_NODE = [22, 12];

const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const VERBOSE = Boolean(process.env.MCPGATE_E2E_VERBOSE);

let workDir;
let homeDir; // HOME of the clients: ctx7 keeps state there
let serverDataDir;
let server; // McpgateProcess
let apiKey; // ctx7sk-…

// ---------------------------------------------------------------------------------------------
// The clients' entry points and the Node that runs them

function binOf(packageName, binName) {
  const dir = join(HERE, "node_modules", ...packageName.split("/"));
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.[binName];
  assert.ok(bin, `${packageName} declares no '${binName}' bin`);
  return { path: join(dir, bin), version: manifest.version };
}

function atLeast(version, minimum) {
  for (let i = 0; i < minimum.length; i++) {
    if ((version[i] ?? 0) !== minimum[i]) return (version[i] ?? 0) > minimum[i];
  }
  return true;
}

const CONTEXT7_MCP = binOf("@upstash/context7-mcp", "context7-mcp");
const CTX7 = binOf("ctx7", "ctx7");

// Only what the clients need, so that a proxy set in the environment never sees loopback traffic.
function clientEnv(extra) {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: homeDir, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Provisioning through `mcpgate index` and `mcpgate admin`

function mcpgate(...args) {
  return new Promise((resolvePromise, reject) => {
    execFile(BIN, args, { timeout: COMMAND_TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const status = error.killed ? `killed after ${COMMAND_TIMEOUT_MS} ms` : `exit ${error.code ?? error.signal}`;
        reject(new Error(`\`mcpgate ${args.join(" ")}\` failed (${status})\n${`${stdout}${stderr}`.trimEnd()}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}

function checkCorpus() {
  const missing = LIBRARIES.map((l) => join(CORPUS, l.folder)).filter((dir) => !existsSync(dir));
  if (missing.length > 0) {
    throw new Error(
      `the demo corpus is not laid out (missing ${missing.join(", ")}): run scripts/fetch-corpus.sh ` +
        "(scripts/bootstrap.sh runs it)",
    );
  }
}

async function provision() {
  for (const l of LIBRARIES) {
    await mcpgate(
      "index", "--data-dir", serverDataDir, "add", join(CORPUS, l.folder),
      `--id=${l.id}`, `--version=${l.version}`, `--title=${l.title}`, `--description=${l.description}`,
      `--trust-score=${l.trustScore}`, `--source-url=${l.sourceUrl}`,
    );
  }
  await mcpgate("admin", "--data-dir", serverDataDir, "teamspace", "create", TEAMSPACE, "--plan=enterprise");
  const key = await mcpgate("admin", "--data-dir", serverDataDir, "apikey", "create", TEAMSPACE, API_KEY_NAME);
  apiKey = key.match(/\bctx7sk-\S+/)?.[0];
  assert.ok(apiKey, `\`apikey create\` printed no ctx7sk- secret:\n${key}`);
}

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  checkCorpus();
  workDir = mkdtempSync(join(DATA ?? tmpdir(), "mcpgate-e2e-context7-"));
  serverDataDir = join(workDir, "server");
  homeDir = join(workDir, "home");
  mkdirSync(serverDataDir);
  mkdirSync(homeDir);
  await provision();
  server = await startMcpgate(BIN, ["server", "--data-dir", serverDataDir], {
    name: "mcpgate server",
    portFile: join(workDir, "server.port"),
    healthPath: "/api/health",
  });
});

after(async () => {
  await server?.stop();
  if (VERBOSE) console.error(server?.log() ?? "");
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// @upstash/context7-mcp over stdio, driven by the MCP SDK client

// Connects a client to a fresh context7-mcp process; `use(client)` runs before it is closed.
async function withContext7Mcp(key, use) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CONTEXT7_MCP.path],
    // Its OpenTelemetry runtime would otherwise start an embedded Prometheus listener; the test
    // keeps every socket on loopback and every byte within the machine.
    env: clientEnv({ CONTEXT7_API_URL: `${server.base}/api`, CONTEXT7_API_KEY: key, OTEL_SDK_DISABLED: "true" }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "mcpgate-e2e", version: "0.0.0" });
  try {
    await client.connect(transport);
    return await use(client);
  } catch (error) {
    error.message += `\n--- context7-mcp stderr ---\n${stderr.trimEnd()}`;
    throw error;
  } finally {
    await client.close();
  }
}

async function callText(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const texts = (result.content ?? []).filter((c) => c.type === "text");
  assert.equal(texts.length, 1, `${name} returns one text item: ${JSON.stringify(result).slice(0, 1000)}`);
  return texts[0].text;
}

describe(`@upstash/context7-mcp ${CONTEXT7_MCP.version} (stdio) against mcpgate server`, () => {
  test("tools/list, resolve-library-id, query-docs (latest, pinned, unknown)", async () => {
    await withContext7Mcp(apiKey, async (client) => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      assert.ok(names.includes("resolve-library-id"), `tools/list has resolve-library-id: ${names}`);
      assert.ok(names.includes("query-docs"), `tools/list has query-docs: ${names}`);

      const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "hooks" });
      assert.match(resolved, /^Available Libraries:/, resolved);
      assert.ok(resolved.includes("Context7-compatible library ID: /fastify/fastify"), resolved);
      assert.ok(resolved.includes("- Title: Fastify"), resolved);
      assert.ok(resolved.includes("Source Reputation: High"), `trust score 9 reads as High: ${resolved}`);
      assert.ok(resolved.includes("Versions: v5.12.8"), resolved);

      const docs = await callText(client, "query-docs", { libraryId: "/fastify/fastify", query: "register a plugin" });
      assert.ok(docs.includes(FASTIFY_SOURCE), `query-docs answers with our snippets: ${docs.slice(0, 1000)}`);
      assert.ok(docs.includes("```"), `a code fence among the snippets: ${docs.slice(0, 1000)}`);
      assert.ok(docs.includes("\n--------------------------------\n"), "snippets separated by 32 dashes");

      for (const id of ["/nodejs/node/v18.20.4", "/nodejs/node@v18.20.4"]) {
        const pinned = await callText(client, "query-docs", { libraryId: id, query: "read a file with fs.promises" });
        assert.ok(pinned.includes(NODE_SOURCE), `${id}: snippets of that version: ${pinned.slice(0, 1000)}`);
        assert.ok(pinned.includes("```"), `${id}: a code fence: ${pinned.slice(0, 1000)}`);
      }

      // The client shows the `message` of our error body verbatim.
      const unknown = await callText(client, "query-docs", { libraryId: "/nosuch/library", query: "hooks" });
      assert.match(unknown, /\/nosuch\/library was not found/, unknown);
      assert.ok(!unknown.includes("Source: "), unknown);

      const badTag = await callText(client, "query-docs", { libraryId: "/nodejs/node/v99.0.0", query: "fs" });
      assert.match(badTag, /v99\.0\.0/, badTag);
      assert.match(badTag, /v18\.20\.4/, `an unknown tag lists the indexed ones: ${badTag}`);

      const none = await callText(client, "resolve-library-id", { libraryName: "zzqx-no-such-library", query: "x" });
      assert.equal(none, "No libraries found matching the provided name.");
    });
  });

  test("an API key the server does not know: the tools answer with the refusal", async () => {
    await withContext7Mcp("ctx7sk-not-a-key-of-this-server", async (client) => {
      const resolved = await callText(client, "resolve-library-id", { libraryName: "fastify", query: "hooks" });
      assert.match(resolved, /invalid api key/i, resolved);
      const docs = await callText(client, "query-docs", { libraryId: "/fastify/fastify", query: "hooks" });
      assert.match(docs, /invalid api key/i, docs);
      assert.ok(!docs.includes("Source: "), docs);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// ctx7

function ctx7(args, { key = apiKey } = {}) {
  const argv = [CTX7.path, "--base-url", server.base, ...args];
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      argv,
      {
        timeout: COMMAND_TIMEOUT_MS,
        encoding: "utf8",
        env: clientEnv({ CONTEXT7_API_KEY: key, CTX7_TELEMETRY_DISABLED: "1", NO_COLOR: "1" }),
      },
      (error, stdout, stderr) => {
        const code = error ? (error.killed ? `killed after ${COMMAND_TIMEOUT_MS} ms` : error.code ?? error.signal) : 0;
        resolvePromise({ code, stdout, stderr, shown: `ctx7 ${args.join(" ")} (exit ${code})\n${stdout}${stderr}` });
      },
    );
    child.stdin?.end();
  });
}

describe(`ctx7 ${CTX7.version} against mcpgate server`, () => {
  // A failure, not a skip: an older Node here means the runner did not pick the pinned one.
  before(() => {
    const version = process.versions.node.split(".").map(Number);
    assert.ok(
      atLeast(version, CTX7_MIN_NODE),
      `ctx7 needs Node >= ${CTX7_MIN_NODE.join(".")}; this is Node ${process.versions.node} (${process.execPath}): ` +
        "run through run-node-test.sh, after scripts/bootstrap.sh has installed tests/e2e/node-runtime",
    );
  });

  test("library fastify hooks: our library ID", async () => {
    const run = await ctx7(["library", "fastify", "hooks"]);
    assert.equal(run.code, 0, run.shown);
    assert.match(run.stdout, /Context7-compatible library ID: \/fastify\/fastify\b/, run.shown);
    assert.match(run.stdout, /Title: Fastify/, run.shown);
  });

  test("library fastify --json: our search result", async () => {
    const run = await ctx7(["library", "fastify", "hooks", "--json"]);
    assert.equal(run.code, 0, run.shown);
    const results = JSON.parse(run.stdout);
    assert.equal(results[0]?.id, "/fastify/fastify", run.shown);
    assert.deepEqual(results[0]?.versions, ["v5.12.8"], run.shown);
  });

  test("docs /fastify/fastify: our snippets", async () => {
    const run = await ctx7(["docs", "/fastify/fastify", "register a plugin"]);
    assert.equal(run.code, 0, run.shown);
    assert.ok(run.stdout.includes(FASTIFY_SOURCE), run.shown);
    assert.ok(run.stdout.includes("```"), run.shown);
  });

  test("docs /nodejs/node/v18.20.4: the pinned version's snippets", async () => {
    const run = await ctx7(["docs", "/nodejs/node/v18.20.4", "read a file with fs.promises"]);
    assert.equal(run.code, 0, run.shown);
    assert.ok(run.stdout.includes(NODE_SOURCE), run.shown);
  });

  test("docs for an unknown library: our message, non-zero exit", async () => {
    const run = await ctx7(["docs", "/nosuch/library", "hooks"]);
    assert.notEqual(run.code, 0, run.shown);
    assert.match(`${run.stdout}${run.stderr}`, /\/nosuch\/library was not found/, run.shown);
  });

  test("an API key the server does not know: refused, non-zero exit", async () => {
    const run = await ctx7(["docs", "/fastify/fastify", "hooks"], { key: "ctx7sk-not-a-key-of-this-server" });
    assert.notEqual(run.code, 0, run.shown);
    assert.match(`${run.stdout}${run.stderr}`, /invalid api key/i, run.shown);
    assert.ok(!run.stdout.includes("Source: "), run.shown);
  });
});
