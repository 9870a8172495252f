#!/usr/bin/env bash
# Configures and builds mcpgate into build/ (Release, ccache). Used by the other scripts.
# Arguments name targets to build (all of them when none is given).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a fresh clone elsewhere (as CI makes) hits the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# CMake 3.25 takes targets only after --target; bare names are refused as unknown arguments.
targets=()
if (($#)); then targets=(--target "$@"); fi
cmake --build build -j"$(nproc)" "${targets[@]}"
