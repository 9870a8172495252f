#!/usr/bin/env bash
# Builds the dashboard's front end (web/dashboard) and writes it as a C++ source the server
# embeds. Called by the CMake build: build-dashboard.sh <dist folder> <output .cpp>.
# Uses the pinned Node.js (tests/e2e/node-runtime) and the packages of web/dashboard's lockfile,
# installing them when they are missing or older than the lockfile.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dist="$1"
out="$2"
# shellcheck source=../tests/e2e/node-runtime/activate.sh
source "$root/tests/e2e/node-runtime/activate.sh"
web="$root/web/dashboard"
if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$web" && "$e2e_node" node_modules/vite/bin/vite.js build --logLevel warn --outDir "$dist" --emptyOutDir)
cmake -DDIST="$dist" -DOUT="$out" -P "$root/scripts/embed-assets.cmake"
