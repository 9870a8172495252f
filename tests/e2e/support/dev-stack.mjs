// `mcpgate dev` for a test file: free ports, a throw-away data directory, the demo corpus, and
// readiness by bounded polling (the port file, then the gateway's and the server's /readyz).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

import { McpgateProcess } from "./mcpgate-process.mjs";

// First start indexes the whole demo corpus before the gateway listens: seconds, not milliseconds.
const START_BUDGET_MS = 120_000;
const POLL_INTERVAL_MS = 100;

// Polls `probe` until it returns something other than undefined; fails naming `what` and the
// last error, with the process's output, when the budget runs out or the process exits.
export async function until(process, what, budgetMs, probe) {
  const deadline = Date.now() + budgetMs;
  let last = "";
  for (;;) {
    if (process?.spawnError) throw new Error(`cannot start ${process.name}: ${process.spawnError.message}`);
    if (process?.exit) throw new Error(`${process.name} exited (${JSON.stringify(process.exit)}) while waiting for ${what}${process.log()}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ""}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ""}${process?.log() ?? ""}`);
    await delay(POLL_INTERVAL_MS);
  }
}

async function ready(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.status === 200 ? true : undefined;
}

// Starts `mcpgate dev` with `corpus`; resolves once every part answers. stop() ends it and
// removes its data.
export async function startDevStack({ bin, dataRoot, name, corpus }) {
  const workDir = mkdtempSync(join(dataRoot ?? tmpdir(), `mcpgate-e2e-${name}-`));
  const data = join(workDir, "dev");
  const portFile = join(workDir, "gateway.port");
  const child = spawn(bin, ["dev", "--data-dir", data, "--port", "0", "--server-port", "0", "--idp-port", "0",
                            "--corpus", corpus, "--port-file", portFile], { stdio: ["ignore", "pipe", "pipe"] });
  const dev = new McpgateProcess("mcpgate dev", child);
  // The port file is written after stack.json, so once it exists every URL is known.
  await until(dev, "the gateway's port file", START_BUDGET_MS,
              () => (existsSync(portFile) && readFileSync(portFile, "utf8").trim()) || undefined);
  const stack = JSON.parse(readFileSync(join(data, "stack.json"), "utf8"));
  await until(dev, `${stack.gateway}/readyz`, 30_000, () => ready(`${stack.gateway}/readyz`));
  await until(dev, `${stack.server}/readyz`, 30_000, () => ready(`${stack.server}/readyz`));
  return {
    dev,
    stack,
    async stop() {
      await dev.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

// A port nothing listens on now (for a program that must be told its port before it starts).
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}
