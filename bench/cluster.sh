#!/usr/bin/env bash
# Throughput of gateways sharing one Redis, alone and behind HAProxy (deploy/haproxy.cfg as
# shipped), in one run on loopback, against an nginx upstream answering a ~300-byte MCP result:
#   local          wrk → one gateway, its own cache (no Redis)
#   redis          wrk → one gateway with Redis (a cached request is served from the gateway's own
#                  cache in front of Redis, so it should match "local")
#   local+limit    as local, with a per-user rate limit no request reaches (counted in the process)
#   redis+limit    as redis, the limit counted in Redis (one script call per request)
#   haproxy→1      wrk → HAProxy → the same gateway three times over
#   haproxy→3      wrk → HAProxy → three gateways sharing Redis
# Everything runs on this machine's cores together, so the ratios say what each layer costs here;
# they are not a prediction for separate machines.
#   bench/cluster.sh [--seconds S] [--connections C] [--mcpgate BIN] [--tools BIN]
# Prints one Markdown table. Exit code 77 when nginx, haproxy, redis-server or wrk is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/common.sh
source "$here/common.sh"
seconds=10 connections=32 mcpgate="$root/build/apps/mcpgate/mcpgate" tools="$root/build/bench/mcpgate_bench"
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --connections) connections=$2; shift ;;
    --mcpgate) mcpgate=$2; shift ;;
    --tools) tools=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PATH=$PATH:/usr/sbin
for tool in nginx haproxy redis-server wrk curl; do
  command -v "$tool" >/dev/null || { echo "cluster: $tool is not installed (bash scripts/bootstrap.sh installs it)" >&2; exit 77; }
done

start_work cluster-bench

tenant=$(demo TenantId) gateway_app=$(demo GatewayApp) vscode_app=$(demo VsCodeClient)

"$mcpgate" idp --data-dir "$work/idp" --port 0 --port-file "$work/idp.port" > "$work/idp.log" 2>&1 &
pids+=($!)
wait_for "IdP" test -s "$work/idp.port"
idp="http://127.0.0.1:$(cat "$work/idp.port")"

start_upstream_nginx
start_redis

gateway() { # gateway <name> <shared 0|1> <limit 0|1>: starts one, prints its port
  local name=$1
  write_gateway_yaml "$work/$name.yaml" "$2" "$3"
  "$mcpgate" gateway --config "$work/$name.yaml" --port 0 --port-file "$work/$name.port" > "$work/$name.log" 2>&1 &
  pids+=($!)
  wait_for "gateway $name" test -s "$work/$name.port"
  wait_for "gateway $name keys" curl -sf "http://127.0.0.1:$(cat "$work/$name.port")/readyz"
}
gateway local 0 0
gateway redis 1 0
gateway local_limit 0 1
gateway redis_limit 1 1
gateway second 1 0
gateway third 1 0
port_of() { cat "$work/$1.port"; }

haproxy_on() { # haproxy_on <name> <gateway port> <gateway port> <gateway port>: starts one, prints its port
  local front stats
  front=$(free_port) stats=$(free_port)
  MCPGATE_LISTEN=127.0.0.1:$front MCPGATE_HAPROXY_STATS=127.0.0.1:$stats MCPGATE_GATEWAY1=127.0.0.1:$2 \
    MCPGATE_GATEWAY2=127.0.0.1:$3 MCPGATE_GATEWAY3=127.0.0.1:$4 \
    haproxy -db -f "$root/deploy/haproxy.cfg" > "$work/haproxy-$1.log" 2>&1 &
  pids+=($!)
  wait_for "haproxy $1" curl -sf "http://127.0.0.1:$front/readyz"
  echo "$front"
}
lb_one=$(haproxy_on one "$(port_of redis)" "$(port_of redis)" "$(port_of redis)")
lb_three=$(haproxy_on three "$(port_of redis)" "$(port_of second)" "$(port_of third)")

echo alice@contoso.dev > "$work/alice.txt"
"$tools" sign-in --idp "$idp" --tenant "$tenant" --client-id "$vscode_app" --scope "api://$gateway_app/Mcp.Gateway.Access" \
  --users "$work/alice.txt" --out "$work/alice.tok" > /dev/null
export TOKEN=$(cat "$work/alice.tok")

measure() { # measure <label> <port>: one table row
  local line
  # Warm-up: keys, the exchange (one per gateway; the others take it from Redis), the pools.
  for _ in 1 2 3 4 5 6; do curl -sf -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' --data '{"jsonrpc":"2.0","id":1,"method":"ping"}' "http://127.0.0.1:$2/ctx/mcp"; done
  line=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/wrk.lua" "http://127.0.0.1:$2/ctx/mcp" | grep '^RESULT')
  awk -v label="$1" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %s | %.0f | %.2f | %.2f | %d |\n", label, v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"] + v["errors"]
  }' <<< "$line"
}
echo "| contender ($connections connections, ${seconds} s each) | requests/s | p50 ms | p99 ms | failed |"
echo "|---|---|---|---|---|"
measure local "$(port_of local)"
measure redis "$(port_of redis)"
measure local+limit "$(port_of local_limit)"
measure redis+limit "$(port_of redis_limit)"
measure "haproxy→1" "$lb_one"
measure "haproxy→3" "$lb_three"
curl -sf "$idp/_dev/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("On-Behalf-Of exchanges at the IdP:", s.get("on_behalf_of_by_user"))'
