// End-to-end: the MCP TypeScript SDK 2.x (`@modelcontextprotocol/client` 2.4.0, pinned; the SDK
// of protocol revision 2026-07-28) against `mcpgate dev`:
//   - straight to the MCP server with an API key, negotiating the revision with `server/discover`
//     (versionNegotiation auto) and, as 2.4.0 does by default, with the 2025 `initialize`;
//   - through the gateway, signing in with its own OAuth flow, on the stateless revision.
// The documentation tools answer the same whichever revision carries them.
//
// Run through run-node-test.sh (MCPGATE_BIN and MCPGATE_E2E_DATA set). Needs the demo corpus.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:https";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";

import { startDevStack } from "./support/dev-stack.mjs";
import { followSignIn } from "./support/headless-browser.mjs";
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

// An access token for the gateway straight from the development IdP (code flow with PKCE, as the
// gateway app, a public client there), for tests that need a token the gateway did not hand out.
async function expiredTokenOf(upn) {
  const verifier = randomBytes(32).toString("base64url");
  const redirect = "http://127.0.0.1:33418/callback";
  const url = new URL(`${stack.authority}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: stack.gateway_app, response_type: "code", redirect_uri: redirect, state: "s",
    scope: `api://${stack.gateway_app}/Mcp.Gateway.Access`,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"), code_challenge_method: "S256",
  }).toString();
  const back = await followSignIn(url.href, { loginHint: upn });
  const answer = await fetch(`${stack.authority}/oauth2/v2.0/token`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: stack.gateway_app, redirect_uri: redirect,
                                code: back.searchParams.get("code"), code_verifier: verifier }).toString(),
  }).then((r) => r.json());
  assert.ok(answer.access_token, JSON.stringify(answer));
  return answer.access_token;
}

// Signs `upn` in through the gateway with the SDK's own OAuth and connects on 2026-07-28.
async function signedIn(upn, recorder = recordingFetch(), provider = new HeadlessOAuthProvider({ loginHint: upn })) {
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

  // The client is named by the https URL of its metadata document (CIMD), served here on loopback
  // with mcpgate dev's development certificate. The gateway fetches it, asks alice's consent on its
  // own page, and redirects with its own code and `iss`, which the SDK checks. Later the token the
  // client holds has expired: the gateway refuses it and the SDK refreshes through the gateway,
  // without a second sign-in.
  test("a client ID metadata document, the consent page, iss, and a refresh when the token has expired", async () => {
    const hits = [];
    let documentUrl;
    const server = createServer({ cert: readFileSync(stack.dev_certificate), key: readFileSync(stack.dev_private_key) },
                                (req, res) => {
                                  hits.push(req.url);
                                  if (req.url !== "/oauth/client.json") return res.writeHead(404).end();
                                  res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
                                  res.end(JSON.stringify({
                                    client_id: documentUrl, client_name: "mcpgate e2e CIMD client",
                                    redirect_uris: ["http://127.0.0.1:33418/callback"], grant_types: ["authorization_code", "refresh_token"],
                                    response_types: ["code"], token_endpoint_auth_method: "none",
                                  }));
                                });
    await new Promise((done) => server.listen(0, "127.0.0.1", done));
    documentUrl = `https://localhost:${server.address().port}/oauth/client.json`;
    try {
      const provider = new HeadlessOAuthProvider({ loginHint: "alice@contoso.dev", clientMetadataUrl: documentUrl });
      const recorder = recordingFetch();
      const { client } = await signedIn("alice@contoso.dev", recorder, provider);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28", "server/discover through the gateway");
        await useTheTools(client);
      } finally {
        await client.close();
      }
      const flow = steps(recorder.log);
      assert.ok(!flow.some((s) => s.includes("/register")), `no registration: the URL is the client ID\n${flow.join("\n")}`);
      assert.equal(provider.authorizationUrls[0].searchParams.get("client_id"), documentUrl);
      assert.ok(hits.includes("/oauth/client.json"), "the gateway fetched the document");
      const consent = provider.pages.find((p) => /to use MCP servers as you\?/.test(p.html));
      assert.ok(consent, "alice saw the gateway's consent page");
      assert.match(consent.html, /mcpgate e2e CIMD client/);
      assert.match(consent.html, new RegExp(`Published by</dt><dd>localhost:${server.address().port}`));
      assert.equal(provider.redirects[0].searchParams.get("iss"), stack.gateway, "iss (RFC 9207), checked by the SDK");

      // An hour later: the access token the client holds has expired. It is swapped for one that
      // did, minted by the IdP straight after /_dev/expire-next-token (the gateway itself never
      // hands out a token its routes would refuse); the refresh token stays the client's own.
      const expire = await fetch(`${stack.idp}/_dev/expire-next-token`, {
        method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "upn=alice@contoso.dev",
      });
      assert.equal(expire.status, 200);
      const stale = await expiredTokenOf("alice@contoso.dev");
      const { exp } = JSON.parse(Buffer.from(stale.split(".")[1], "base64url").toString());
      assert.ok(exp * 1000 < Date.now() - 30 * 60_000, "the token now held expired half an hour ago or more");
      provider.saveTokens({ ...provider.savedTokens, access_token: stale });

      const later = recordingFetch();
      const again = new Client({ name: "mcpgate-e2e-2x", version: "0" }, { versionNegotiation: { mode: "auto" } });
      await again.connect(new StreamableHTTPClientTransport(new URL(stack.mcp_url), { authProvider: provider, fetch: later.fetch }));
      try {
        await useTheTools(again);
      } finally {
        await again.close();
      }
      const afterwards = steps(later.log);
      const refusedAt = later.log.findIndex((e) => e.withToken && e.status === 401 && /expired/.test(e.wwwAuthenticate ?? ""));
      assert.ok(refusedAt >= 0, `the expired token was refused:\n${afterwards.join("\n")}`);
      const refreshed = later.log.findIndex((e, i) => i > refusedAt && e.method === "POST" && e.url.pathname === "/token" && e.status === 200);
      assert.ok(refreshed > refusedAt, `then refreshed at the gateway:\n${afterwards.join("\n")}`);
      assert.ok(later.log.slice(refreshed).some((e) => e.url.href === stack.mcp_url && e.withToken && e.status === 200),
                `and the refreshed token works:\n${afterwards.join("\n")}`);
      assert.equal(provider.authorizationUrls.length, 1, "one sign-in, no second trip through the browser");
    } finally {
      server.close();
    }
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
