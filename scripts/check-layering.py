#!/usr/bin/env python3
"""Checks that the libraries under src/ include each other only in the one-way order that
src/CMakeLists.txt writes down: a library may include its own headers and those of the libraries
it links (directly or through them), never one listed below it.

Usage: scripts/check-layering.py [repository root]   (exit 1 and one line per violation)
"""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
cmake = (root / "src" / "CMakeLists.txt").read_text()

order: list[str] = []
direct: dict[str, set[str]] = {}
for name, args in re.findall(r"^mcpgate_library\(\s*(\w+)([^)]*)\)", cmake, re.MULTILINE):
    deps = {d.removeprefix("mcpgate_") for d in args.split() if d.startswith("mcpgate_")}
    unknown = deps - set(order)
    if unknown:
        # A dependency on a library declared later would let the order run both ways.
        print(f"src/CMakeLists.txt: {name} links {', '.join(sorted(unknown))}, which is not declared above it")
        sys.exit(1)
    order.append(name)
    direct[name] = deps

allowed: dict[str, set[str]] = {}
for name in order:  # declaration order, so every dependency is already closed
    closure = {name}
    for dep in direct[name]:
        closure |= allowed[dep]
    allowed[name] = closure

include = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"', re.MULTILINE)
violations = []
src = root / "src"
for library in order:
    for path in sorted((src / library).rglob("*")):
        if path.suffix not in {".hpp", ".cpp", ".h", ".in"}:
            continue
        text = path.read_text(errors="replace")
        for match in include.finditer(text):
            target = match.group(1)
            if target not in allowed:  # not one of our libraries (a generated or system path)
                continue
            if target not in allowed[library]:
                line = text.count("\n", 0, match.start()) + 1
                violations.append(
                    f"{path.relative_to(root)}:{line}: {library} includes {target}/, which it does not link "
                    f"(src/CMakeLists.txt lets {library} use: {', '.join(sorted(allowed[library] - {library})) or 'nothing'})")

directories = {p.name for p in src.iterdir() if p.is_dir()}
for missing in sorted(directories - set(order)):
    violations.append(f"src/{missing}/ is not declared in src/CMakeLists.txt, so its place in the order is unknown")

for v in violations:
    print(v)
if violations:
    print(f"layering: {len(violations)} violation(s); move the code down the order or change src/CMakeLists.txt deliberately")
    sys.exit(1)
print(f"layering: {len(order)} libraries, includes follow the one-way order of src/CMakeLists.txt")
