#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine as root: installs what it needs, builds,
# runs unit, integration and end-to-end tests, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a fresh clone elsewhere (as CI makes) hits the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs="$(nproc)"

bash scripts/bootstrap.sh

echo "== build (Release)"
bash scripts/build.sh
echo "== unit, integration and end-to-end tests"
(cd build && ctest -j"$jobs" --output-on-failure --timeout 300)

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DMCPGATE_SANITIZE=ON -DMCPGATE_UNIT_TESTS_ONLY=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -j"$jobs" --output-on-failure --timeout 300 -L unit)

echo "== fuzz targets, a few seconds each (clang, libFuzzer, ASan + UBSan)"
bash scripts/fuzz.sh --smoke
