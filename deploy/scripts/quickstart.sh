#!/usr/bin/env bash
# `make run`: one mcns-control with a fresh database seeded with the platform zones and
# one mcns-dns following it on 127.0.0.1:10053, local-token auth, self-signed TLS made on
# first start under .run/ (git-ignored). Ctrl-C stops both cleanly.
#
# Environment (all optional):
#   MCNS_RUN_DIR        state directory            (default: <repo>/.run)
#   MCNS_BIN_DIR        where the binaries are     (default: <repo>/build/bin)
#   MCNS_RUN_DNS_PORT   DNS port on 127.0.0.1      (default: 10053)
#   MCNS_RUN_REST_PORT  REST port                  (default: 8443)
#   MCNS_RUN_GRPC_PORT  gRPC port                  (default: 9443)
#   MCNS_RUN_CONTROL_METRICS_PORT / MCNS_RUN_DNS_METRICS_PORT (default: 9154 / 9153)
#   MCNS_RUN_UPSTREAMS  comma-separated resolvers for names outside the zones
#                       (default: none, forwarding off)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
run_dir=${MCNS_RUN_DIR:-$repo/.run}
bin_dir=${MCNS_BIN_DIR:-$repo/build/bin}
dns_port=${MCNS_RUN_DNS_PORT:-10053}
rest_port=${MCNS_RUN_REST_PORT:-8443}
grpc_port=${MCNS_RUN_GRPC_PORT:-9443}
control_metrics_port=${MCNS_RUN_CONTROL_METRICS_PORT:-9154}
dns_metrics_port=${MCNS_RUN_DNS_METRICS_PORT:-9153}
upstreams=${MCNS_RUN_UPSTREAMS:-}

for b in mcns-control mcns-dns; do
  [[ -x "$bin_dir/$b" ]] || { echo "quickstart: $bin_dir/$b is missing; run 'make build'" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "quickstart: openssl is missing (make deps)" >&2; exit 2; }

umask 077
mkdir -p "$run_dir/certs" "$run_dir/logs"

# --- first start: TLS (a local CA and a server certificate for localhost) ---------------
if [[ ! -s "$run_dir/certs/cert.pem" ]]; then
  echo "quickstart: making a self-signed CA and a TLS certificate for localhost in $run_dir/certs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=MCNS local CA" -keyout "$run_dir/certs/ca.key" -out "$run_dir/certs/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$run_dir/certs/key.pem" -out "$run_dir/certs/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n' > "$run_dir/certs/ext.cnf"
  openssl x509 -req -in "$run_dir/certs/server.csr" -CA "$run_dir/certs/ca.pem" -CAkey "$run_dir/certs/ca.key" \
    -CAcreateserial -days 825 -extfile "$run_dir/certs/ext.cnf" -out "$run_dir/certs/cert.pem" 2>/dev/null
  rm -f "$run_dir/certs/server.csr" "$run_dir/certs/ext.cnf"
fi

# --- first start: tokens (only their SHA-256 goes into the tokens file) -----------------
if [[ ! -s "$run_dir/tokens.toml" ]]; then
  openssl rand -hex 32 > "$run_dir/admin.token"
  openssl rand -hex 32 > "$run_dir/mcns-dns.token"
  sha() { printf %s "$(cat "$1")" | sha256sum | cut -d' ' -f1; }
  cat > "$run_dir/tokens.toml" <<TOML
# Local tokens for make run: SHA-256 of each token, never the token itself.
[[token]]
sha256   = "$(sha "$run_dir/admin.token")"
username = "admin"
roles    = ["admin"]
account  = "human"

[[token]]
sha256   = "$(sha "$run_dir/mcns-dns.token")"
username = "mcns-dns"
roles    = []
account  = "system"
TOML
  chmod 600 "$run_dir/tokens.toml" "$run_dir/admin.token" "$run_dir/mcns-dns.token"
fi

# --- configs (rewritten on every start so that port overrides apply) --------------------
cat > "$run_dir/mcns-control.toml" <<TOML
[server]
listen_addr = "127.0.0.1:$rest_port"
grpc_addr   = "127.0.0.1:$grpc_port"
tls_cert    = "$run_dir/certs/cert.pem"
tls_key     = "$run_dir/certs/key.pem"
[database]
path = "$run_dir/mcns.db"
[auth]
mode = "local"
local_tokens_file = "$run_dir/tokens.toml"
record_admins = ["mcp-agent"]
[sync]
allowed_accounts = ["mcns-dns"]
[metrics]
listen_addr = "127.0.0.1:$control_metrics_port"
[log]
level = "info"
TOML

upstream_list=""
if [[ -n "$upstreams" ]]; then
  upstream_list=$(printf '"%s",' ${upstreams//,/ }); upstream_list=${upstream_list%,}
fi
cat > "$run_dir/mcns-dns.toml" <<TOML
[dns]
listen  = ["127.0.0.1:$dns_port"]
threads = 0
[control]
grpc_addr  = "localhost:$grpc_port"
ca_cert    = "$run_dir/certs/ca.pem"
token_file = "$run_dir/mcns-dns.token"
[forward]
upstreams = [$upstream_list]
allow     = ["127.0.0.0/8", "::1/128"]
[metrics]
listen_addr = "127.0.0.1:$dns_metrics_port"
[log]
level = "info"
[process]
# A local try-out on a high port: when started as root (CI, a container) it may keep root.
allow_root = true
TOML

# --- start ------------------------------------------------------------------------------
pids=()
stop() {
  trap - INT TERM
  echo
  echo "quickstart: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  local rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  echo "quickstart: stopped"
  exit $rc
}
trap stop INT TERM

# Waits until `curl` of URL succeeds (bounded: 30 s), or a started process died.
wait_http() {
  local url=$1 what=$2
  for _ in $(seq 1 300); do
    if curl -fsS --cacert "$run_dir/certs/ca.pem" -o /dev/null "$url" 2>/dev/null; then return 0; fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "quickstart: $what exited; see $run_dir/logs" >&2; stop; }
    done
    sleep 0.1
  done
  echo "quickstart: $what did not become ready in 30 s; see $run_dir/logs" >&2
  stop
}

# The log tees ignore SIGINT/SIGTERM: on Ctrl-C they must outlive the servers so that
# the drain messages are still written (they end when the servers close the pipe).
"$bin_dir/mcns-control" server --config "$run_dir/mcns-control.toml" \
  > >(trap '' INT TERM; exec tee -a "$run_dir/logs/mcns-control.log") 2>&1 &
pids+=($!)
wait_http "https://localhost:$rest_port/v1/health" mcns-control

"$bin_dir/mcns-dns" server --config "$run_dir/mcns-dns.toml" \
  > >(trap '' INT TERM; exec tee -a "$run_dir/logs/mcns-dns.log") 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$dns_metrics_port/readyz" mcns-dns

token=$(cat "$run_dir/admin.token")
cat <<TXT

MCNS is running (Ctrl-C stops it). Admin token: $token

Web UI: https://localhost:$rest_port/  (sign in with the admin token above; the browser
  warns about the self-signed certificate: trust $run_dir/certs/ca.pem or accept it once)

Ask the frontend:
  dig @127.0.0.1 -p $dns_port metacrypt.svc.mcp.metacircular.net A
  kdig @127.0.0.1 -p $dns_port +tcp rift.mcp.metacircular.net A

List zones:
  curl --cacert $run_dir/certs/ca.pem -H "Authorization: Bearer $token" https://localhost:$rest_port/v1/zones
  MCNS_SERVER=localhost:$grpc_port MCNS_CA_CERT=$run_dir/certs/ca.pem MCNS_TOKEN=$token $bin_dir/mcnsctl zones ls

Add a record (answered by the frontend a few milliseconds later):
  curl --cacert $run_dir/certs/ca.pem -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d '{"name":"hello","type":"A","value":"127.0.0.42","ttl":300}' https://localhost:$rest_port/v1/zones/svc.mcp.metacircular.net/records
  MCNS_SERVER=localhost:$grpc_port MCNS_CA_CERT=$run_dir/certs/ca.pem MCNS_TOKEN=$token $bin_dir/mcnsctl records add svc.mcp.metacircular.net hello A 127.0.0.42

Watch every change as it is committed:
  MCNS_SERVER=localhost:$grpc_port MCNS_CA_CERT=$run_dir/certs/ca.pem MCNS_TOKEN=$token $bin_dir/mcnsctl watch

Metrics: http://127.0.0.1:$control_metrics_port/metrics (control), http://127.0.0.1:$dns_metrics_port/metrics (frontend)
Logs:    $run_dir/logs/
TXT

# Wait for either process; if one dies on its own, stop the other.
set +e
wait -n "${pids[@]}"
echo "quickstart: a process exited unexpectedly; see $run_dir/logs" >&2
stop
