#!/usr/bin/env bash
# Installs every system and npm dependency of mcpgate on Debian 12, as root.
# Idempotent: a second run only checks that everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates openssl curl
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libspdlog-dev libfmt-dev
  libcli11-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libhiredis-dev redis-server   # the gateways' shared token cache and rate limits (tests start their own)
  libpq-dev postgresql-15       # the servers' shared store (tests run their own, as the postgres user)
  nginx-light haproxy wrk   # bench/run.sh: the contenders and the load generator
  valgrind                  # bench/instructions.sh: instructions per request (callgrind)
  clang-format-16 clang-tidy-16 python3 python3-yaml   # scripts/format.sh, lint.sh, check-layering.py; deploy/check-kubernetes.sh
  clang-16 libclang-rt-16-dev             # scripts/fuzz.sh: libFuzzer (clang 14 cannot instrument coroutines)
  chromium                  # tests/e2e/dashboard.test.mjs: the dashboard in a real browser (playwright-core)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may already carry a Node.js that bundles npm (and conflicts with Debian's npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Node.js the test clients run on, an npm package (pinned by its package-lock.json): the
# clients need Node >= 22.12 and Debian 12's nodejs is 18.
if [ -f tests/e2e/node-runtime/package-lock.json ]; then
  if [ ! -d tests/e2e/node-runtime/node_modules ] ||
    [ tests/e2e/node-runtime/package-lock.json -nt tests/e2e/node-runtime/node_modules/.package-lock.json ]; then
    echo "bootstrap: installing the Node.js runtime of the test clients"
    (cd tests/e2e/node-runtime && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# The dashboard's front-end packages (web/dashboard), pinned by its package-lock.json; the build
# (scripts/build-dashboard.sh) would install them too, on first use.
if [ ! -d web/dashboard/node_modules ] || [ web/dashboard/package-lock.json -nt web/dashboard/node_modules/.package-lock.json ]; then
  echo "bootstrap: installing the dashboard's front-end packages"
  # shellcheck source=../tests/e2e/node-runtime/activate.sh
  (source tests/e2e/node-runtime/activate.sh && cd web/dashboard && npm ci --no-audit --no-fund --loglevel=error)
fi

# Third-party test clients, pinned by package-lock.json.
if [ -f tests/e2e/package-lock.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    echo "bootstrap: installing npm test clients"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# The demo documentation corpus (Node.js reference and a few npm packages' docs).
bash scripts/fetch-corpus.sh
