# Shared by the benchmark scripts (sourced, with $root set to the checkout).

# The demo tenant's IDs from their one definition: demo TenantId, demo GatewayApp, ...
demo() { sed -n "s/^inline constexpr const char\* k$1 = \"\(.*\)\";$/\1/p" "$root/src/idp/demo_tenant.hpp"; }

# ~300 bytes: an MCP tools/call result as a documentation server answers it.
answer='{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Available libraries: /boostorg/asio (Boost.Asio, asynchronous I/O for C++, trust score 9.1, 1204 snippets); /chriskohlhoff/asio (standalone Asio, 871 snippets). Pick one ID and call get-library-docs."}],"isError":false}}'

# A work directory for the script's files and the processes it starts ($pids), all stopped and
# removed when the script ends. `name` prefixes the directory and the script's messages.
start_work() { # start_work <name>
  name=$1
  work=$(mktemp -d "/tmp/mcpgate-$name.XXXXXX")
  pids=()
  trap stop_work EXIT
}
stop_work() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
wait_for() { # wait_for <what> <command...>: polls every 10 ms, up to $wait_seconds (default 60)
  local what=$1; shift
  for _ in $(seq 1 $((${wait_seconds:-60} * 100))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "$name: $what did not come up; its files are kept in $work" >&2
  trap - EXIT
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nginx answering every request with $answer, on $port_up (set here).
start_upstream_nginx() {
  port_up=$(free_port)
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
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
}

# redis-server on loopback with nothing saved, on $port_redis (set here).
start_redis() {
  port_redis=$(free_port)
  redis-server --port "$port_redis" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
  pids+=($!)
  wait_for "Redis" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port_redis"
}

# PostgreSQL 15 on loopback in $work/pg, with password sign-in for user mcpgate and a database
# mcpgate: sets $port_pg and $pg_url (no password in it) and writes the password to
# $work/pg-password. As root it runs as the postgres user: PostgreSQL refuses to run as root.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin as=()
  [ -x "$bin/postgres" ] || { echo "$name: PostgreSQL 15 is missing; run: bash scripts/bootstrap.sh" >&2; exit 1; }
  port_pg=$(free_port)
  mkdir -p "$work/pg"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$work/pg-password"
  if ((EUID == 0)); then
    chmod 711 "$work"
    chown postgres: "$work/pg" "$work/pg-password"
    as=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
  fi
  "${as[@]}" "$bin/initdb" -D "$work/pg/data" -U mcpgate --auth=scram-sha-256 --pwfile="$work/pg-password" \
    -E UTF8 --locale=C.UTF-8 --no-sync > "$work/initdb.log" 2>&1
  "${as[@]}" "$bin/postgres" -D "$work/pg/data" -p "$port_pg" -k "$work/pg" -c listen_addresses=127.0.0.1 \
    -c shared_buffers=32MB > "$work/postgres.log" 2>&1 &
  pids+=($!)
  wait_for "PostgreSQL" "$bin/pg_isready" -q -h 127.0.0.1 -p "$port_pg"
  PGPASSWORD=$(cat "$work/pg-password") psql -q -h 127.0.0.1 -p "$port_pg" -U mcpgate -d postgres \
    -c 'CREATE DATABASE mcpgate' > /dev/null
  pg_url="postgres://mcpgate@127.0.0.1:$port_pg/mcpgate"
}

# A benchmark gateway's configuration: one thread, route /ctx to the nginx on $port_up for the demo
# tenant at $idp; with <redis> 1 it shares the Redis on $port_redis, with <limit> 1 its route has a
# per-user rate limit no request reaches.
write_gateway_yaml() { # write_gateway_yaml <file> <redis 0|1> <limit 0|1>
  local shared="" limit=""
  export MCPGATE_BENCH_SECRET MCPGATE_BENCH_TOKEN_KEY=bench-sealing-key-of-thirty-two-characters
  MCPGATE_BENCH_SECRET=$(demo GatewaySecret)
  (($2)) && shared="redis: {url: 'redis://127.0.0.1:$port_redis', token_keys: [{id: k1, secret: '\${env:MCPGATE_BENCH_TOKEN_KEY}'}]}"
  (($3)) && limit="    rate_limit: {requests: 1000000000, per: 1s}"
  cat > "$1" <<CONF
listen: {host: 127.0.0.1, port: 0}
threads: 1
public_url: http://127.0.0.1
entra: {authority: '$idp', tenant_id: $(demo TenantId)}
client: {client_id: $(demo GatewayApp), client_secret: '\${env:MCPGATE_BENCH_SECRET}'}
audit_log: 'off'
$shared
routes:
  - prefix: /ctx
    upstream: 'http://127.0.0.1:$port_up'
    audiences: ['$(demo GatewayApp)']
    scopes: [Mcp.Gateway.Access]
    obo_scope: api://$(demo McpApiApp)/.default
$limit
CONF
}
