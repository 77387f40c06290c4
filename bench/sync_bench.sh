#!/usr/bin/env bash
# Sync benchmarks (SPEC section 12), printed as a Markdown section on stdout:
#  1. propagation: REST writes at 200/s into a zone of 100,000 names (A + AAAA, 10,000
#     CNAMEs) while two frontends follow; time from each call returning to both
#     frontends answering the new name (bench/propagation.py);
#  2. full resync: a frontend started against a control holding 1,000,000 more records;
#     time from its start to /readyz 200.
# Everything runs on 127.0.0.1 with free ports, under bench/out/sync.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${MCNS_BIN_DIR:-$repo/build/bin}
out=${MCNS_BENCH_OUT:-$repo/bench/out}/sync
writes=${MCNS_BENCH_WRITES:-2000}
rate=${MCNS_BENCH_WRITE_RATE:-200}
resync_names=${MCNS_BENCH_RESYNC_NAMES:-500000}   # x2 records (A + AAAA)
rm -rf "$out"; mkdir -p "$out/certs" "$out/f1" "$out/f2"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "sync-bench: $*" >&2; }

free_port() {
  /usr/bin/python3 "$repo/tests/integration/harness/free_port.py"
}
now_ms() { date +%s%3N; }

# --- TLS, tokens, configs --------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$out/certs/ca.key" -out "$out/certs/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$out/certs/key.pem" -out "$out/certs/csr.pem" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$out/certs/ext.cnf"
openssl x509 -req -in "$out/certs/csr.pem" -CA "$out/certs/ca.pem" -CAkey "$out/certs/ca.key" -CAcreateserial \
  -days 2 -extfile "$out/certs/ext.cnf" -out "$out/certs/cert.pem" 2>/dev/null
admin_token=$(openssl rand -hex 24); dns_token=$(openssl rand -hex 24)
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat > "$out/tokens.toml" <<TOML
[[token]]
sha256 = "$(sha "$admin_token")"
username = "admin"
roles = ["admin"]
account = "human"
[[token]]
sha256 = "$(sha "$dns_token")"
username = "mcns-dns"
roles = []
account = "system"
TOML
chmod 600 "$out/tokens.toml"
printf '%s\n' "$dns_token" > "$out/dns.token"
rest_port=$(free_port); grpc_port=$(free_port)
cat > "$out/control.toml" <<TOML
[server]
listen_addr = "127.0.0.1:$rest_port"
grpc_addr = "127.0.0.1:$grpc_port"
tls_cert = "$out/certs/cert.pem"
tls_key = "$out/certs/key.pem"
[database]
path = "$out/mcns.db"
[auth]
mode = "local"
local_tokens_file = "$out/tokens.toml"
[metrics]
listen_addr = "127.0.0.1:0"
[log]
level = "warn"
TOML
frontend_config() {  # dir dns-port metrics-port
  cat > "$1/mcns-dns.toml" <<TOML
[dns]
listen = ["127.0.0.1:$2"]
threads = 2
[control]
grpc_addr = "localhost:$grpc_port"
ca_cert = "$out/certs/ca.pem"
token_file = "$out/dns.token"
[metrics]
listen_addr = "127.0.0.1:$3"
[log]
level = "info"
[process]
allow_root = true  # the bench may run as root (CI); mcns-dns refuses root otherwise
TOML
}
start_frontend() {  # dir; sets last_pid
  "$bin_dir/mcns-dns" server --config "$1/mcns-dns.toml" >"$1/log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}
wait_ready() {  # metrics-port -> waits (bounded 120 s)
  for _ in $(seq 1 12000); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" == 200 ]] && return 0
    sleep 0.01
  done
  log "frontend on metrics port $1 not ready after 120 s"; return 1
}

# --- data --------------------------------------------------------------------------------
/usr/bin/python3 "$repo/bench/gen_zones.py" "$out/data" 100000 >/dev/null
"$bin_dir/mcns-control" migrate --config "$out/control.toml" >/dev/null 2>&1
t0=$(now_ms)
"$bin_dir/mcns-control" import --config "$out/control.toml" --zone bench.mcns.test "$out/data/big.zone" >/dev/null 2>&1
log "imported the 100,000-name zone in $(( $(now_ms) - t0 )) ms"

start_control() {
  "$bin_dir/mcns-control" server --config "$out/control.toml" >>"$out/control.log" 2>&1 &
  control_pid=$!
  pids+=("$control_pid")
  for _ in $(seq 1 3000); do
    curl -s --cacert "$out/certs/ca.pem" -o /dev/null "https://localhost:$rest_port/v1/health" && return 0
    sleep 0.01
  done
}
start_control

d1=$(free_port); m1=$(free_port); d2=$(free_port); m2=$(free_port)
frontend_config "$out/f1" "$d1" "$m1"; frontend_config "$out/f2" "$d2" "$m2"
start_frontend "$out/f1"; f1_pid=$last_pid
start_frontend "$out/f2"; f2_pid=$last_pid
wait_ready "$m1"; wait_ready "$m2"

# --- 1. propagation -----------------------------------------------------------------------
log "propagation: $writes writes at $rate/s with two frontends"
prop=$(/usr/bin/python3 "$repo/bench/propagation.py" --rest "localhost:$rest_port" --ca "$out/certs/ca.pem" \
  --token "$admin_token" --zone bench.mcns.test --dns "127.0.0.1:$d1" --dns "127.0.0.1:$d2" \
  --count "$writes" --rate "$rate")
log "propagation: $prop"
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$prop" "$1"; }

# --- 2. full resync of 1,000,000 records --------------------------------------------------
/usr/bin/python3 - "$out/data/resync.zone" "$resync_names" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("$ORIGIN resync.mcns.test.\n$TTL 300\n")
    f.write("@ 300 IN SOA ns.mcp.metacircular.net. admin.metacircular.net. 2026112901 3600 600 86400 300\n")
    f.write("@ 300 IN NS ns.mcp.metacircular.net.\n")
    for i in range(n):
        f.write(f"n{i} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        f.write(f"n{i} IN AAAA fd01::{(i >> 16) & 0xffff:x}:{i & 0xffff:x}\n")
PY
# Both frontends stop first, so that no follower is applying the one-change import of
# 1M records while the resync is timed.
kill "$f1_pid" "$f2_pid"; wait "$f1_pid" "$f2_pid" 2>/dev/null || true
t0=$(now_ms)
"$bin_dir/mcns-control" import --config "$out/control.toml" --zone resync.mcns.test "$out/data/resync.zone" >/dev/null 2>&1
log "imported $((resync_names * 2)) records in $(( $(now_ms) - t0 )) ms"
# A fresh control (its caches cold, the import not yet streamed anywhere): the resync
# below is then exactly "a frontend with nothing gets everything".
kill "$control_pid"; wait "$control_pid" 2>/dev/null || true
start_control
total_records=$(( resync_names * 2 + 210000 + 14 + writes ))
t0=$(now_ms)
start_frontend "$out/f1"
wait_ready "$m1"
resync_ms=$(( $(now_ms) - t0 ))
applied=$(grep -o 'snapshot at version [0-9]* applied: [0-9]* records in [0-9]* ms' "$out/f1/log" | tail -1)
rss=$(awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$last_pid/status")
log "resync: ready after $resync_ms ms ($applied), RSS $rss MiB"

cat <<MD
## Sync (bench/sync_bench.sh)

| measurement | result |
|---|---|
| propagation, REST call returned → answered by both frontends ($(field count) writes at $(field rate)/s, 100,000-name zone loaded) | p50 $(field p50_ms) ms, p90 $(field p90_ms) ms, p99 $(field p99_ms) ms, max $(field max_ms) ms |
| full resync of a frontend: process start → /readyz 200 (about $total_records records, $((resync_names * 2)) of them in one zone) | $resync_ms ms |
| of which receiving and applying the snapshot (frontend log) | ${applied#snapshot at version } |
| frontend RSS holding those records | $rss MiB |

MD
