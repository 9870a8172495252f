// Preload for running @modelcontextprotocol/conformance on Node 20:
//   node --import ./conformance/node20-preload.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js …
//
// The suite's bundle does `import { globSync } from "fs"`; fs.globSync exists only from Node 22,
// so on Node 20 the bundle fails to link before any scenario runs. A built-in module's named
// exports are fixed when Node first loads it, so assigning fs.globSync is not enough. Instead this
// preload registers a resolve hook that, for imports of "fs"/"node:fs" made by the conformance
// package only, answers with this very file, which re-exports node:fs and adds `globSync`.
// (The preload and the stand-in are the same URL, hence the same module instance: it is
// evaluated once.) On Node 22 and later the preload does nothing; run-conformance.sh runs the suite
// on the Node 22 pinned in node-runtime/, so it matters only when MCPGATE_E2E_NODE names a Node 20.
//
// The replacement covers what the suite uses (`globSync("**/checks.json", { cwd })`, for its
// tier-check summary): patterns made of `*`, `?`, `**` and literal segments, matched against the
// files and directories under `cwd` and returned relative to it.
import * as fs from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export * from "node:fs";
export default fs.default;

const nativeGlobSync = fs.default.globSync;

function segmentPattern(segment) {
  let source = "";
  for (const ch of segment) {
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

// Whether a relative path's segments match the pattern's; `**` stands for zero or more segments.
function matches(patternSegments, pathSegments) {
  const memo = new Map();
  const at = (p, s) => {
    const key = p * (pathSegments.length + 1) + s;
    if (memo.has(key)) return memo.get(key);
    let result;
    if (p === patternSegments.length) result = s === pathSegments.length;
    else if (patternSegments[p] === "**") result = at(p + 1, s) || (s < pathSegments.length && at(p, s + 1));
    else
      result =
        s < pathSegments.length && segmentPattern(patternSegments[p]).test(pathSegments[s]) && at(p + 1, s + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

function walk(root, relative, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    out.push(child);
    if (entry.isDirectory()) walk(root, child, out);
  }
}

function globSyncFallback(pattern, options = {}) {
  const cwd = options.cwd instanceof URL ? fileURLToPath(options.cwd) : String(options.cwd ?? process.cwd());
  const candidates = [];
  walk(cwd, "", candidates);
  const found = new Set();
  for (const p of Array.isArray(pattern) ? pattern : [pattern]) {
    const segments = String(p)
      .replace(/\\/g, "/")
      .split("/")
      .filter((s) => s !== "" && s !== ".");
    for (const candidate of candidates) if (matches(segments, candidate.split("/"))) found.add(candidate);
  }
  return [...found].map((p) => p.split("/").join(path.sep));
}

export const globSync = nativeGlobSync ?? globSyncFallback;

const hook = `
const standIn = ${JSON.stringify(import.meta.url)};
export async function resolve(specifier, context, next) {
  if ((specifier === "fs" || specifier === "node:fs") &&
      context.parentURL && context.parentURL.includes("/node_modules/@modelcontextprotocol/conformance/"))
    return { url: standIn, shortCircuit: true };
  return next(specifier, context);
}`;

if (!nativeGlobSync && !globalThis.__mcpgateNode20PreloadRegistered) {
  globalThis.__mcpgateNode20PreloadRegistered = true;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
