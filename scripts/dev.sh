#!/usr/bin/env bash
# The main job on the built-in demo: installs what it needs, builds, and runs the guide's whole
# deployment in one process (`mcpgate dev`): the development identity provider with the demo
# tenant of Part 2, the MCP server with the demo corpus, and the gateway. Arguments go to
# `mcpgate dev` (e.g. --port 8080, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh mcpgate
corpus=(--corpus corpus/sources)
for arg in "$@"; do
  case "$arg" in --corpus | --corpus=*) corpus=() ;; esac
done
exec build/apps/mcpgate/mcpgate dev "${corpus[@]}" "$@"
