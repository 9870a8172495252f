# shellcheck shell=bash
# Sourced by the end-to-end runners (run-node-test.sh, run-conformance.sh). Chooses the Node.js
# that runs the test files and the clients they start: the one pinned in this folder
# (package-lock.json, installed by scripts/bootstrap.sh), because Debian 12's nodejs 18 is older
# than the clients support (ctx7 needs 22.12). MCPGATE_E2E_NODE=/path/to/bin/node picks another.
# Sets e2e_node and puts its directory first on PATH, so that a client started as `node` (rather
# than with process.execPath) runs on the same Node; exits 2 when there is no usable Node.

e2e_node_runtime="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
e2e_node="${MCPGATE_E2E_NODE:-$e2e_node_runtime/node_modules/.bin/node}"
if [ ! -x "$e2e_node" ]; then
  if [ -n "${MCPGATE_E2E_NODE:-}" ]; then
    echo "e2e: MCPGATE_E2E_NODE=$MCPGATE_E2E_NODE is not an executable file" >&2
  else
    echo "e2e: the pinned Node.js runtime ($e2e_node) is not installed." >&2
    echo "Run scripts/bootstrap.sh (or: cd tests/e2e/node-runtime && npm ci) first." >&2
  fi
  exit 2
fi
if ! e2e_node_version="$("$e2e_node" --version 2>&1)"; then
  echo "e2e: $e2e_node does not run: $e2e_node_version" >&2
  exit 2
fi
PATH="$(dirname "$e2e_node"):$PATH"
export PATH
