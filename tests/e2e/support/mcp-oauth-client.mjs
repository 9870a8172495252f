// The MCP TypeScript SDK as an MCP host uses it against the gateway: OAuth without a person
// (the headless browser follows the sign-in), a recording fetch, and tool calls that must succeed.
// Shared by the end-to-end tests that sign in through `mcpgate dev`.
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { CookieJar, codeFrom, followSignIn } from "./headless-browser.mjs";

// Records every request a client makes (MCP and OAuth alike): the transport's `fetch` option is
// also the one its OAuth calls go through. Bodies of failures are kept: the SDK reads them too.
export function recordingFetch() {
  const log = [];
  const fetchFn = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init.method ?? (input instanceof Request ? input.method : "GET");
    const response = await fetch(input, init);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const entry = {
      method, url, status: response.status, withToken: headers.has("authorization"),
      wwwAuthenticate: response.headers.get("www-authenticate"),
    };
    if (!response.ok) entry.body = response.clone().text();
    log.push(entry);
    return response;
  };
  return { fetch: fetchFn, log };
}

export function steps(log) {
  return log.map((e) => `${e.method} ${e.url.pathname} ${e.status}`);
}


// The OAuth client of an MCP host that cannot show a browser: the authorization URL the SDK hands
// over is followed by the headless browser, and the code waits for finishAuth().
// clientMetadataUrl: the client ID is this URL of its metadata document (CIMD) when the server
// supports that. jar: the browser's cookies (one browser across several sign-ins); consent:
// what the person answers on the gateway's consent page; pages: every page the browser showed.
export class HeadlessOAuthProvider {
  constructor({ loginHint, clientId, clientMetadataUrl, jar = new CookieJar(), consent = "allow", redirect } = {}) {
    this.loginHint = loginHint;
    this.clientMetadataUrl = clientMetadataUrl;
    this.jar = jar;
    this.consent = consent;
    this.pages = [];
    this.preconfigured = clientId ? { client_id: clientId } : undefined;
    this.registered = undefined;
    this.savedTokens = undefined;
    this.verifier = undefined;
    this.expectedState = undefined;
    this.authorizationUrls = [];
    this.redirects = [];
    this.code = undefined;
    // Never listened on: the code is read from the redirect, as a native app reads its own URI.
    this.redirect = redirect ?? "http://127.0.0.1:33418/callback";
    if (!clientId) {
      // Only a provider that can store a registration makes the SDK register.
      this.saveClientInformation = (info) => {
        this.registered = info;
      };
    }
  }

  get redirectUrl() {
    return this.redirect;
  }

  get clientMetadata() {
    return {
      client_name: "mcpgate e2e (MCP TypeScript SDK)",
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state() {
    this.expectedState = randomBytes(16).toString("base64url");
    return this.expectedState;
  }

  clientInformation() {
    return this.registered ?? this.preconfigured;
  }

  tokens() {
    return this.savedTokens;
  }

  saveTokens(tokens) {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }

  codeVerifier() {
    return this.verifier;
  }

  // SEP-2352: which authorization server this sign-in began with, checked on the callback leg.
  saveDiscoveryState(state) {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery;
  }

  async redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
    const redirect = await followSignIn(url, { loginHint: this.loginHint, jar: this.jar, consent: this.consent, pages: this.pages });
    this.redirects.push(redirect);
    assert.equal(redirect.searchParams.get("state"), this.expectedState, `the redirect echoes state: ${redirect}`);
    this.params = redirect.searchParams;
    this.code = redirect.searchParams.get("error") ? undefined : codeFrom(redirect);
  }
}

// The host's first connection to `mcpUrl` fails with UnauthorizedError after the sign-in; finishAuth redeems
// the code; a second connection carries the token. Returns the connected client.
export async function signInAndConnect(mcpUrl, provider, recorder) {
  const url = new URL(mcpUrl);
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch });
  const firstClient = new Client({ name: "mcpgate-e2e", version: "0.0.0" });
  await assert.rejects(firstClient.connect(first), UnauthorizedError, "the first connection asks for a sign-in");
  await firstClient.close();
  assert.ok(provider.code, `the sign-in produced a code:\n${steps(recorder.log).join("\n")}`);
  await first.finishAuth(provider.code);
  assert.ok(provider.savedTokens?.access_token, "finishAuth stored an access token");

  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recorder.fetch });
  const client = new Client({ name: "mcpgate-e2e", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

export async function callText(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const texts = (result.content ?? []).filter((c) => c.type === "text");
  assert.equal(texts.length, 1, `${name} returns one text item: ${JSON.stringify(result).slice(0, 1000)}`);
  assert.ok(!result.isError, `${name} succeeded: ${texts[0].text.slice(0, 1000)}`);
  return texts[0].text;
}
