#!/usr/bin/env bash
# The main job on the built-in demo: installs what it needs, builds, and starts the development
# identity provider with the demo tenant of the seed's Part 2 (HTTPS, so MSAL accepts it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh mcpgate
exec build/apps/mcpgate/mcpgate idp --tls "$@"
