#!/usr/bin/env bash
# Checks deploy/kubernetes/*.yaml: each parses, each container runs the command line of the
# matching systemd unit (one way to run mcpgate, two packagings), and the mcpgate binary built here
# accepts it. Exit code 77 when PyYAML is missing.
#   bash deploy/check-kubernetes.sh <mcpgate binary>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python3 -c 'import yaml' 2>/dev/null || { echo "check-kubernetes: PyYAML is not installed; skipping" >&2; exit 77; }
python3 - "$here" "$1" <<'PY'
import pathlib, shlex, subprocess, sys, yaml
here, binary = pathlib.Path(sys.argv[1]), sys.argv[2]
problems = []
for manifest in sorted((here / "kubernetes").glob("*.yaml")):
    for doc in yaml.safe_load_all(manifest.read_text()):
        if doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            command = container["command"] + container["args"]
            role = container["args"][0]
            unit = here / "systemd" / f"mcpgate-{role}.service"
            exec_start = next(l.split("=", 1)[1] for l in unit.read_text().splitlines() if l.startswith("ExecStart="))
            if shlex.split(exec_start) != command:
                problems.append(f"{manifest.name}: {' '.join(command)} differs from {unit.name}: {exec_start}")
            ran = subprocess.run([binary] + command[1:2] + ["--help"], capture_output=True, text=True)
            if ran.returncode != 0:
                problems.append(f"{manifest.name}: mcpgate {role} --help failed: {ran.stderr.strip()}")
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{manifest.name}: container {container['name']} has no {probe}")
for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(1)
print("check-kubernetes: manifests parse and run the systemd units' command lines")
PY
