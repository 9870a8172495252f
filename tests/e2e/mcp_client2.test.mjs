// End-to-end: the MCP TypeScript SDK 2.x (`@modelcontextprotocol/client` 2.4.0, pinned; the SDK
// of protocol revision 2026-07-28) against `mcpgate dev`:
//   - straight to the MCP server with an API key, negotiating the revision with `server/discover`
//     (versionNegotiation auto) and, as 2.4.0 does by default, with the 2025 `initialize`;
//   - through the gateway, signing in with its own OAuth flow, on the stateless revision.
// The documentation tools answer the same whichever revision carries them.
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set). Needs the demo corpus.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";

import { startDevStack } from "./support/dev-stack.mjs";
import { HeadlessOAuthProvider, recordingFetch, steps } from "./support/mcp-oauth-client.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = join(resolve(HERE, "../.."), "corpus", "sources");
const BIN = process.env.MCPGATE_BIN;
const DATA = process.env.MCPGATE_E2E_DATA;
const SDK_VERSION = JSON.parse(readFileSync(join(HERE, "node_modules/@modelcontextprotocol/client/package.json"), "utf8")).version;

let running; // startDevStack()
let stack;
let apiKey;

function admin(...words) {
  return new Promise((resolvePromise, reject) =>
    execFile(BIN, ["admin", "--data-dir", join(stack.data_dir, "server"), ...words], { encoding: "utf8", timeout: 30_000 },
             (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}${stderr}`)) : resolvePromise(stdout))));
}

before(async () => {
  assert.ok(BIN, "MCPGATE_BIN must name the mcpgate binary");
  assert.ok(existsSync(join(CORPUS, "libraries.yaml")), `the demo corpus is not in ${CORPUS}: run scripts/fetch-corpus.sh`);
  running = await startDevStack({ bin: BIN, dataRoot: DATA, name: "client2", corpus: CORPUS });
  stack = running.stack;
  apiKey = (await admin("apikey", "create", "contoso", "sdk2")).match(/secret: (\S+)/)[1];
});

after(async () => {
  await running?.stop();
});

function text(result) {
  const texts = (result.content ?? []).filter((c) => c.type === "text");
  assert.equal(texts.length, 1, JSON.stringify(result).slice(0, 500));
  assert.ok(!result.isError, texts[0].text.slice(0, 500));
  return texts[0].text;
}

async function useTheTools(client) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes("resolve-library-id") && names.includes("query-docs"), `tools/list: ${names}`);
  const resolved = text(await client.callTool({ name: "resolve-library-id", arguments: { libraryName: "fastify", query: "plugins" } }));
  assert.match(resolved, /\/fastify\/fastify/);
  const docs = text(await client.callTool({ name: "query-docs", arguments: { libraryId: "/fastify/fastify", query: "register a plugin" } }));
  assert.match(docs, /Source: https:\/\/github\.com\/fastify\/fastify\/blob\//);
  return { names, resolved, docs };
}

// Signs `upn` in through the gateway with the SDK's own OAuth and connects on 2026-07-28.
async function signedIn(upn, recorder = recordingFetch()) {
  const provider = new HeadlessOAuthProvider({ loginHint: upn });
  const url = new URL(stack.mcp_url);
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch });
  const firstClient = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
  await assert.rejects(firstClient.connect(first), UnauthorizedError, "the first connection asks for a sign-in");
  await firstClient.close();
  // The whole redirect, so the SDK checks its `iss` (RFC 9207) against the server's metadata.
  await first.finishAuth(provider.params);
  const client = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch }));
  return { client, provider, recorder };
}

describe(`@modelcontextprotocol/client ${SDK_VERSION} against mcpgate dev`, () => {
  test("straight to the server: server/discover negotiates 2026-07-28, statelessly, and the tools answer", async () => {
    const recorder = recordingFetch();
    const client = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
    const transport = new StreamableHTTPClientTransport(new URL(`${stack.server}/mcp`), {
      requestInit: { headers: { "X-API-Key": apiKey } },
      fetch: recorder.fetch,
    });
    await client.connect(transport);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const modern = await useTheTools(client);

      const legacy = new Client({ name: "mcpgate-e2e-2x", version: "0" });
      await legacy.connect(new StreamableHTTPClientTransport(new URL(`${stack.server}/mcp`), { requestInit: { headers: { "X-API-Key": apiKey } } }));
      assert.equal(legacy.getNegotiatedProtocolVersion(), "2025-11-25", "2.4.0's default is the 2025 handshake");
      const old = await useTheTools(legacy);
      await legacy.close();
      assert.deepEqual(old.names, modern.names, "the same tools, in the same order");
      assert.equal(old.resolved, modern.resolved, "the same answers under either revision");
      assert.equal(old.docs, modern.docs);
    } finally {
      await client.close();
    }
    const posts = recorder.log.filter((e) => e.method === "POST");
    assert.ok(posts.length >= 4, steps(recorder.log).join("\n"));
    assert.ok(recorder.log.every((e) => e.status === 200), `every exchange answered 200:\n${steps(recorder.log).join("\n")}`);
  });

  test("through the gateway: its own OAuth sign-in, then the stateless revision end to end", async () => {
    const { client, provider, recorder } = await signedIn("alice@contoso.dev");
    try {
      assert.ok(provider.savedTokens?.refresh_token, "with a refresh token (offline_access, asked by the gateway)");
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const { names } = await useTheTools(client);
      assert.ok(names.includes("get-library-docs"), "alice is a Platform engineer: the rule admits her");
    } finally {
      await client.close();
    }
    const forwarded = recorder.log.filter((e) => e.url.href === stack.mcp_url && e.withToken);
    assert.ok(forwarded.length >= 4 && forwarded.every((e) => e.status === 200), steps(recorder.log).join("\n"));
  });

  // Dave's tenant demands MFA: the On-Behalf-Of exchange answers interaction_required and the
  // gateway passes Entra's claims challenge on. The SDK cannot satisfy it by itself; it must stop
  // with an error instead of signing in again and again.
  test("the step-up case: dave's connection ends with the gateway's claims challenge, not a sign-in loop", async () => {
    const recorder = recordingFetch();
    const provider = new HeadlessOAuthProvider({ loginHint: "dave@contoso.dev" });
    const url = new URL(stack.mcp_url);
    const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch });
    const firstClient = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
    await assert.rejects(firstClient.connect(first), UnauthorizedError);
    await firstClient.close();
    await first.finishAuth(provider.params);
    const signedInAt = recorder.log.length;
    const client = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
    const error = await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch }))
      .then(() => undefined, (e) => e);
    await client.close();
    assert.ok(error, "no way through without the step-up");
    const after = recorder.log.slice(signedInAt);
    const challenged = after.find((e) => e.status === 401 && /insufficient_claims/.test(e.wwwAuthenticate ?? ""));
    assert.ok(challenged, `the gateway's claims challenge:\n${steps(after).join("\n")}`);
    assert.match(challenged.wwwAuthenticate, /claims="[A-Za-z0-9+/=]+"/);
    assert.ok(after.filter((e) => /\/authorize$/.test(e.url.pathname)).length <= 1, `no sign-in loop:\n${steps(after).join("\n")}`);
  });

  // mcpgate dev's gateway keeps the deprecated alias get-library-docs for Platform engineers.
  test("a per-tool rule: bob (not a Platform engineer) neither sees nor calls get-library-docs", async () => {
    const { client } = await signedIn("bob@contoso.dev");
    try {
      const { names } = await useTheTools(client);
      assert.ok(!names.includes("get-library-docs"), `hidden from bob: ${names}`);
      const refused = await client
        .callTool({ name: "get-library-docs", arguments: { context7CompatibleLibraryID: "/fastify/fastify" } })
        .then((r) => r, (e) => e);
      const text = refused instanceof Error ? refused.message : JSON.stringify(refused);
      assert.match(text, /get-library-docs needs membership of group/, text);
    } finally {
      await client.close();
    }
  });
});
