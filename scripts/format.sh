#!/usr/bin/env bash
# Formats the C++ sources with clang-format-16 and .clang-format.
#   bash scripts/format.sh          rewrite files in place
#   bash scripts/format.sh --check  change nothing; list the files that differ and exit 1 (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
formatter="${CLANG_FORMAT:-clang-format-16}"
if ! command -v "$formatter" >/dev/null; then
  echo "format.sh: $formatter is not installed; run scripts/bootstrap.sh (apt-get install clang-format-16)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- 'src/*.cpp' 'src/*.hpp' 'apps/*.cpp' 'apps/*.hpp' 'tests/*.cpp' 'tests/*.hpp' \
  'bench/*.cpp' 'bench/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "${1:-}" = "--check" ]; then
  unformatted=()
  for f in "${files[@]}"; do
    "$formatter" --style=file "$f" | cmp -s - "$f" || unformatted+=("$f")
  done
  if ((${#unformatted[@]})); then
    printf 'format: %s is not formatted\n' "${unformatted[@]}"
    echo "format: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format; run: bash scripts/format.sh"
    exit 1
  fi
  echo "format: ${#files[@]} files follow .clang-format"
  exit 0
fi
"$formatter" --style=file -i "${files[@]}"
echo "format: formatted ${#files[@]} files"
