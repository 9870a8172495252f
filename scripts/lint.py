#!/usr/bin/env python3
"""Runs clang-tidy-16 (checks in .clang-tidy) over the project's translation units in
build/compile_commands.json, in parallel. A unit whose preprocessed text, command and checks are
unchanged since a clean run is skipped, so a second run, or CI on a machine that linted the same
code, costs only the preprocessing.

Usage: scripts/lint.py [--build DIR] [--jobs N] [files…]   (exit 1 when any unit has findings)
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--build", default=str(root / "build"), help="build directory with compile_commands.json")
parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
parser.add_argument("files", nargs="*", help="only these sources (default: all of src, apps and bench)")
args = parser.parse_args()

tidy = os.environ.get("CLANG_TIDY", "clang-tidy-16")
database = Path(args.build) / "compile_commands.json"
if not database.exists():
    sys.exit(f"lint: {database} is missing; configure first (bash scripts/build.sh)")

wanted = {str(Path(f).resolve()) for f in args.files}
units = []
for entry in json.loads(database.read_text()):
    source = Path(entry["directory"], entry["file"]).resolve()
    try:
        relative = source.relative_to(root)
    except ValueError:
        continue  # generated sources in the build tree
    if relative.parts[0] not in {"src", "apps", "bench", "fuzz"}:  # tests: gtest macros drown the signal
        continue
    if wanted and str(source) not in wanted:
        continue
    units.append((relative, entry))
if wanted and len(units) < len(wanted):
    sys.exit("lint: some of the named files are not in compile_commands.json (headers are checked through their .cpp)")

def without_pch(words):
    # GCC's precompiled header (CMake's -include cmake_pch.hxx, with its .gch beside it) is not
    # clang's; every source includes what it needs itself, so the forced include can go.
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word == "-include" or word == "-Winvalid-pch":
            skip = word == "-include"
            continue
        out.append(word)
    return out


def command_words(entry):
    return without_pch(shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"]))


# clang-tidy reads this database, not the build's: the same commands without the PCH.
lint_dir = Path(args.build) / "lint"
lint_dir.mkdir(exist_ok=True)
(lint_dir / "compile_commands.json").write_text(json.dumps(
    [{"directory": e["directory"], "file": e["file"], "arguments": command_words(e)} for _, e in units]))

version = subprocess.run([tidy, "--version"], capture_output=True, text=True, check=True).stdout
settings = (root / ".clang-tidy").read_bytes()
cache = Path(os.environ.get("MCPGATE_LINT_CACHE", Path.home() / ".cache" / "mcpgate-lint"))
cache.mkdir(parents=True, exist_ok=True)


def preprocess_command(entry):
    words = command_words(entry)
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word in {"-o", "-MF", "-MT", "-MQ"}:
            skip = True
            continue
        if word in {"-c", "-MD", "-MMD"}:
            continue
        out.append(word)
    return out + ["-E", "-P"]


def lint(unit):
    relative, entry = unit
    key = hashlib.sha256(version.encode() + settings)
    # Paths relative to the checkout, so a clone in another folder hits the same cache.
    key.update(" ".join(command_words(entry)).replace(str(root), "<root>").encode())
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"], capture_output=True)
    if pre.returncode != 0:
        return relative, False, pre.stderr.decode(errors="replace")
    # __FILE__ in macros expands to this checkout's path; another clone of the same code is the same unit.
    key.update(pre.stdout.replace(str(root).encode(), b"<root>"))
    stamp = cache / key.hexdigest()
    if stamp.exists():
        return relative, True, None
    run = subprocess.run([tidy, "--quiet", "-p", str(lint_dir), str(root / relative)], capture_output=True, text=True)
    clean = run.returncode == 0
    if clean:
        stamp.touch()
    findings = "\n".join(line for line in (run.stdout + run.stderr).splitlines()
                         if line and "warnings generated" not in line and not line.startswith("Suppressed"))
    return relative, clean, findings


failed = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
    for relative, clean, findings in pool.map(lint, units):
        if not clean:
            failed += 1
            print(f"lint: {relative}\n{findings}\n", flush=True)
if failed:
    print(f"lint: {failed} of {len(units)} translation units have clang-tidy findings (checks in .clang-tidy)")
    sys.exit(1)
print(f"lint: {len(units)} translation units clean under clang-tidy ({', '.join(version.split()[3:4])})")
