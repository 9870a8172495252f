#!/usr/bin/env bash
# The gateway against the proxies people would put there instead, in one run on loopback:
#   direct   wrk → nginx upstream (a ~300-byte MCP JSON-RPC answer, keep-alive)
#   nginx    plain reverse proxy, no authentication
#   haproxy  HAProxy 2.6: jwt_verify + iss/aud/exp checks + Authorization rewrite
#   mcpgate  mcpgate gateway: full Entra validation + cached On-Behalf-Of token + forwarding
# interleaved and repeated (medians), at 32 and 256 connections; then the invalid-token path,
# On-Behalf-Of misses against the development IdP, SSE streams (1k and 10k), start-up, idle
# memory and the micro-benchmarks. Prints one Markdown table; raw results stay in the work dir.
#
#   bench/run.sh [--smoke] [--rounds N] [--seconds S] [--build-dir DIR] [--no-pin] [--keep]
#                [--mcpgate BIN] [--tools BIN] [--micro BIN]
#
# --smoke runs everything briefly (ctest label "bench"): it checks the harness, not the numbers.
# Exit code 77 when nginx, haproxy or wrk is missing (bash scripts/bootstrap.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/common.sh
source "$here/common.sh"
smoke=0 rounds=3 seconds=10 pin=1 keep=0 build_dir="$root/build-bench"
mcpgate="" tools="" micro=""
while (($#)); do
  case "$1" in
    --smoke) smoke=1 ;;
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --build-dir) build_dir=$2; shift ;;
    --no-pin) pin=0 ;;
    --keep) keep=1 ;;
    --mcpgate) mcpgate=$2; shift ;;
    --tools) tools=$2; shift ;;
    --micro) micro=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mcpgate=${mcpgate:-$build_dir/apps/mcpgate/mcpgate}
tools=${tools:-$build_dir/bench/mcpgate_bench}
micro=${micro:-$build_dir/bench/bench_micro}

for tool in nginx haproxy wrk curl jq openssl taskset; do
  if ! command -v "$tool" >/dev/null && ! [ -x "/usr/sbin/$tool" ]; then
    echo "bench: $tool is not installed (bash scripts/bootstrap.sh installs it); skipping" >&2
    exit 77
  fi
done
PATH=$PATH:/usr/sbin
for bin in "$mcpgate" "$tools" "$micro"; do
  [ -x "$bin" ] || { echo "bench: $bin not built (cmake --build $build_dir --target mcpgate mcpgate_bench bench_micro)" >&2; exit 1; }
done

if ((smoke)); then
  rounds=1 seconds=1 users=24 sse_small=50 sse_large=200 sse_seconds=2 micro_time=0.01 openssl_seconds=1
else
  users=$((seconds * 400)) sse_small=1000 sse_large=10000 sse_seconds=10 micro_time=0.5 openssl_seconds=3
fi

# 10k streams through the gateway hold 20k sockets in it (client side and upstream side), on
# top of its pooled upstream connections (up to 256 idle after the 256-connection runs).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < 2 * sse_large + 600)); then
  sse_large=$((($(ulimit -n) - 600) / 2 / 100 * 100))
  echo "bench: only $(ulimit -n) file descriptors per process allowed (hard limit); $sse_large streams instead of 10000" >&2
fi

work=$(mktemp -d /tmp/mcpgate-bench.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((keep)) || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPUs: with two or more, the contender gets one to itself and the load generator shares the
# other with the upstream, so a proxy's cost shows as its own CPU time rather than as contention.
ncpu=$(nproc)
cpu_load=0 cpu_up=0 cpu_proxy=$((ncpu > 1 ? 1 : 0))
on() { # on <cpu> <command...>
  local cpu=$1; shift
  if ((pin && ncpu > 1)); then taskset -c "$cpu" "$@"; else "$@"; fi
}
# In the background (spawn … &): exec, so that $! is the server's own pid and kill reaches it.
spawn() {
  local cpu=$1; shift
  if ((pin && ncpu > 1)); then exec taskset -c "$cpu" "$@"; else exec "$@"; fi
}

# Ports: a block of ten starting at a free one.
base=$((20000 + ($$ % 400) * 50))
while ss -Htln | awk '{print $4}' | grep -qE ":($base|$((base + 1))|$((base + 2))|$((base + 3))|$((base + 4)))\$"; do
  base=$((base + 10))
done
port_up=$base port_nginx=$((base + 1)) port_haproxy=$((base + 2))

wait_for() { # wait_for <what> <command...>: up to 10 s
  local what=$1; shift
  for _ in $(seq 1 1000); do "$@" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "bench: $what did not come up; see $work" >&2
  exit 1
}
wait_port_file() { wait_for "$1" test -s "$2"; cat "$2"; }

ok200() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$@")" = 200 ]; }

# ---- fixture ------------------------------------------------------------------------------

# The demo tenant's IDs from their one definition.
tenant=$(demo TenantId)
gateway_app=$(demo GatewayApp)
gateway_secret=$(demo GatewaySecret)
mcp_api_app=$(demo McpApiApp)
vscode_app=$(demo VsCodeClient)
for id in tenant gateway_app gateway_secret mcp_api_app vscode_app; do
  [ -n "${!id}" ] || { echo "run.sh: src/idp/demo_tenant.hpp defines no $id" >&2; exit 2; }
done

# The demo tenant plus one user per On-Behalf-Of miss (each request of that run is a new user).
"$mcpgate" idp print-config > "$work/idp-demo.yaml"
: > "$work/users.txt"
{
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [ "$line" = "    users:" ]; then
      for i in $(seq 1 $((users + 1))); do
        printf '      - {oid: 00000000-0000-4000-8000-%012d, upn: bench%d@contoso.dev, name: Bench %d}\n' "$i" "$i" "$i"
        echo "bench$i@contoso.dev" >> "$work/users.txt"
      done
    fi
  done < "$work/idp-demo.yaml"
} > "$work/idp.yaml"
spawn "$cpu_up" "$mcpgate" idp --config "$work/idp.yaml" --data-dir "$work/idp" --port 0 \
  --port-file "$work/idp.port" --threads 2 > "$work/idp.log" 2>&1 &
pids+=($!)
port_idp=$(wait_port_file "IdP" "$work/idp.port")
idp="http://127.0.0.1:$port_idp"
wait_for "IdP" ok200 "$idp/healthz"

scope="api://$gateway_app/Mcp.Gateway.Access"
head -n "$users" "$work/users.txt" > "$work/miss-users.txt"
tail -n 1 "$work/users.txt" > "$work/flight-user.txt"
echo alice@contoso.dev > "$work/alice.txt"
signin() { "$tools" sign-in --idp "$idp" --tenant "$tenant" --client-id "$vscode_app" --scope "$scope" \
             --users "$1" --out "$2" --workers 4 > /dev/null; }
signin "$work/alice.txt" "$work/alice.tok"
token=$(cat "$work/alice.tok")
# The same token with its signature's last characters changed: a full RS256 check that fails.
bad_token="${token%????}AAAA"
[ "$bad_token" != "$token" ] || bad_token="${token%????}BBBB"

issuer=$(curl -s "$idp/$tenant/v2.0/.well-known/openid-configuration" | jq -r .issuer)
curl -s "$idp/$tenant/discovery/v2.0/keys" | jq -r '.keys[0].x5c[0]' | fold -w 64 |
  { echo "-----BEGIN CERTIFICATE-----"; cat; echo "-----END CERTIFICATE-----"; } > "$work/idp-cert.pem"
openssl x509 -in "$work/idp-cert.pem" -pubkey -noout > "$work/idp-pubkey.pem"


mkdir -p "$work/nginx-up" "$work/nginx-proxy" "$work/haproxy"
cat > "$work/nginx-up/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx-up/nginx.pid;
error_log $work/nginx-up/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/nginx-up;
  server {
    listen 127.0.0.1:$port_up backlog=4096;
    location / { default_type application/json; return 200 '$answer'; }
  }
}
EOF
cat > "$work/nginx-proxy/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx-proxy/nginx.pid;
error_log $work/nginx-proxy/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/nginx-proxy;
  proxy_temp_path $work/nginx-proxy;
  upstream mcp { server 127.0.0.1:$port_up; keepalive 512; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$port_nginx backlog=4096;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
cat > "$work/haproxy/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s
  option http-keep-alive
  http-reuse always
frontend mcp
  bind 127.0.0.1:$port_haproxy
  http-request deny deny_status 401 unless { req.hdr(authorization) -m found }
  http-request set-var(txn.alg) http_auth_bearer,jwt_header_query('\$.alg')
  http-request set-var(txn.iss) http_auth_bearer,jwt_payload_query('\$.iss')
  http-request set-var(txn.aud) http_auth_bearer,jwt_payload_query('\$.aud')
  http-request set-var(txn.exp) http_auth_bearer,jwt_payload_query('\$.exp','int')
  http-request set-var(txn.now) date()
  http-request deny deny_status 401 unless { var(txn.alg) -m str RS256 }
  http-request deny deny_status 401 unless { var(txn.iss) -m str $issuer }
  http-request deny deny_status 401 unless { var(txn.aud) -m str $gateway_app }
  http-request deny deny_status 401 if { var(txn.exp),sub(txn.now) -m int lt 0 }
  http-request deny deny_status 401 unless { http_auth_bearer,jwt_verify(txn.alg,"$work/idp-pubkey.pem") -m int 1 }
  # A fixed stand-in for the exchanged token: HAProxy cannot do On-Behalf-Of.
  http-request set-header Authorization "Bearer obo-token-stand-in"
  default_backend upstream
backend upstream
  server up 127.0.0.1:$port_up maxconn 4096
EOF

spawn "$cpu_up" nginx -p "$work/nginx-up" -c "$work/nginx-up/nginx.conf" -g 'daemon off;' &
pids+=($!)
pid_up=$!
spawn "$cpu_up" "$tools" sse-upstream --port-file "$work/sse.port" --interval-ms 1000 > "$work/sse-upstream.log" 2>&1 &
pids+=($!)
pid_sse=$!
port_sse=$(wait_port_file "SSE upstream" "$work/sse.port")

gateway_yaml() { # gateway_yaml <port>
  cat <<EOF
listen: {host: 127.0.0.1, port: $1}
threads: ${GATEWAY_THREADS:-1}
public_url: http://127.0.0.1:$1
entra: {authority: '$idp', tenant_id: $tenant}
client: {client_id: $gateway_app, client_secret: '\${env:MCPGATE_BENCH_SECRET}'}
audit_log: '${GATEWAY_AUDIT:-off}'
limits: {idle_timeout: 300s, max_connections: 32768, max_connections_per_client: 32768}  # 10k streams from one address
routes:
  - prefix: /ctx
    upstream: 'http://127.0.0.1:$port_up'
    audiences: ['$gateway_app']
    scopes: [Mcp.Gateway.Access]
    obo_scope: api://$mcp_api_app/.default
  - prefix: /sse
    upstream: 'http://127.0.0.1:$port_sse'
    audiences: ['$gateway_app']
    scopes: [Mcp.Gateway.Access]
    obo_scope: api://$mcp_api_app/.default
EOF
}
export MCPGATE_BENCH_SECRET=$gateway_secret

# Start-up to ready: process start until /readyz answers 200 (signing keys fetched), then idle RSS.
gateway_yaml 0 > "$work/gateway-startup.yaml"
t0=$(date +%s%N)
spawn "$cpu_proxy" "$mcpgate" gateway --config "$work/gateway-startup.yaml" --port-file "$work/gw-startup.port" \
  > "$work/gateway-startup.log" 2>&1 &
pid_gs=$!
pids+=($pid_gs)
startup_ms=$("$tools" wait-ready --port-file "$work/gw-startup.port" --since-ns "$t0" | jq -r '.ready_ms | floor')
sleep 0.5
idle_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid_gs/status")
kill "$pid_gs"; wait "$pid_gs" 2>/dev/null || true

spawn "$cpu_proxy" nginx -p "$work/nginx-proxy" -c "$work/nginx-proxy/nginx.conf" -g 'daemon off;' &
pids+=($!)
pid_nginx=$!
spawn "$cpu_proxy" haproxy -db -f "$work/haproxy/haproxy.cfg" > "$work/haproxy/haproxy.log" 2>&1 &
pids+=($!)
pid_haproxy=$!
gateway_yaml 0 > "$work/gateway.yaml"
spawn "$cpu_proxy" "$mcpgate" gateway --config "$work/gateway.yaml" --port-file "$work/gw.port" > "$work/gateway.log" 2>&1 &
pids+=($!)
pid_gw=$!
port_gw=$(wait_port_file "gateway" "$work/gw.port")

wait_for "upstream nginx" ok200 "http://127.0.0.1:$port_up/mcp"
wait_for "proxy nginx" ok200 "http://127.0.0.1:$port_nginx/mcp"
wait_for "gateway" ok200 "http://127.0.0.1:$port_gw/readyz"
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}')
wait_for "HAProxy" ok200 "${auth[@]}" "http://127.0.0.1:$port_haproxy/mcp"
wait_for "gateway's first exchange" ok200 "${auth[@]}" "http://127.0.0.1:$port_gw/ctx/mcp"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bad_token" "http://127.0.0.1:$port_haproxy/mcp")" = 401 ] ||
  { echo "bench: HAProxy accepted a forged token; its configuration is wrong" >&2; exit 1; }

declare -A url=(
  [direct]="http://127.0.0.1:$port_up/mcp"
  [nginx]="http://127.0.0.1:$port_nginx/mcp"
  [haproxy]="http://127.0.0.1:$port_haproxy/mcp"
  [mcpgate]="http://127.0.0.1:$port_gw/ctx/mcp"
)
# The process(es) whose CPU time and memory a contender costs: the proxy itself (for direct,
# the upstream that all of them share).
declare -A who=([direct]=$pid_up [nginx]=$pid_nginx [haproxy]=$pid_haproxy [mcpgate]=$pid_gw)
family() { echo "$1"; pgrep -P "$1" || true; }
cpu_ticks() { local t=0 p; for p in $(family "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
rss_kib() { local t=0 p; for p in $(family "$1"); do t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $t; }
hz=$(getconf CLK_TCK)

results="$work/results.tsv"
printf 'contender\tconns\tround\trps\tp50_us\tp99_us\tp999_us\tcpu_s_per_10k\trss_kib\tnon2xx\terrors\n' > "$results"

run_wrk() { # run_wrk <contender> <conns> <round> <token>: one line into results.tsv
  local name=$1 conns=$2 round=$3 tok=$4 before after line
  before=$(cpu_ticks "${who[$name]}")
  line=$(TOKEN=$tok on "$cpu_load" wrk -t1 -c"$conns" -d"${seconds}s" --timeout 10s -s "$here/wrk.lua" "${url[$name]}" |
         grep '^RESULT') || { echo "bench: wrk failed against $name" >&2; exit 1; }
  after=$(cpu_ticks "${who[$name]}")
  echo "$line" | awk -v n="$name" -v c="$conns" -v r="$round" -v ticks=$((after - before)) -v hz="$hz" \
                     -v rss="$(rss_kib "${who[$name]}")" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      secs = v["duration_us"] / 1e6; rps = (v["requests"] - v["non2xx"]) / secs
      printf "%s\t%d\t%d\t%.0f\t%d\t%d\t%d\t%.3f\t%d\t%d\t%d\n", n, c, r, rps, v["p50_us"], v["p99_us"], v["p999_us"],
             (v["requests"] ? ticks / hz / v["requests"] * 10000 : 0), rss, v["non2xx"], v["errors"] }' >> "$results"
}

contenders=(direct nginx haproxy mcpgate)
echo "bench: $rounds round(s) x ${#contenders[@]} contenders x {32, 256} connections, ${seconds}s each" >&2
for round in $(seq 1 "$rounds"); do
  for conns in 32 256; do
    # Rotated each round so no contender always runs right after the same neighbour.
    for i in "${!contenders[@]}"; do
      name=${contenders[$(((i + round - 1) % ${#contenders[@]}))]}
      # Every contender gets the same bytes, bearer token included.
      run_wrk "$name" "$conns" "$round" "$token"
    done
  done
done

# ---- the invalid-token path ---------------------------------------------------------------

invalid_rps() { # invalid_rps <contender>: refusals per second with a forged signature
  TOKEN=$bad_token on "$cpu_load" wrk -t1 -c32 -d"${seconds}s" -s "$here/wrk.lua" "${url[$1]}" | grep '^RESULT' |
    awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.0f", v["non2xx"] / (v["duration_us"] / 1e6) }'
}
invalid_gw=$(invalid_rps mcpgate)
invalid_hap=$(invalid_rps haproxy)

# ---- On-Behalf-Of misses ------------------------------------------------------------------

signin "$work/miss-users.txt" "$work/miss.tok"
signin "$work/flight-user.txt" "$work/flight.tok"
miss=$(on "$cpu_load" "$tools" distinct-users --port "$port_gw" --path /ctx/mcp --tokens "$work/miss.tok" --concurrency 32)
on "$cpu_load" "$tools" same-user --port "$port_gw" --path /ctx/mcp --token "$(cat "$work/flight.tok")" --concurrency 32 > "$work/flight.json"
flight_oid=$(printf '00000000-0000-4000-8000-%012d' $((users + 1)))
flight_exchanges=$(curl -s "$idp/_dev/stats" | jq -r --arg k "$tenant/$flight_oid" '.on_behalf_of_by_user[$k] // 0')

# ---- SSE ----------------------------------------------------------------------------------

sse() { # sse <streams> <port> <path> [token]: one JSON line
  local extra=()
  [ -n "${4:-}" ] && extra=(--token "$4")
  on "$cpu_load" "$tools" sse-clients --port "$2" --path "$3" --streams "$1" --seconds "$sse_seconds" \
    --rss-pid "$pid_gw" "${extra[@]}" || true
}
# Freed memory mostly stays with the process, so every run's growth is taken from here.
rss_before_sse=$(rss_kib "$pid_gw")
sse_direct=$(sse "$sse_small" "$port_sse" /stream)
sleep 1
sse_gw_small=$(sse "$sse_small" "$port_gw" /sse/stream "$token")
sleep 2
sse_gw_large=$(sse "$sse_large" "$port_gw" /sse/stream "$token")

# ---- micro-benchmarks ---------------------------------------------------------------------

# Best of three for each micro-benchmark: on a shared machine the best run is the least disturbed.
"$micro" --benchmark_min_time="$micro_time" --benchmark_repetitions=3 --benchmark_format=json > "$work/micro.json" 2> /dev/null
# RS256 against OpenSSL's own verify rate: alternated on the same CPU, best of three each, so
# both see the same conditions and the comparison is limit against limit.
rsa_ours=() rsa_openssl=()
for _ in 1 2 3; do
  rsa_openssl+=("$(on "$cpu_proxy" openssl speed -seconds "$openssl_seconds" rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $7}')")
  rsa_ours+=("$(on "$cpu_proxy" "$micro" --benchmark_filter='^BM_Rs256Verify$' --benchmark_min_time="$openssl_seconds" \
                --benchmark_format=json 2> /dev/null | jq -r '.benchmarks[0].cpu_time')")
done
openssl_verify=$(printf '%s\n' "${rsa_openssl[@]}" | sort -n | tail -1)
rs256_best_ns=$(printf '%s\n' "${rsa_ours[@]}" | sort -n | head -1)

# ---- report -------------------------------------------------------------------------------

median() { sort -n | awk '{a[NR] = $1} END { if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { # col <contender> <conns> <column number>: median over rounds
  awk -F'\t' -v n="$1" -v c="$2" -v k="$3" 'NR > 1 && $1 == n && $2 == c { print $k }' "$results" | median
}

echo
echo "## Proxies side by side (median of $rounds rounds, ${seconds}s each, wrk -t1, POST tools/call, ~300-byte answer)"
echo
echo "| contender | conns | req/s | p50 ms | p99 ms | p99.9 ms | CPU s / 10k req | RSS MB | vs direct | vs HAProxy |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for conns in 32 256; do
  d=$(col direct "$conns" 4) h=$(col haproxy "$conns" 4)
  for name in "${contenders[@]}"; do
    r=$(col "$name" "$conns" 4)
    awk -v n="$name" -v c="$conns" -v r="$r" -v d="$d" -v h="$h" -v p50="$(col "$name" "$conns" 5)" \
        -v p99="$(col "$name" "$conns" 6)" -v p999="$(col "$name" "$conns" 7)" -v cpu="$(col "$name" "$conns" 8)" \
        -v rss="$(col "$name" "$conns" 9)" 'BEGIN {
      printf "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f |\n", n, c, r, p50 / 1000, p99 / 1000,
             p999 / 1000, cpu, rss / 1024, (d ? r / d : 0), (h ? r / h : 0) }'
  done
done
bad=$(awk -F'\t' 'NR > 1 && ($10 > 0 || $11 > 0) { print $1 "@" $2 " round " $3 ": " $10 " non-2xx, " $11 " socket errors" }' "$results")
[ -z "$bad" ] || { echo; echo "Errors during the runs:"; echo "$bad"; }

ns() { jq -r --arg n "$1" '[.benchmarks[] | select(.run_name == $n and .run_type == "iteration") | .cpu_time] | min // "-"' "$work/micro.json"; }
cold_ns=$(ns BM_VerifyTokenCold)
j() { echo "$1" | jq -r "$2"; }

echo
echo "## Paths other than the cached one"
echo
echo "| what | result |"
echo "|---|---|"
echo "| invalid token (forged signature), mcpgate 401/s @32 conns | $invalid_gw |"
echo "| invalid token (forged signature), HAProxy 401/s @32 conns | $invalid_hap |"
echo "| On-Behalf-Of miss (each request a new user), exchanges/s | $(j "$miss" '.per_second | floor') ($(j "$miss" '.ok')/$(j "$miss" '.requests') ok, p50 $(j "$miss" '.latency_p50_ms * 100 | floor / 100') ms, p99 $(j "$miss" '.latency_p99_ms * 100 | floor / 100') ms) |"
echo "| 32 concurrent first requests of one user → exchanges at the IdP | $flight_exchanges ($(jq -r .ok "$work/flight.json")/32 answered 200) |"
echo "| start-up to ready (keys fetched) | ${startup_ms} ms |"
echo "| idle RSS after start-up | $((idle_rss_kib / 1024)) MB |"

echo
echo "## SSE (one event per second per stream, ${sse_seconds}s measured)"
echo
echo "| path | streams | open | events/s | latency p50 ms | p99 ms | p99.9 ms | gateway RSS MB | RSS per stream KB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
sse_row() {
  echo "$2" | jq -r --arg p "$1" --argjson gw "$3" --argjson base "$rss_before_sse" '"| \($p) | \(.streams) | \(.open) | \(.events_per_second | floor) | " +
    "\(.latency_p50_us / 1000 * 1000 | floor / 1000) | \(.latency_p99_us / 1000 * 1000 | floor / 1000) | " +
    "\(.latency_p999_us / 1000 * 1000 | floor / 1000) | " +
    (if $gw then "\(.rss_open_kib / 1024 | floor) | \((.rss_open_kib - $base) / .streams | floor) |" else "- | - |" end)'
}
sse_row "direct to the SSE upstream" "$sse_direct" false
sse_row "through mcpgate" "$sse_gw_small" true
sse_row "through mcpgate" "$sse_gw_large" true
jq -rn --argjson d "$sse_direct" --argjson g "$sse_gw_small" '"\nAdded per event by the gateway at \($g.streams) streams (through mcpgate minus direct): " +
  "p50 \(($g.latency_p50_us - $d.latency_p50_us) / 1000 * 1000 | floor / 1000) ms, p99 \(($g.latency_p99_us - $d.latency_p99_us) / 1000 * 1000 | floor / 1000) ms"'

echo
echo "## Micro-benchmarks (ns per operation, best of 3)"
echo
echo "| benchmark | ns |"
echo "|---|---:|"
jq -r '[.benchmarks[] | select(.run_type == "iteration")] | group_by(.run_name) | sort_by(.[0].family_index, .[0].per_family_instance_index)[] |
  "| \(.[0].run_name) | \(map(.cpu_time) | min * 10 | floor / 10) |"' "$work/micro.json"
awk -v v="$openssl_verify" -v r="$rs256_best_ns" -v c="$cold_ns" 'BEGIN {
  if (v + 0 > 0 && r + 0 > 0) printf "\nopenssl speed rsa2048: %.0f verify/s; RS256 verify here: %.0f/s (%.0f%% of OpenSSL); whole cold token check: %.0f/s\n", v, 1e9 / r, 1e9 / r / v * 100, 1e9 / c }'
echo
echo "Machine: $(nproc) CPU(s), $(lscpu | sed -n 's/^Model name: *//p' | head -1); pinning: $( ((pin && ncpu > 1)) && echo "load generator + upstream on CPU $cpu_load, contender on CPU $cpu_proxy" || echo none)"
((keep)) && echo "Raw results: $work" >&2
exit 0
