#!/usr/bin/env bash
# Runs one node:test file of the end-to-end suite against a throw-away mcpgate data directory.
#   MCPGATE_BIN=/path/to/mcpgate bash tests/e2e/run-node-test.sh msal_idp.test.mjs
# The development CA is created before Node starts because Node reads NODE_EXTRA_CA_CERTS only
# at start-up; the test file then starts `mcpgate idp --tls` on the same data directory.
# Node is the one pinned in node-runtime/ (see activate.sh there), not the system's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -ne 1 ]; then
  echo "usage: MCPGATE_BIN=/path/to/mcpgate $0 <test-file.mjs>" >&2
  exit 2
fi
test_file="$1"

if [ -z "${MCPGATE_BIN:-}" ]; then
  echo "run-node-test.sh: MCPGATE_BIN must name the mcpgate binary" >&2
  exit 2
fi
if [ ! -x "$MCPGATE_BIN" ]; then
  echo "run-node-test.sh: MCPGATE_BIN=$MCPGATE_BIN is not an executable file" >&2
  exit 2
fi
if [ ! -f "$here/$test_file" ]; then
  echo "run-node-test.sh: no test file $here/$test_file" >&2
  exit 2
fi
# shellcheck source=node-runtime/activate.sh
. "$here/node-runtime/activate.sh"
if [ ! -d "$here/node_modules" ]; then
  echo "run-node-test.sh: $here/node_modules is missing: the pinned npm test clients are not installed." >&2
  echo "Run scripts/bootstrap.sh (or: cd tests/e2e && npm ci) first." >&2
  exit 2
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/mcpgate-e2e.XXXXXX")"
trap 'rm -rf "$data_dir"' EXIT

"$MCPGATE_BIN" idp init-tls --data-dir "$data_dir" >/dev/null
ca="$data_dir/tls/ca.pem"
if [ ! -f "$ca" ]; then
  echo "run-node-test.sh: '$MCPGATE_BIN idp init-tls' did not create $ca" >&2
  exit 1
fi

cd "$here"
status=0
NODE_EXTRA_CA_CERTS="$ca" MCPGATE_E2E_DATA="$data_dir" "$e2e_node" --test --test-reporter=spec "$test_file" || status=$?
exit "$status"
