#!/usr/bin/env bash
# Zone transfer out of mcns-control against Knot DNS serving the same zone to the same
# client (SPEC 13): the 100,000-name bench zone (A + AAAA each, 10,000 CNAMEs, about
# 210,000 records), AXFR with TSIG by kdig, median of MCNS_BENCH_REPEAT runs (default 3),
# and each server's peak resident memory (VmHWM) after the transfers.
# Everything listens on 127.0.0.1 only. Writes bench/out/xfr.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${MCNS_BIN_DIR:-$repo/build/bin}
out=${MCNS_BENCH_OUT:-$repo/bench/out}
repeat=${MCNS_BENCH_REPEAT:-3}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
export PATH="$PATH:/usr/sbin"
mkdir -p "$out"
free_port() { /usr/bin/python3 "$repo/tests/integration/harness/free_port.py"; }
secret=$(openssl rand -base64 32)
key="hmac-sha256:xfr.bench:$secret"
zone=bench.mcns.test

/usr/bin/python3 "$repo/bench/gen_zones.py" "$work" 100000 >/dev/null
records=$(grep -vc '^\$' "$work/big.zone")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Seconds for one AXFR of $zone from 127.0.0.1:$1, and the record count received.
axfr() {
  local start end n
  start=$(date +%s.%N)
  n=$(kdig @127.0.0.1 -p "$1" +time=60 -y "$key" AXFR "$zone" | grep -vc '^;;\|TSIG\|^$')
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc | awk '{printf "%.3f", $1}') $n"
}
hwm_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# --- mcns-control ----------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=localhost >/dev/null 2>&1
printf '[[token]]\nsha256 = "%s"\nusername = "admin"\nroles = ["admin"]\n' \
  "$(printf x | sha256sum | cut -d' ' -f1)" > "$work/tokens.toml"
chmod 600 "$work/tokens.toml"
dns_port=$(free_port)
cat > "$work/control.toml" <<TOML
[server]
listen_addr = "127.0.0.1:$(free_port)"
grpc_addr = "127.0.0.1:$(free_port)"
tls_cert = "$work/cert.pem"
tls_key = "$work/key.pem"
[database]
path = "$work/mcns.db"
[auth]
mode = "local"
local_tokens_file = "$work/tokens.toml"
[metrics]
listen_addr = ""
[dns]
listen = ["127.0.0.1:$dns_port"]
[[tsig]]
name = "xfr.bench"
secret = "$secret"
allow = ["transfer"]
zones = ["*"]
TOML
"$bin_dir/mcns-control" import --config "$work/control.toml" --zone "$zone" "$work/big.zone" >/dev/null
"$bin_dir/mcns-control" server --config "$work/control.toml" 2>"$work/control.log" &
pids+=($!)
control_pid=$!
for _ in $(seq 100); do kdig @127.0.0.1 -p "$dns_port" +time=1 SOA "$zone" 2>/dev/null | grep -q 'status: NOERROR' && break; sleep 0.1; done
mcns_rss_before=$(hwm_mib "$control_pid")
mcns_times=()
for _ in $(seq "$repeat"); do read -r t n < <(axfr "$dns_port"); mcns_times+=("$t"); mcns_n=$n; done
mcns_rss=$(hwm_mib "$control_pid")

# --- Knot DNS --------------------------------------------------------------------------
knot_port=$(free_port)
mkdir -p "$work/knot"
cat > "$work/knot/knot.conf" <<CONF
server:
  rundir: "$work/knot"
  listen: 127.0.0.1@$knot_port
database:
  storage: "$work/knot"
key:
  - id: xfr.bench
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: transfer
    address: 127.0.0.1
    key: xfr.bench
    action: transfer
zone:
  - domain: $zone
    file: "$work/big.zone"
    acl: transfer
    zonefile-sync: -1
CONF
knotd -c "$work/knot/knot.conf" 2>"$work/knot.log" &
pids+=($!)
knot_pid=$!
for _ in $(seq 300); do kdig @127.0.0.1 -p "$knot_port" +time=1 SOA "$zone" 2>/dev/null | grep -q 'flags: qr aa' && break; sleep 0.1; done
knot_rss_before=$(hwm_mib "$knot_pid")
knot_times=()
for _ in $(seq "$repeat"); do read -r t n < <(axfr "$knot_port"); knot_times+=("$t"); knot_n=$n; done
knot_rss=$(hwm_mib "$knot_pid")

mcns_t=$(printf '%s\n' "${mcns_times[@]}" | median)
knot_t=$(printf '%s\n' "${knot_times[@]}" | median)
{
  echo "| server | AXFR of $zone ($records zone-file lines), median of $repeat | records received | peak RSS before / after the transfers (MiB) |"
  echo "|---|---|---|---|"
  echo "| mcns-control | ${mcns_t} s (runs: ${mcns_times[*]}) | $mcns_n | $mcns_rss_before / $mcns_rss |"
  echo "| Knot DNS $(knotd --version | awk '{print $NF}') | ${knot_t} s (runs: ${knot_times[*]}) | $knot_n | $knot_rss_before / $knot_rss |"
} | tee "$out/xfr.md"
