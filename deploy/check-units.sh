#!/usr/bin/env bash
# Checks deploy/systemd/*.service with systemd-analyze verify, against the mcpgate binary built
# here (the units name /usr/local/bin/mcpgate). Exit code 77 when systemd-analyze is missing.
#   bash deploy/check-units.sh <mcpgate binary>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze is not installed; skipping" >&2; exit 77; }
work=$(mktemp -d /tmp/mcpgate-units.XXXXXX)
trap 'rm -rf "$work"' EXIT
for unit in "$here"/systemd/*.service; do
  sed "s|/usr/local/bin/mcpgate|$1|g" "$unit" > "$work/$(basename "$unit")"
done
# It exits 0 on unknown keys and values it ignores; anything it says is a finding.
findings=$(systemd-analyze verify "$work"/*.service 2>&1) || true
if [ -n "$findings" ]; then
  echo "$findings" >&2
  echo "check-units: the units above need fixing" >&2
  exit 1
fi
echo "check-units: $(ls "$work" | wc -l) units verified"
