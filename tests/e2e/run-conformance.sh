#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios (@modelcontextprotocol/conformance, pinned in
# package.json) against a throw-away `mcpgate server` and writes docs/conformance-results.md.
#   MCPGATE_BIN=/path/to/mcpgate bash tests/e2e/run-conformance.sh
#
# The server runs with `mcp: {require_api_key: false, diagnostic_tools: true}` so that the suite's
# client can use /mcp without credentials. Failing scenarios are reported in the results file, not
# in the exit status: the script exits 0 when the suite ran, non-zero when it could not run at all
# (no binary, no Node.js or packages, the server did not start, the suite ran no scenario).
#
# Optional: MCPGATE_CONFORMANCE_SUITE=active|all|pending (default active, the suite's own default),
# MCPGATE_CONFORMANCE_PACKAGE=conformance-alpha (the 0.2 pre-release pinned beside the release) with
# MCPGATE_CONFORMANCE_REQUIREMENTS=2026-07-28 (what that revision requires, at its wire version),
# MCPGATE_CONFORMANCE_REPORT=<file> (default <repo>/docs/conformance-results.md),
# MCPGATE_E2E_VERBOSE=1 to print the server's log and the suite's output.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
report="${MCPGATE_CONFORMANCE_REPORT:-$repo/docs/conformance-results.md}"
suite="${MCPGATE_CONFORMANCE_SUITE:-active}"
suite_pkg="$here/node_modules/@modelcontextprotocol/${MCPGATE_CONFORMANCE_PACKAGE:-conformance}"
# A requirement set (0.2 suites: --requirements 2026-07-28) replaces the suite selection.
requirements="${MCPGATE_CONFORMANCE_REQUIREMENTS:-}"
selection=(--suite "$suite")
if [ -n "$requirements" ]; then
  selection=(--requirements "$requirements")
  suite="requirements $requirements"
fi

# Readiness polling: bounded tries at a short interval (never a fixed sleep).
poll_interval=0.05
port_file_tries=300 # 15 s
stop_tries=100      # 5 s of grace after SIGTERM
suite_timeout=240   # seconds; ctest's TIMEOUT is 300

die() {
  echo "run-conformance.sh: $*" >&2
  exit 2
}

[ -n "${MCPGATE_BIN:-}" ] || die "MCPGATE_BIN must name the mcpgate binary"
[ -x "$MCPGATE_BIN" ] || die "MCPGATE_BIN=$MCPGATE_BIN is not an executable file"
# shellcheck source=node-runtime/activate.sh
. "$here/node-runtime/activate.sh"
if [ ! -f "$suite_pkg/dist/index.js" ]; then
  echo "run-conformance.sh: $suite_pkg is missing: the pinned npm packages are not installed." >&2
  die "run scripts/bootstrap.sh (or: cd tests/e2e && npm ci) first"
fi
suite_version="$("$e2e_node" -p 'require(process.argv[1]).version' "$suite_pkg/package.json")"

work="$(mktemp -d "${TMPDIR:-/tmp}/mcpgate-conformance.XXXXXX")"
server_pid=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq "$stop_tries"); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep "$poll_interval"
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "run-conformance.sh: mcpgate server did not stop on SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  stop_server
  if [ -n "${MCPGATE_E2E_VERBOSE:-}" ] && [ -f "$work/server.log" ]; then
    echo "--- mcpgate server output ---" >&2
    cat "$work/server.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_log_tail() {
  echo "--- mcpgate server output ---" >&2
  tail -n 40 "$work/server.log" >&2 || true
}

mkdir -p "$work/server"
cat >"$work/server.yaml" <<EOF
listen: {host: 127.0.0.1, port: 0}
public_url: http://127.0.0.1
data_dir: $work/server
mcp: {require_api_key: false, diagnostic_tools: true}
EOF

"$MCPGATE_BIN" server --config "$work/server.yaml" --port 0 --port-file "$work/port" >"$work/server.log" 2>&1 &
server_pid=$!

port=""
for _ in $(seq "$port_file_tries"); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && status=0 || status=$?
    server_pid=""
    echo "run-conformance.sh: mcpgate server exited early (status $status)" >&2
    server_log_tail
    exit 1
  fi
  if [ -s "$work/port" ]; then
    port="$(tr -dc '0-9' <"$work/port")"
    [ -n "$port" ] && break
  fi
  sleep "$poll_interval"
done
if [ -z "$port" ]; then
  echo "run-conformance.sh: mcpgate server wrote no port file $work/port" >&2
  server_log_tail
  exit 1
fi

base="http://127.0.0.1:$port"
url="$base/mcp"

# The port file is written once listening; still, wait for /ping to answer before the suite starts.
if ! "$e2e_node" - "$base/ping" <<'EOF'; then
const url = process.argv[2];
let last = "";
for (let i = 0; i < 200; i++) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    if (response.status === 200) process.exit(0);
    last = `HTTP ${response.status}`;
  } catch (error) {
    last = `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ""}`;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
console.error(`${url} never answered 200 (last: ${last})`);
process.exit(1);
EOF
  server_log_tail
  exit 1
fi

echo "run-conformance.sh: @modelcontextprotocol/conformance $suite_version, $suite suite, against $url"
mkdir -p "$work/results"
suite_status=0
timeout_cmd=()
if command -v timeout >/dev/null; then timeout_cmd=(timeout --kill-after=10 "$suite_timeout"); fi
(
  cd "$here"
  "${timeout_cmd[@]}" "$e2e_node" --import ./conformance/node20-preload.mjs "$suite_pkg/dist/index.js" \
    server --url "$url" "${selection[@]}" --output-dir "$work/results"
) >"$work/suite.out" 2>"$work/suite.err" || suite_status=$?

if [ -n "${MCPGATE_E2E_VERBOSE:-}" ]; then
  cat "$work/suite.out"
  cat "$work/suite.err" >&2
fi
if [ "$suite_status" -eq 124 ] || [ "$suite_status" -eq 137 ]; then
  echo "run-conformance.sh: the suite did not finish within ${suite_timeout}s" >&2
fi
# Summary lines of the suite (✓/✗ per scenario and the total) for the test log.
sed -n '/^=== SUMMARY ===$/,$p' "$work/suite.out"

stop_server

mkdir -p "$(dirname "$report")"
report_status=0
"$e2e_node" "$here/conformance/report.mjs" --results "$work/results" --log "$work/suite.out" --errors "$work/suite.err" \
  --out "$report" --suite-version "$suite_version" --suite "$suite" --url "$url" --exit-code "$suite_status" ||
  report_status=$?
if [ "$report_status" -ne 0 ]; then
  echo "run-conformance.sh: the conformance suite could not run (exit status $suite_status)" >&2
  echo "--- suite output ---" >&2
  tail -n 40 "$work/suite.out" >&2 || true
  tail -n 40 "$work/suite.err" >&2 || true
  exit 1
fi
exit 0
