#!/usr/bin/env bash
# Several gateways on one machine, as they would run on several: `mcpgate dev` provides the
# development IdP and the MCP server with its demo documentation; three more gateways share one
# Redis behind HAProxy (deploy/haproxy.cfg, as shipped). Alice and Bob then call query tools
# through HAProxy while one gateway is killed with SIGKILL, and the script reports what was lost,
# how often each user was exchanged at the IdP, and what Redis holds. Everything stays on loopback
# and stops when the script ends.
#   bash scripts/cluster.sh [--requests N]   (N per user, default 150)
# Exits 1 if more was lost than was in flight, or a user was exchanged more than once (ctest runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
requests=150
while (($#)); do
  case "$1" in
    --requests) requests=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PATH=$PATH:/usr/sbin
for tool in haproxy redis-server curl python3; do
  command -v "$tool" >/dev/null || { echo "cluster: $tool is missing; run: bash scripts/bootstrap.sh" >&2; exit 1; }
done
mcpgate=build/apps/mcpgate/mcpgate tools=build/bench/mcpgate_bench
[ -x "$mcpgate" ] && [ -x "$tools" ] || bash scripts/build.sh mcpgate mcpgate_bench
# shellcheck source=bench/common.sh
source bench/common.sh

start_work cluster

idp_port=$(free_port) server_port=$(free_port) dev_port=$(free_port) lb_port=$(free_port) stats_port=$(free_port)
echo "cluster: starting mcpgate dev (IdP :$idp_port, MCP server :$server_port), Redis, three gateways, HAProxy"
"$mcpgate" dev --data-dir "$work/dev" --corpus corpus/sources --idp-port "$idp_port" --server-port "$server_port" \
  --port "$dev_port" > "$work/dev.log" 2>&1 &
pids+=($!)
wait_for "mcpgate dev" curl -sf "http://127.0.0.1:$dev_port/readyz"
start_redis

# The dev gateway's configuration, as every gateway of the cluster would have it: the public URL is
# HAProxy's, and all of them share Redis and the session key.
head -c 32 /dev/urandom | base64 > "$work/token-key"
head -c 32 /dev/urandom | base64 > "$work/session-key"
gateway_ports=()
for i in 1 2 3; do
  port=$(free_port)
  gateway_ports+=("$port")
  sed -e "s|^public_url: .*|public_url: http://localhost:$lb_port|" \
    -e "s|^audit_log: .*|audit_log: '$work/audit-$i.jsonl'|" "$work/dev/config/gateway.yaml" > "$work/gateway-$i.yaml"
  cat >> "$work/gateway-$i.yaml" <<CONF
session_key: '\${file:$work/session-key}'
redis:
  url: redis://127.0.0.1:$port_redis
  token_keys:
    - id: k1
      secret: '\${file:$work/token-key}'
CONF
  "$mcpgate" gateway --config "$work/gateway-$i.yaml" --port "$port" > "$work/gateway-$i.log" 2>&1 &
  pids+=($!)
done
for port in "${gateway_ports[@]}"; do wait_for "gateway :$port" curl -sf "http://127.0.0.1:$port/readyz"; done
MCPGATE_LISTEN=127.0.0.1:$lb_port MCPGATE_HAPROXY_STATS=127.0.0.1:$stats_port \
  MCPGATE_GATEWAY1=127.0.0.1:${gateway_ports[0]} MCPGATE_GATEWAY2=127.0.0.1:${gateway_ports[1]} \
  MCPGATE_GATEWAY3=127.0.0.1:${gateway_ports[2]} haproxy -db -f deploy/haproxy.cfg > "$work/haproxy.log" 2>&1 &
pids+=($!)
wait_for "HAProxy" curl -sf "http://127.0.0.1:$lb_port/readyz"
victim_pid=${pids[2 + 1]}  # the second gateway: dev, redis, gateway 1, gateway 2

tenant=$(demo TenantId) gateway_app=$(demo GatewayApp) vscode_app=$(demo VsCodeClient)
printf 'alice@contoso.dev\nbob@contoso.dev\n' > "$work/users.txt"
"$tools" sign-in --idp "http://localhost:$idp_port" --tenant "$tenant" --client-id "$vscode_app" \
  --scope "api://$gateway_app/Mcp.Gateway.Access" --users "$work/users.txt" --out "$work/tokens.txt" > /dev/null
mapfile -t tokens < "$work/tokens.txt"

url="http://127.0.0.1:$lb_port/context7/mcp"
drive() { # drive <user> <token>: a session, then tools/call; one status per line in $work/<user>.txt
  local user=$1 token=$2 session i
  local headers=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  session=$(curl -s -D - -o /dev/null "${headers[@]}" --data \
    '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"cluster.sh","version":"1"}}}' \
    "$url" | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
  headers+=(-H "Mcp-Session-Id: $session" -H 'MCP-Protocol-Version: 2025-06-18')
  curl -s -o /dev/null "${headers[@]}" --data '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$url"
  for ((i = 1; i <= requests; i++)); do
    curl -s -o "$work/$user.last" -w '%{http_code}\n' "${headers[@]}" --data \
      "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"resolve-library-id\",\"arguments\":{\"query\":\"validate a schema\",\"libraryName\":\"zod\"}}}" \
      "$url" >> "$work/$user.txt"
  done
}
echo "cluster: Alice and Bob each send $requests tools/call through HAProxy; one gateway dies a third of the way"
: > "$work/alice.txt"; : > "$work/bob.txt"
drive alice "${tokens[0]}" &
alice=$!
drive bob "${tokens[1]}" &
bob=$!
while (($(cat "$work/alice.txt" "$work/bob.txt" | wc -l) < 2 * requests / 3)); do sleep 0.05; done
kill -9 "$victim_pid"
wait "$victim_pid" 2>/dev/null || true
echo "cluster: killed gateway 2 (SIGKILL) after $(cat "$work/alice.txt" "$work/bob.txt" | wc -l) requests"
wait "$alice" "$bob"

total=$((2 * requests))
ok=$(grep -c '^200$' "$work/alice.txt" "$work/bob.txt" | awk -F: '{s += $2} END {print s}')
if ((ok == total)); then
  echo "cluster: all $total requests answered 200 (none was in flight on the killed gateway at that moment)"
else
  echo "cluster: $ok of $total requests answered 200; the others were in flight on the killed gateway:"
fi
sort "$work/alice.txt" "$work/bob.txt" | uniq -c | sed 's/^/  HTTP /'
exchanges=$(curl -s "http://localhost:$idp_port/_dev/stats" | python3 -c '
import json, sys
stats = json.load(sys.stdin).get("on_behalf_of_by_user", {})
print("cluster: On-Behalf-Of exchanges at the IdP, per user, for the whole cluster (the dev gateway included):")
for user, n in sorted(stats.items()):
    print("  ", user, n)
print("most", max(stats.values(), default=0))')
echo "$exchanges" | grep -v '^most '
most=$(echo "$exchanges" | sed -n 's/^most //p')
echo "cluster: Redis holds $(redis-cli -p "$port_redis" --scan --pattern 'mcpgate:obo:*' 2>/dev/null | wc -l) sealed tokens (redis-cli: GET shows ciphertext only)"
echo "cluster: Alice's last answer began: $(grep -o '"text":"[^"]\{0,160\}' "$work/alice.last" | head -1)"
# What the cluster promises: at most one request per user lost (each had one in flight when the
# gateway died), and one exchange per user whichever gateways served them.
if ((total - ok > 2 || most != 1)); then
  echo "cluster: FAILED: $((total - ok)) requests lost (at most 2 expected), $most exchanges for one user (1 expected)" >&2
  exit 1
fi
