#!/usr/bin/env bash
# Which I/O choice makes a TCP reply cheap at a fixed pipelined rate on loopback?
# Configuration C of bench/run.sh (server pinned to core 0, `dnsperf -m tcp -c 20 -q 100
# -Q RATE` on core 1), run against Knot, mcns-dns, and bench/tcp_pattern (an echo server
# with no DNS work) in Knot's and mcns-dns's I/O patterns with Nagle on and off. For each:
# the server's CPU over a fixed window, wakeup interrupts arriving on the client's core per
# query (perf, when present), and dnsperf's latency. Interleaved rounds, medians.
#
#   bench/tcp_pattern.sh [BIN_DIR]     (default build/bin: mcns-dns, tcp_pattern)
# Environment: MCNS_BENCH_ROUNDS [3], MCNS_BENCH_TCP_RATE [20000], MCNS_BENCH_OUT [bench/out].
# Everything listens on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
bin_dir=${1:-$repo/build/bin}
out=${MCNS_BENCH_OUT:-$repo/bench/out}
rounds=${MCNS_BENCH_ROUNDS:-3}
rate=${MCNS_BENCH_TCP_RATE:-20000}
window=10
data="$out/data"
work="$out/tcp_pattern"
for tool in dnsperf knotd kdig taskset; do
  command -v "$tool" >/dev/null || { echo "tcp_pattern: $tool missing (deploy/scripts/install-deps.sh --bench)" >&2; exit 2; }
done
mkdir -p "$data" "$work"
[[ -f "$data/queries-seed.txt" ]] || /usr/bin/python3 "$repo/bench/gen_zones.py" "$data" 100000 >/dev/null
queries="$data/queries-seed.txt"

declare -A pid port
cleanup() { local s; for s in "${!pid[@]}"; do kill "${pid[$s]}" 2>/dev/null || true; done; }
trap cleanup EXIT

base=$((20000 + RANDOM % 20000))
next_port() {  # port[$1] = a port no TCP or UDP socket holds
  base=$((base + 1))
  while [[ -n "$(ss -Htuan "( sport = :$base )")" ]]; do base=$((base + 1)); done
  port[$1]=$base
}
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" | cut -c1) != Z ]]; }

next_port knot
cat > "$work/knot.conf" <<EOF
server:
    rundir: $work
    listen: 127.0.0.1@${port[knot]}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: $work
template:
  - id: default
    storage: $work
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: svc.mcp.metacircular.net
    file: $data/seed.svc.zone
  - domain: mcp.metacircular.net
    file: $data/seed.mcp.zone
EOF
taskset -c 0 knotd -c "$work/knot.conf" >"$work/knot.log" 2>&1 &
pid[knot]=$!

next_port mcns
one_worker_config "${port[mcns]}" "$data" > "$work/mcns-dns.toml"
taskset -c 0 "$bin_dir/mcns-dns" server --config "$work/mcns-dns.toml" >"$work/mcns.log" 2>&1 &
pid[mcns]=$!

# The probe variants: name -> "pattern [nagle]".
declare -A variant=([one+nagle]="one nagle" [one]="one" [all+nagle]="all nagle" [all]="all")
for s in "${!variant[@]}"; do
  next_port "$s"
  # shellcheck disable=SC2086
  taskset -c 0 "$bin_dir/tcp_pattern" "${port[$s]}" ${variant[$s]} >"$work/$s.log" 2>&1 &
  pid[$s]=$!
done
servers=(knot mcns one+nagle one all+nagle all)

for s in "${servers[@]}"; do  # ready: a TCP answer with QR set (bounded, 30 s)
  for _ in $(seq 1 300); do
    answer=$(kdig +tcp +time=1 +retry=0 @127.0.0.1 -p "${port[$s]}" mcr.svc.mcp.metacircular.net A 2>/dev/null || true)
    [[ ${answer,,} == *"flags: qr"* ]] && break
    alive "${pid[$s]}" || { echo "tcp_pattern: $s exited (see $work/$s.log)" >&2; exit 1; }
    sleep 0.1
  done
done

declare -A runs

measure() {  # server
  local s=$1 log="$work/dnsperf.log" t0 t1 dp
  taskset -c 1 dnsperf -s 127.0.0.1 -p "${port[$s]}" -d "$queries" -m tcp -c 20 -q 100 -Q "$rate" -l $((window + 4)) >"$log" 2>&1 &
  dp=$!
  sleep 3
  t0=$(cpu_ticks "${pid[$s]}")
  if command -v perf >/dev/null; then
    # A wakeup of a thread on another core is an interrupt to that core: "reschedule"
    # when the core is busy, "call function single" (the wake list) when it is idle.
    perf stat -a -C 1 -x, -e irq_vectors:reschedule_entry,irq_vectors:call_function_single_entry \
      -o "$work/perf.txt" sleep "$window" >/dev/null 2>&1 || sleep "$window"
    add_run "$s,ipi" "$(awk -F, -v n=$((rate * window)) '/_entry/ {c += $1} END {printf "%.3f", c / n}' "$work/perf.txt")"
  else
    sleep "$window"
  fi
  t1=$(cpu_ticks "${pid[$s]}")
  wait "$dp" || true
  add_run "$s,cpu" "$(awk -v t=$((t1 - t0)) -v w="$window" 'BEGIN {printf "%.1f", t / w}')"
  add_run "$s,qps" "$(awk '/Queries per second:/ {print int($4); exit}' "$log")"
  add_run "$s,avg" "$(latency_ms avg "$log")"
  add_run "$s,max" "$(latency_ms max "$log")"
}

for r in $(seq 1 "$rounds"); do
  n=${#servers[@]}
  for k in $(seq 0 $((n - 1))); do measure "${servers[$(( (k + r - 1) % n ))]}"; done
  echo "tcp_pattern: round $r of $rounds done" >&2
done

echo "TCP at a fixed ${rate} qps, pinned (server core 0, dnsperf -m tcp -c 20 -q 100 on core 1), medians of ${rounds} interleaved rounds, ${window} s CPU windows; $(date -u +%FT%RZ)"
echo
echo "| server | I/O pattern | Nagle | server CPU | wakeup interrupts on the client's core / query | latency avg (ms) | latency max (ms) | qps |"
echo "|---|---|---|---|---|---|---|---|"
describe() {
  case $1 in
    knot) echo "Knot $(knotd --version | awk '{print $NF}') | one message per pass, recv(2) + recv(length) | on" ;;
    mcns) echo "mcns-dns | all that arrived, one send | off" ;;
    one+nagle) echo "tcp_pattern | one message per pass, recv(2) + recv(length) | on" ;;
    one) echo "tcp_pattern | one message per pass, recv(2) + recv(length) | off" ;;
    all+nagle) echo "tcp_pattern | all that arrived, one send | on" ;;
    all) echo "tcp_pattern | all that arrived, one send | off" ;;
  esac
}
for s in "${servers[@]}"; do
  echo "| $(describe "$s") | $(med "$s,cpu")% | $(med "$s,ipi") | $(med "$s,avg") | $(med "$s,max") | $(med "$s,qps") |"
done
