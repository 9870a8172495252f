// Starting and stopping mcpgate processes (`mcpgate idp`, `mcpgate server`) from node:test files.
//
// A process is started with `--port 0 --port-file F`; readiness is bounded polling (the port file,
// then a health URL answering 200), never a fixed sleep. Every process started here is killed when
// the runner exits, even if a test file's after() never ran.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

const POLL_INTERVAL_MS = 50;
const PORT_FILE_TRIES = 300; // 15 s
const HEALTH_TRIES = 200; // 10 s
const STOP_GRACE_MS = 5000;

const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function readPort(file) {
  if (!existsSync(file)) return undefined;
  const value = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
  return Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
}

export class McpgateProcess {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.output = "";
    this.exit = null; // { code, signal } once exited
    this.spawnError = null;
    this.port = undefined;
    this.base = undefined; // http://127.0.0.1:PORT
    child.stdout.on("data", (chunk) => (this.output += chunk));
    child.stderr.on("data", (chunk) => (this.output += chunk));
    child.on("error", (error) => (this.spawnError = error));
    child.on("exit", (code, signal) => {
      this.exit = { code, signal };
      running.delete(child);
    });
    running.add(child);
  }

  log() {
    return `\n--- ${this.name} output ---\n${this.output.trimEnd()}\n${"-".repeat(this.name.length + 15)}`;
  }

  #checkAlive() {
    if (this.spawnError) throw new Error(`cannot start ${this.name}: ${this.spawnError.message}`);
    if (this.exit) throw new Error(`${this.name} exited early (${JSON.stringify(this.exit)})${this.log()}`);
  }

  async #waitForPort(portFile) {
    for (let i = 0; i < PORT_FILE_TRIES; i++) {
      this.#checkAlive();
      this.port = readPort(portFile);
      if (this.port !== undefined) return;
      await delay(POLL_INTERVAL_MS);
    }
    throw new Error(`${this.name} wrote no port file ${portFile}${this.log()}`);
  }

  async #waitForHealth(path) {
    let lastProblem = "";
    for (let i = 0; i < HEALTH_TRIES; i++) {
      this.#checkAlive();
      try {
        const response = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem = `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ""}`;
      }
      await delay(POLL_INTERVAL_MS);
    }
    throw new Error(`${this.base}${path} never answered 200 (last: ${lastProblem})${this.log()}`);
  }

  // Bounded polling: the port file, then `healthPath` answering 200 on http://127.0.0.1:<port>.
  async ready(portFile, healthPath) {
    await this.#waitForPort(portFile);
    this.base = `http://127.0.0.1:${this.port}`;
    await this.#waitForHealth(healthPath);
  }

  async stop() {
    if (this.exit || this.spawnError) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const grace = new AbortController();
    const timeout = delay(STOP_GRACE_MS, "timeout", { signal: grace.signal }).catch(() => "cancelled");
    const result = await Promise.race([exited, timeout]);
    grace.abort(); // do not keep the runner alive for the rest of the grace period
    if (result === "timeout" && !this.exit) {
      this.child.kill("SIGKILL");
      await exited;
    }
  }
}

// Starts `bin args… --port 0 --port-file portFile` and waits until `healthPath` answers 200 on
// http://127.0.0.1:<port>. Stops the process again if it never becomes ready.
export async function startMcpgate(bin, args, { name, portFile, healthPath }) {
  const child = spawn(bin, [...args, "--port", "0", "--port-file", portFile], { stdio: ["ignore", "pipe", "pipe"] });
  const proc = new McpgateProcess(name, child);
  try {
    await proc.ready(portFile, healthPath);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}
