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

start_work instructions

tenant=$(demo TenantId) gateway_app=$(demo GatewayApp) vscode_app=$(demo VsCodeClient)

"$mcpgate" idp --data-dir "$work/idp" --port 0 --port-file "$work/idp.port" > "$work/idp.log" 2>&1 &
pids+=($!)
wait_for "IdP" test -s "$work/idp.port"
idp="http://127.0.0.1:$(cat "$work/idp.port")"

start_upstream_nginx

if ((redis)); then
  command -v redis-server >/dev/null || { echo "instructions: redis-server is not installed" >&2; exit 77; }
  start_redis
fi
write_gateway_yaml "$work/gateway.yaml" "$redis" "$rate_limit"
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
