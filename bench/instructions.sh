#!/usr/bin/env bash
# Instructions per cached request through the gateway, counted by callgrind: a figure that does
# not move with what else the machine is doing, so one change to the hot path can be judged on a
# busy machine (BENCHMARKS.md reports it beside the wall-clock runs of bench/run.sh).
#
# The gateway runs under valgrind --tool=callgrind with one thread, in front of an nginx that
# answers a ~300-byte MCP result, against the development IdP. After warm-up (keys fetched, the
# On-Behalf-Of token cached, the token verified once), the counters are zeroed, N POSTs go
# through one keep-alive connection, and the gateway's instructions are divided by N. Kernel
# work (system calls) is not counted.
#
#   bench/instructions.sh [--requests N] [--mcpgate BIN] [--tools BIN] [--keep DIR] [--redis] [--rate-limit]
# --keep copies callgrind's output to DIR, for callgrind_annotate.
# --redis gives the gateway a Redis of its own (redis-server on loopback), as a cluster's gateways
# have; --rate-limit gives the route a per-user limit no request reaches (counted in Redis with
# --redis, in the process without).
# Prints one line of JSON: {"requests":N,"instructions_per_request":I,"total_instructions":T}
# Exit code 77 when valgrind, nginx or curl is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/common.sh
source "$here/common.sh"
requests=2000 mcpgate="$root/build/apps/mcpgate/mcpgate" tools="$root/build/bench/mcpgate_bench" keep="" redis=0 rate_limit=0
while (($#)); do
  case "$1" in
    --requests) requests=$2; shift ;;
    --mcpgate) mcpgate=$2; shift ;;
    --tools) tools=$2; shift ;;
    --keep) keep=$2; shift ;;
    --redis) redis=1 ;;
    --rate-limit) rate_limit=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PATH=$PATH:/usr/sbin
for tool in valgrind callgrind_control nginx curl; do
  command -v "$tool" >/dev/null || { echo "instructions: $tool is not installed (bash scripts/bootstrap.sh installs it)" >&2; exit 77; }
done
for bin in "$mcpgate" "$tools"; do
  [ -x "$bin" ] || { echo "instructions: $bin is not built" >&2; exit 1; }
done

work=$(mktemp -d /tmp/mcpgate-instructions.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() { # wait_for <what> <command...>: polls, up to 60 s (valgrind starts slowly)
  local what=$1; shift
  for _ in $(seq 1 6000); do "$@" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "instructions: $what did not come up; see $work" >&2
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

tenant=$(demo TenantId) gateway_app=$(demo GatewayApp) mcp_api_app=$(demo McpApiApp) vscode_app=$(demo VsCodeClient)
export MCPGATE_BENCH_SECRET=$(demo GatewaySecret)

"$mcpgate" idp --data-dir "$work/idp" --port 0 --port-file "$work/idp.port" > "$work/idp.log" 2>&1 &
pids+=($!)
wait_for "IdP" test -s "$work/idp.port"
idp="http://127.0.0.1:$(cat "$work/idp.port")"

port_up=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $work/nginx;
  server { listen 127.0.0.1:$port_up; location / { default_type application/json; return 200 '$answer'; } }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" > "$work/nginx.log" 2>&1 &
pids+=($!)
wait_for "nginx" curl -sf "http://127.0.0.1:$port_up/"

shared=""
if ((redis)); then
  command -v redis-server >/dev/null || { echo "instructions: redis-server is not installed" >&2; exit 77; }
  port_redis=$(free_port)
  redis-server --port "$port_redis" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
  pids+=($!)
  wait_for "redis" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port_redis"
  export MCPGATE_BENCH_TOKEN_KEY=bench-sealing-key-of-thirty-two-characters
  shared="redis: {url: 'redis://127.0.0.1:$port_redis', token_keys: [{id: k1, secret: '\${env:MCPGATE_BENCH_TOKEN_KEY}'}]}"
fi
limit=""
((rate_limit)) && limit="    rate_limit: {requests: 1000000000, per: 1s}"

cat > "$work/gateway.yaml" <<CONF
listen: {host: 127.0.0.1, port: 0}
threads: 1
public_url: http://127.0.0.1
entra: {authority: '$idp', tenant_id: $tenant}
client: {client_id: $gateway_app, client_secret: '\${env:MCPGATE_BENCH_SECRET}'}
audit_log: 'off'
$shared
routes:
  - prefix: /ctx
    upstream: 'http://127.0.0.1:$port_up'
    audiences: ['$gateway_app']
    scopes: [Mcp.Gateway.Access]
    obo_scope: api://$mcp_api_app/.default
$limit
CONF
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" \
  "$mcpgate" gateway --config "$work/gateway.yaml" --port 0 --port-file "$work/gateway.port" > "$work/gateway.log" 2>&1 &
gateway_pid=$!
pids+=($gateway_pid)
wait_for "gateway" test -s "$work/gateway.port"
gateway="http://127.0.0.1:$(cat "$work/gateway.port")"
wait_for "gateway keys" curl -sf "$gateway/readyz"

echo alice@contoso.dev > "$work/alice.txt"
"$tools" sign-in --idp "$idp" --tenant "$tenant" --client-id "$vscode_app" --scope "api://$gateway_app/Mcp.Gateway.Access" \
  --users "$work/alice.txt" --out "$work/alice.tok" > /dev/null
token=$(cat "$work/alice.tok")
body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"resolve-library-id","arguments":{"libraryName":"asio"}}}'
post() { # post <count>: that many POSTs on one keep-alive connection (curl's URL globbing)
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' --data "$body" "$gateway/ctx/mcp#[1-$1]"
}
post 20  # warm-up: keys, the exchange, the verified-token cache, the pooled upstream connection

callgrind_control -z "$gateway_pid" > /dev/null 2>&1
post "$requests"
callgrind_control -d "$gateway_pid" > /dev/null 2>&1
total=$(grep -h '^summary:' "$work"/callgrind.out.* | tail -1 | awk '{print $2}')
[ -n "$total" ] || { echo "instructions: callgrind wrote no summary; see $work" >&2; exit 1; }
if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$work"/callgrind.out.* "$keep"/; fi
echo "{\"requests\":$requests,\"instructions_per_request\":$((total / requests)),\"total_instructions\":$total}"
