#!/usr/bin/env bash
# clang-tidy-16 over every translation unit (checks in .clang-tidy); clean results are cached by
# preprocessed source. Arguments: [--jobs N] [files…]. Configures build/ first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/compile_commands.json ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
exec python3 scripts/lint.py "$@"
