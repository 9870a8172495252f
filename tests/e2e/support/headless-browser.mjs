// The browser of an OAuth sign-in, without a browser: follows an authorization URL (the gateway's
// /authorize, its 302 to the development IdP, the IdP's redirect back to the gateway's callback,
// the gateway's consent page, the gateway's redirect to the client) hop by hop until it reaches
// the client's redirect_uri, and hands that URL back with the code (or error) in it. It keeps
// cookies per origin as a browser does (the gateway binds a sign-in to the browser with one, and
// remembers consents in another); pass one `jar` to several sign-ins to be the same browser.
//
// The gateway's consent page is answered with `consent` ("allow" by default, or "deny"); every
// page seen is recorded in `pages` ({url, status, html}) when given.
//
// The development IdP signs a user in without a page when the request carries a login_hint naming
// them (idp.yaml auto_login); without one it signs in its default_user. Should it show its sign-in
// page instead, the page's form is submitted as a person would, choosing the login_hint's user.
//
// Also a program, for clients that open "the browser" themselves (mcp-remote runs $BROWSER through
// xdg-open):
//   node headless-browser.mjs <authorization URL>
// follows the URL, then delivers the redirect to the client's loopback callback. Its stdio is
// detached from everything, so it reports to the file named by MCPGATE_E2E_BROWSER_LOG;
// MCPGATE_E2E_LOGIN_HINT picks the user.
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MAX_HOPS = 10;
const HOP_TIMEOUT_MS = 10_000;

function samePlace(a, b) {
  return a.origin === b.origin && a.pathname === b.pathname;
}

function excerpt(text) {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

function attribute(tag, name) {
  return tag.match(new RegExp(`\\b${name}="([^"]*)"`, "i"))?.[1] ?? tag.match(new RegExp(`\\b${name}=([^\\s>]+)`, "i"))?.[1];
}

function unescapeHtml(s) {
  return s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&#39;", "'").replaceAll("&amp;", "&");
}

// A cookie jar: name=value per origin, from Set-Cookie (Max-Age=0 deletes). Enough for the
// gateway's and the IdP's cookies, which are all host-only and Path=/.
export class CookieJar {
  constructor() {
    this.byOrigin = new Map();
  }

  store(url, response) {
    const cookies = this.byOrigin.get(url.origin) ?? new Map();
    for (const line of response.headers.getSetCookie?.() ?? []) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
    this.byOrigin.set(url.origin, cookies);
  }

  header(url) {
    const cookies = this.byOrigin.get(url.origin);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([n, v]) => `${n}=${v}`).join("; ");
  }
}

// The gateway's consent page: a form posting `consent` and the `decision` button chosen.
function consentForm(html, pageUrl, decision) {
  const form = html.match(/<form\b[^>]*action="(\/oauth\/consent)"[^>]*>/i);
  const id = html.match(/<input\b[^>]*name="consent"[^>]*value="([^"]*)"/i)?.[1];
  if (!form || !id) return undefined;
  const body = new URLSearchParams({ consent: unescapeHtml(id), decision });
  return { url: new URL(form[1], pageUrl), body };
}

// The IdP's sign-in page: one form posting `pending` and the chosen `user`. Returns the request a
// browser would send, or undefined when the page is something else (an error page).
function signInForm(html, pageUrl, loginHint) {
  const form = html.match(/<form\b[^>]*method=["']?post["']?[^>]*>/i)?.[0];
  if (!form) return undefined;
  const action = attribute(form, "action");
  const pending = html.match(/<input\b[^>]*name=["']?pending["']?[^>]*>/i)?.[0];
  const buttons = [...html.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((m) => ({
    name: attribute(m[1], "name"),
    value: attribute(m[1], "value"),
    label: unescapeHtml(m[2]),
  }));
  if (!action || !pending || buttons.length === 0) return undefined;
  const wanted = loginHint?.toLowerCase();
  const choice = (wanted && buttons.find((b) => b.label.toLowerCase().includes(wanted))) ?? buttons[0];
  const body = new URLSearchParams({ pending: unescapeHtml(attribute(pending, "value") ?? "") });
  body.set(choice.name ?? "user", unescapeHtml(choice.value ?? ""));
  return { url: new URL(unescapeHtml(action), pageUrl), body };
}

// Follows `authorizationUrl` to its redirect_uri and returns that URL (a URL object) without
// requesting it. `loginHint` is added to the authorization request as a user would type it.
export async function followSignIn(authorizationUrl, { loginHint, consent = "allow", jar = new CookieJar(), pages } = {}) {
  let url = new URL(authorizationUrl);
  const redirectParam = url.searchParams.get("redirect_uri");
  if (!redirectParam) throw new Error(`the authorization URL has no redirect_uri: ${url}`);
  const target = new URL(redirectParam);
  if (loginHint && !url.searchParams.has("login_hint")) url.searchParams.set("login_hint", loginHint);

  const trail = [];
  let post;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const headers = {};
    if (post) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers.origin = url.origin; // a form posted from the page of the same origin
    }
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, {
      method: post ? "POST" : "GET",
      body: post,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(HOP_TIMEOUT_MS),
    });
    jar.store(url, response);
    trail.push(`${post ? "POST" : "GET"} ${url.origin}${url.pathname} → ${response.status}`);
    post = undefined;
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const next = new URL(location, url);
      if (samePlace(next, target)) return next;
      url = next;
      continue;
    }
    const text = await response.text();
    pages?.push({ url, status: response.status, html: text });
    const form = response.status === 200 ? (consentForm(text, url, consent) ?? signInForm(text, url, loginHint)) : undefined;
    if (!form) {
      throw new Error(`sign-in stopped at HTTP ${response.status} before reaching ${target.origin}${target.pathname}\n` +
                      `${trail.join("\n")}\n${excerpt(text)}`);
    }
    url = form.url;
    post = form.body.toString();
  }
  throw new Error(`no redirect to ${target.origin}${target.pathname} after ${MAX_HOPS} hops:\n${trail.join("\n")}`);
}

// The authorization code in a redirect, or an Error carrying the IdP's error and description.
export function codeFrom(redirect) {
  const code = redirect.searchParams.get("code");
  if (code) return code;
  throw new Error(`the sign-in ended without a code: error=${redirect.searchParams.get("error")} ` +
                  `${redirect.searchParams.get("error_description") ?? ""} (${redirect})`);
}

async function main(argv) {
  const log = process.env.MCPGATE_E2E_BROWSER_LOG;
  const report = (line) => {
    if (log) appendFileSync(log, `${new Date().toISOString()} ${line}\n`);
  };
  try {
    if (argv.length !== 1) throw new Error(`usage: headless-browser.mjs <authorization URL> (got ${argv.length} arguments)`);
    report(`open ${argv[0]}`);
    const redirect = await followSignIn(argv[0], { loginHint: process.env.MCPGATE_E2E_LOGIN_HINT || undefined });
    report(`redirected to ${redirect.origin}${redirect.pathname} (${redirect.searchParams.has("code") ? "code" : "no code"})`);
    const callback = await fetch(redirect, { signal: AbortSignal.timeout(HOP_TIMEOUT_MS) });
    const page = await callback.text();
    report(`callback answered ${callback.status}: ${excerpt(page.replace(/\s+/g, " "))}`);
    return callback.ok ? 0 : 1;
  } catch (error) {
    report(`failed: ${error.stack ?? error}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
