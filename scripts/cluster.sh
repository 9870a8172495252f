#!/usr/bin/env bash
# A cluster on one machine, as it would run on several: a development IdP whose tenant has
# $users developers (the demo tenant and more); PostgreSQL holding the store and the documentation
# index of two MCP servers; three gateways sharing one Redis behind HAProxy (deploy/haproxy.cfg, as
# shipped), each routing to both servers (`mcpgate dev` only writes the starting configuration).
# Every developer opens a session and calls tools/list and tools/call through HAProxy, and an admin
# adds users through server 1, while one gateway and server 1 are killed with SIGKILL; a new
# library is indexed through server 1's configuration. The script reports what was lost, whether every acknowledged admin write
# survived, whether server 2 serves the new library, and how often each user was exchanged at the
# IdP. Everything stays on loopback and stops when the script ends.
#   bash scripts/cluster.sh [--requests N] [--users U]   (N requests per user, default 150; U users, default 12)
# Exits 1 if more was lost than was in flight, an acknowledged write is missing, server 2 does not
# serve the new library, or a user was exchanged more than once (ctest runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
requests=150 users=12
while (($#)); do
  case "$1" in
    --requests) requests=$2; shift ;;
    --users) users=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PATH=$PATH:/usr/sbin
for tool in haproxy redis-server curl python3 psql; do
  command -v "$tool" >/dev/null || { echo "cluster: $tool is missing; run: bash scripts/bootstrap.sh" >&2; exit 1; }
done
mcpgate=build/apps/mcpgate/mcpgate tools=build/bench/mcpgate_bench
[ -x "$mcpgate" ] && [ -x "$tools" ] || bash scripts/build.sh mcpgate mcpgate_bench
# shellcheck source=bench/common.sh
source bench/common.sh

start_work cluster

dev_idp_port=$(free_port) dev_server_port=$(free_port) dev_port=$(free_port) lb_port=$(free_port) stats_port=$(free_port)
echo "cluster: starting an IdP with $users developers, PostgreSQL, Redis, two MCP servers, three gateways, HAProxy"
"$mcpgate" dev --data-dir "$work/dev" --corpus corpus/sources --idp-port "$dev_idp_port" --server-port "$dev_server_port" \
  --port "$dev_port" > "$work/dev.log" 2>&1 &
pids+=($!)
wait_for "mcpgate dev" curl -sf "http://127.0.0.1:$dev_port/readyz"
start_redis
start_postgres

# The demo tenant with more developers: dev01@contoso.dev, dev02@… beside alice and bob.
idp_port=$(free_port)
"$mcpgate" idp print-config > "$work/demo-idp.yaml"
python3 - "$work/demo-idp.yaml" "$work/idp.yaml" "$users" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
people = config["tenants"][0]["users"]
for n in range(1, int(sys.argv[3]) - 1):
    people.append({"oid": f"9f3b2a1c-7d4e-4f60-8a1b-{n:012x}", "upn": f"dev{n:02d}@contoso.dev", "name": f"Developer {n}"})
yaml.safe_dump(config, open(sys.argv[2], "w"), sort_keys=False)
PY
"$mcpgate" idp --config "$work/idp.yaml" --data-dir "$work/idp" --port "$idp_port" > "$work/idp.log" 2>&1 &
pids+=($!)
wait_for "the IdP" curl -sf "http://127.0.0.1:$idp_port/healthz"
python3 -c 'import sys, yaml
for u in yaml.safe_load(open(sys.argv[1]))["tenants"][0]["users"]:
    if u["upn"] not in ("carol@contoso.dev", "dave@contoso.dev"): print(u["upn"], u["oid"])' "$work/idp.yaml" > "$work/people.txt"
cut -d' ' -f1 "$work/people.txt" > "$work/users.txt"

# Two servers as dev configures its own, but on PostgreSQL: the store and the index they share.
head -c 32 /dev/urandom | base64 | tr -d '/+=' > "$work/admin-token"
admin_token=$(cat "$work/admin-token")
server_ports=()
for i in 1 2; do
  port=$(free_port)
  server_ports+=("$port")
  sed -e "s|^listen: .*|listen: {host: 127.0.0.1, port: $port}|" -e "s|^public_url: .*|public_url: http://127.0.0.1:$port|" \
    -e "s|^data_dir: .*|data_dir: '$work/server-$i'|" -e "s|localhost:$dev_idp_port|localhost:$idp_port|" \
    "$work/dev/config/server.yaml" > "$work/server-$i.yaml"
  cat >> "$work/server-$i.yaml" <<CONF
store:
  url: $pg_url
  password: '\${file:$work/pg-password}'
admin:
  token: '\${file:$work/admin-token}'
CONF
done
# The demo corpus, indexed once through server 1's configuration: server 2 never reads it.
"$mcpgate" index --config "$work/server-1.yaml" add --manifest corpus/sources/libraries.yaml > "$work/index.log" 2>&1 ||
  { echo "cluster: indexing failed:" >&2; tail "$work/index.log" >&2; exit 1; }
server_pids=()
for i in 1 2; do
  "$mcpgate" server --config "$work/server-$i.yaml" > "$work/server-$i.log" 2>&1 &
  pids+=($!)
  server_pids+=($!)
done
for port in "${server_ports[@]}"; do wait_for "server :$port" curl -sf "http://127.0.0.1:$port/readyz"; done

admin() { # admin <server 1|2> <method> <path> [json]: prints the HTTP status
  local base="http://127.0.0.1:${server_ports[$1 - 1]}/admin/v1"
  curl -s -o "$work/admin.last" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $admin_token" \
    -H 'Content-Type: application/json' ${4:+--data "$4"} "$base$3" || true
}
tenant=$(demo TenantId) gateway_app=$(demo GatewayApp) vscode_app=$(demo VsCodeClient)
[ "$(admin 1 POST /teamspaces '{"name":"contoso","plan":"enterprise"}')" = 201 ]
[ "$(admin 2 PUT /teamspaces/contoso/entra "{\"tenant_id\":\"$tenant\",\"audience\":\"$(demo McpApiApp)\",\"required_scope\":\"mcp.access\"}")" = 200 ]
n=0
while read -r upn oid; do # provisioned through both servers, alternately
  [ "$(admin $((n % 2 + 1)) POST /teamspaces/contoso/users "{\"email\":\"$upn\",\"oid\":\"$oid\"}")" = 201 ]
  n=$((n + 1))
done < "$work/people.txt"
[ "$(admin 1 POST /teamspaces/contoso/api-keys '{"name":"checks"}')" = 201 ]
api_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$work/admin.last")

# Every gateway as dev configures its own, with HAProxy's public URL, one Redis, one session key
# and both servers behind its route.
head -c 32 /dev/urandom | base64 > "$work/token-key"
head -c 32 /dev/urandom | base64 > "$work/session-key"
gateway_ports=() gateway_pids=()
for i in 1 2 3; do
  port=$(free_port)
  gateway_ports+=("$port")
  sed -e "s|^public_url: .*|public_url: http://localhost:$lb_port|" \
    -e "s|^audit_log: .*|audit_log: '$work/audit-$i.jsonl'|" \
    -e "s|^    upstream: .*|    upstream: [http://127.0.0.1:${server_ports[0]}, http://127.0.0.1:${server_ports[1]}]|" \
    -e "s|localhost:$dev_idp_port|localhost:$idp_port|" \
    "$work/dev/config/gateway.yaml" > "$work/gateway-$i.yaml"
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
  gateway_pids+=($!)
done
for port in "${gateway_ports[@]}"; do wait_for "gateway :$port" curl -sf "http://127.0.0.1:$port/readyz"; done
MCPGATE_LISTEN=127.0.0.1:$lb_port MCPGATE_HAPROXY_STATS=127.0.0.1:$stats_port \
  MCPGATE_GATEWAY1=127.0.0.1:${gateway_ports[0]} MCPGATE_GATEWAY2=127.0.0.1:${gateway_ports[1]} \
  MCPGATE_GATEWAY3=127.0.0.1:${gateway_ports[2]} haproxy -db -f deploy/haproxy.cfg > "$work/haproxy.log" 2>&1 &
pids+=($!)
wait_for "HAProxy" curl -sf "http://127.0.0.1:$lb_port/readyz"

"$tools" sign-in --idp "http://localhost:$idp_port" --tenant "$tenant" --client-id "$vscode_app" \
  --scope "api://$gateway_app/Mcp.Gateway.Access" --users "$work/users.txt" --out "$work/tokens.txt" > /dev/null
mapfile -t tokens < "$work/tokens.txt"

url="http://127.0.0.1:$lb_port/context7/mcp"
drive() { # drive <user> <token>: a session, then tools/list and tools/call; one status per line in $work/<user>.txt
  local user=$1 token=$2 session i status
  local base=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  local headers=()
  open_session() { # as MCP clients do after a 404: a new session
    session=$(curl -s -D - -o /dev/null "${base[@]}" --data \
      '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"cluster.sh","version":"1"}}}' \
      "$url" | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
    headers=("${base[@]}" -H "Mcp-Session-Id: $session" -H 'MCP-Protocol-Version: 2025-06-18')
    curl -s -o /dev/null "${headers[@]}" --data '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$url"
  }
  open_session
  for ((i = 1; i <= requests; i++)); do
    call() { # every tenth request lists the tools; the others call one
      local body="{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"resolve-library-id\",\"arguments\":{\"query\":\"validate a schema\",\"libraryName\":\"zod\"}}}"
      ((i % 10 != 5)) || body="{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/list\"}"
      curl -s -o "$work/$user.last" -w '%{http_code}' "${headers[@]}" --data "$body" "$url" || echo 000
    }
    status=$(call)
    if [ "$status" = 404 ]; then # its server died: the session went with it
      echo "$user" >> "$work/sessions-restarted.txt"
      open_session
      status=$(call)
    fi
    echo "$status" >> "$work/$user.txt"
  done
}
# The admin's writes through server 1, until it dies: each acknowledged one is a line.
add_users() {
  local n=0
  while [ "$(admin 1 POST /teamspaces/contoso/users "{\"email\":\"staff$n@contoso.dev\",\"oid\":\"$(printf '30000000-0000-4000-8000-%012x' "$n")\"}")" = 201 ]; do
    echo "staff$n@contoso.dev" >> "$work/acknowledged.txt"
    n=$((n + 1))
  done
}

echo "cluster: $users developers each send $requests requests through HAProxy, an admin adds users through server 1;"
echo "cluster: a gateway and server 1 die a third of the way"
: > "$work/acknowledged.txt"; : > "$work/sessions-restarted.txt"
mapfile -t people < "$work/users.txt"
drivers=()
for i in "${!people[@]}"; do
  : > "$work/${people[$i]}.txt"
  drive "${people[$i]}" "${tokens[$i]}" &
  drivers+=($!)
done
statuses() { # every status so far, one per line
  local person
  for person in "${people[@]}"; do cat "$work/$person.txt"; done
}
add_users &
writer=$!
# A new library, indexed through server 1's configuration while all of this runs.
mkdir -p "$work/fresh"
printf '# Fresh notes\n\nThe cluster indexed this library while serving.\n\n## Rotate keys\n\nRotate the token keys every 90 days.\n' \
  > "$work/fresh/README.md"
"$mcpgate" index --config "$work/server-1.yaml" add "$work/fresh" --id /cluster/fresh-notes > "$work/index-fresh.log" 2>&1
indexed_at=$(date +%s%N)
fresh=0
for _ in $(seq 1 400); do # up to 20 s
  if curl -s -H "Authorization: Bearer $api_key" \
    "http://127.0.0.1:${server_ports[1]}/api/v2/libs/search?libraryName=fresh-notes&query=rotate" | grep -q /cluster/fresh-notes; then
    fresh=1
    break
  fi
  sleep 0.05
done
fresh_ms=$((($(date +%s%N) - indexed_at) / 1000000))
total=$((users * requests))
while (($(statuses | wc -l) < total / 3)); do sleep 0.05; done
kill -9 "${gateway_pids[1]}" "${server_pids[0]}"
wait "${gateway_pids[1]}" "${server_pids[0]}" 2>/dev/null || true
echo "cluster: killed gateway 2 and server 1 (SIGKILL) after $(statuses | wc -l) requests" \
  "and $(wc -l < "$work/acknowledged.txt") acknowledged admin writes"
wait "${drivers[@]}"
wait "$writer" || true

ok=$(statuses | grep -c '^200$' || true)
if ((ok == total)); then
  echo "cluster: all $total requests answered 200 (none was in flight on the killed processes at that moment)"
else
  echo "cluster: $ok of $total requests answered 200; the others were in flight on the killed processes:"
fi
statuses | sort | uniq -c | sed 's/^/  HTTP /'
echo "cluster: sessions started again after their server died: $(wc -l < "$work/sessions-restarted.txt")"

# Every admin write server 1 acknowledged is served by server 2.
[ "$(admin 2 GET /teamspaces/contoso/users.csv)" = 200 ]
acknowledged=$(wc -l < "$work/acknowledged.txt")
missing=$(grep -cvxFf <(cut -d, -f1 "$work/admin.last" | tr -d '"') "$work/acknowledged.txt" || true)
echo "cluster: $acknowledged admin writes acknowledged by server 1 before it died; missing on server 2: $missing"

echo "cluster: server 2 serves /cluster/fresh-notes, indexed through server 1's configuration:" \
  "$( ((fresh)) && echo "yes, ${fresh_ms} ms after the index command returned" || echo NO)"

exchanges=$(curl -s "http://localhost:$idp_port/_dev/stats" | python3 -c '
import json, sys
stats = json.load(sys.stdin).get("on_behalf_of_by_user", {})
print("cluster: On-Behalf-Of exchanges at the IdP, per user, for the whole cluster:")
for user, n in sorted(stats.items()):
    print("  ", user, n)
print("most", max(stats.values(), default=0))')
echo "$exchanges" | grep -v '^most '
most=$(echo "$exchanges" | sed -n 's/^most //p')
echo "cluster: Redis holds $(redis-cli -p "$port_redis" --scan --pattern 'mcpgate:obo:*' 2>/dev/null | wc -l) sealed tokens (redis-cli: GET shows ciphertext only)"
echo "cluster: Alice's last answer began: $(grep -o '"text":"[^"]\{0,160\}' "$work/alice@contoso.dev.last" | head -1)"
# What the cluster promises: at most the requests in flight on the killed processes lost (each
# user had at most one on the gateway and one on the server), no acknowledged write lost, the new
# library served by the other server, and one exchange per user whichever gateways served them.
exchanged=$(echo "$exchanges" | grep -c '^   ' || true)
if ((total - ok > 2 * users || missing != 0 || fresh != 1 || most != 1 || exchanged != users)); then
  echo "cluster: FAILED: $((total - ok)) requests lost (at most $((2 * users)) expected)," \
    "$missing acknowledged writes missing, $exchanged of $users users exchanged," \
    "fresh library served by server 2: $fresh, $most exchanges for one user (1 expected)" >&2
  exit 1
fi
