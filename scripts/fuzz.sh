#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang under ASan + UBSan into build-fuzz/ and runs
# each on its committed seed corpus (fuzz/corpus/<target>/).
#   bash scripts/fuzz.sh --smoke          every target for 20,000 inputs from a fixed seed (CI):
#                                         the same inputs on every run, so a red CI means a change,
#                                         not luck; new crashes are found by the longer runs below
#   bash scripts/fuzz.sh jwt 600          one target for ten minutes; new inputs go to build-fuzz/found/
# A crash leaves its input in build-fuzz/crashes/; add it to the corpus and a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
targets=(jwt challenge jwks request_head path form jsonrpc upstream_response yaml_config oauth_client redis_reply)
seconds=5
smoke=0
if [ "${1:-}" = "--smoke" ]; then
  smoke=1
  shift
elif [ $# -ge 1 ]; then
  targets=("$1")
  seconds="${2:-60}"
fi
for tool in clang-16 clang++-16; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is not installed; run scripts/bootstrap.sh" >&2; exit 2; }
done
# Line tables only: fuller debug info in coroutine frames trips clang 16's assembler ("Cannot
# represent a difference across sections").
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_C_COMPILER=clang-16 \
  -DCMAKE_CXX_FLAGS_DEBUG="-gline-tables-only -O1" -DMCPGATE_FUZZ=ON -DMCPGATE_UNIT_TESTS_ONLY=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
mkdir -p build-fuzz/crashes build-fuzz/found
failed=0
for t in "${targets[@]}"; do
  if ((smoke)); then
    # Deterministic: a fixed seed, a fixed number of inputs, and only the committed corpus.
    found="$(mktemp -d)"
    budget=(-seed=1 -runs=20000)
    what="20000 inputs"
  else
    # Runs read the committed seeds and write what they find to build-fuzz/found (never to the checkout).
    found="build-fuzz/found/$t"
    mkdir -p "$found"
    budget=(-max_total_time="$seconds")
    what="${seconds}s"
  fi
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/fuzz/fuzz_$t" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
    -artifact_prefix="build-fuzz/crashes/$t-" "$found" "fuzz/corpus/$t" >"build-fuzz/$t.log" 2>&1; then
    echo "fuzz: $t ran $what: $(grep -o 'cov: [0-9]*' "build-fuzz/$t.log" | tail -1), no crash"
  else
    echo "fuzz: $t FAILED; input in build-fuzz/crashes/, log:" >&2
    tail -n 40 "build-fuzz/$t.log" >&2
    failed=1
  fi
done
exit "$failed"
