#!/usr/bin/env bash
# `make bench`: authoritative DNS throughput, CPU at a fixed rate and resident memory of
# mcns-dns, Knot DNS and NSD, side by side in one run on this machine, with the same zone
# files, the same query files, the same load generator (dnsperf) and equal thread counts.
# Then the sync benchmarks (propagation and resync) when bench/sync_bench is built.
#
# Configurations (docs/PERFORMANCE.md shows them side by side):
#   A. every server with MCNS_BENCH_THREADS workers, unpinned, dnsperf -c 8 -T 1 -q 256:
#      max qps, CPU at MCNS_BENCH_RATE, RSS/PSS; plus mcns-dns with one thread (scaling)
#      and a forwarding mcns-dns (cache hits);
#   B. one worker pinned to core 0 (taskset), dnsperf on core 1 with -c 20 -q 100: max
#      qps, then CPU over a fixed MCNS_BENCH_PIN_WINDOW-second window at MCNS_BENCH_RATE;
#   C. (seed zones, configuration B) TCP: 20 persistent pipelined connections (max qps,
#      CPU at MCNS_BENCH_TCP_RATE) and one query per connection (max qps);
#   D. forwarding-cache hits against authoritative answers in A, B and C;
#   E. mcns-dns max qps with 1 and MCNS_BENCH_THREADS threads.
# All servers of a configuration run at once on their own ports and the rounds
# interleave them; CPU windows start after MCNS_BENCH_WARMUP seconds of load; medians
# with the spread (min–max) of the rounds are reported. With perf installed, system calls
# and context switches per query are counted apart (not in the CPU windows).
#
# Environment: MCNS_BENCH_SECONDS (max-qps runs and the A/C CPU windows, default 10),
# MCNS_BENCH_REPEAT (interleaved rounds, default 3), MCNS_BENCH_THREADS (server threads in
# A, default 2), MCNS_BENCH_RATE (UDP fixed rate, default 50000), MCNS_BENCH_TCP_RATE
# (default 20000), MCNS_BENCH_PIN_WINDOW (default 20), MCNS_BENCH_WARMUP (default 3),
# MCNS_BENCH_OUT (default bench/out), MCNS_BIN_DIR (default build/bin), MCNS_BENCH_ONLY
# ("auth" or "sync"; or "rrl": only the optional SPEC 16 comparison — CPU per query with
# RRL + DNS Cookies off and on, for mcns-dns and for Knot with mod-rrl + mod-cookies;
# never part of the default run).
# Everything listens on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
bin_dir=${MCNS_BIN_DIR:-$repo/build/bin}
out=${MCNS_BENCH_OUT:-$repo/bench/out}
seconds=${MCNS_BENCH_SECONDS:-10}
threads=${MCNS_BENCH_THREADS:-2}
rate=${MCNS_BENCH_RATE:-50000}
only=${MCNS_BENCH_ONLY:-}
servers=${MCNS_BENCH_SERVERS:-mcns knot nsd}
repeat=${MCNS_BENCH_REPEAT:-3}
port=0
# Optional extras, empty by default (MCNS_BENCH_ONLY=rrl sets them): lines for mcns-dns's
# [dns] section, and Knot module sections plus the template's global-module value.
mcns_dns_extra=""
mcns_extra_sections=""  # whole TOML sections (the forwarding instance's [forward])
pin=""                  # "taskset -c 0" for the pinned configuration
knot_modules=""
knot_global_module=""
# A free loopback port (TCP and UDP) for the next server.
pick_port() {
  port=$(/usr/bin/python3 "$repo/tests/integration/harness/free_port.py")
}
data="$out/data"
results="$out/results.md"
mkdir -p "$out" "$data"
export PATH="$PATH:/usr/sbin"

for tool in dnsperf knotd nsd kdig; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (deploy/scripts/install-deps.sh --bench)" >&2; exit 2; }
done

server_pid=""
declare -A ipid iport  # the interleaved harness: instance -> pid, port
upstream_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  local i
  for i in "${!ipid[@]}"; do kill "${ipid[$i]}" 2>/dev/null; wait "${ipid[$i]}" 2>/dev/null; done
  [[ -n "$upstream_pid" ]] && kill "$upstream_pid" 2>/dev/null
  true
}
trap cleanup EXIT

# --- servers -------------------------------------------------------------------------
# zone_args: "name file name file ..."
start_knot() {
  local dir="$out/${inst:-knot}" conf="$out/${inst:-knot}/knot.conf"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "server:"
    echo "    rundir: $dir"
    echo "    listen: 127.0.0.1@$port"
    echo "    udp-workers: $threads"
    echo "    tcp-workers: ${tcp_threads:-1}"
    echo "    background-workers: 1"
    echo "log:"
    echo "  - target: stderr"
    echo "    any: warning"
    echo "database:"
    echo "    storage: $dir"
    [[ -n "$knot_modules" ]] && printf '%s\n' "$knot_modules"
    echo "template:"
    echo "  - id: default"
    echo "    storage: $dir"
    [[ -n "$knot_global_module" ]] && echo "    global-module: $knot_global_module"
    echo "    zonefile-sync: -1"
    echo "    journal-content: none"
    echo "zone:"
    set -- "$@"
    while [[ $# -gt 0 ]]; do echo "  - domain: $1"; echo "    file: $2"; shift 2; done
  } > "$conf"
  $pin knotd -c "$conf" >"$dir/log" 2>&1 &
  server_pid=$!
}

start_nsd() {
  local dir="$out/${inst:-nsd}" conf="$out/${inst:-nsd}/nsd.conf"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "server:"
    echo "    ip-address: 127.0.0.1@$port"
    echo "    server-count: $threads"
    echo "    username: \"\""
    echo "    chroot: \"\""
    echo "    database: \"\""
    echo "    zonelistfile: $dir/zone.list"
    echo "    xfrdfile: $dir/xfrd.state"
    echo "    pidfile: $dir/nsd.pid"
    echo "    rrl-ratelimit: 0"
    echo "    verbosity: 0"
    echo "remote-control:"
    echo "    control-enable: no"
    set -- "$@"
    while [[ $# -gt 0 ]]; do echo "zone:"; echo "    name: $1"; echo "    zonefile: $2"; shift 2; done
  } > "$conf"
  $pin nsd -d -c "$conf" >"$dir/log" 2>&1 &
  server_pid=$!
}

start_mcns() {
  local dir="$out/${inst:-mcns}" conf="$out/${inst:-mcns}/mcns-dns.toml" files=""
  rm -rf "$dir"; mkdir -p "$dir"
  set -- "$@"
  while [[ $# -gt 0 ]]; do files+="\"$2\","; shift 2; done
  cat > "$conf" <<TOML
[dns]
listen = ["127.0.0.1:$port"]
threads = $threads
$mcns_dns_extra
$mcns_extra_sections
[zones]
files = [${files%,}]
[metrics]
listen_addr = "127.0.0.1:0"
[log]
level = "warn"
[process]
allow_root = true  # the bench may run as root (CI); mcns-dns refuses root otherwise
TOML
  $pin "$bin_dir/mcns-dns" server --config "$conf" >"$dir/log" 2>&1 &
  server_pid=$!
}

stop_server() { cleanup; server_pid=""; }

# Waits (bounded, 60 s) until the server answers the SOA of `zone` authoritatively.
wait_ready() {
  local zone=$1
  for _ in $(seq 1 600); do
    if kdig @127.0.0.1 -p "$port" +time=1 +retry=0 "$zone" SOA 2>/dev/null | grep -qi 'flags: qr aa'; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "bench: server exited" >&2; return 1; }
    sleep 0.1
  done
  echo "bench: server not ready after 60 s" >&2
  return 1
}


# Resident memory in KiB: VmRSS summed over the tree, and PSS (shared pages split
# between the processes that map them, so NSD's forked workers are not counted twice).
rss_kib() {
  local total=0 p
  for p in $(tree "${1:-}"); do total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
  echo "$total"
}
pss_kib() {
  local total=0 p
  for p in $(tree "${1:-}"); do total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0))); done
  echo "$total"
}


run_dnsperf() {  # queries-file [extra args]; prints qps
  local file=$1; shift
  dnsperf -s 127.0.0.1 -p "$port" -d "$file" -l "$seconds" -c 8 -T 1 -q 256 "$@" 2>&1 |
    awk '/Queries per second:/ {print int($4)}'
}

# --- the interleaved harness ----------------------------------------------------------
# Every server of a configuration runs at once (own port, same zone files, idle while
# another one is measured), and each round gives every server its turn: drift in the
# machine's background load then hits all servers alike instead of whichever ran last.
# The CPU figure is the server tree's user+system time (/proc/PID/stat, which Linux
# derives from the scheduler's exact runtime) over a fixed window that starts after a
# warm-up, so neither start-up nor dnsperf's ramp and drain are in it.

warm=${MCNS_BENCH_WARMUP:-3}               # seconds of load before a CPU window opens
pin_window=${MCNS_BENCH_PIN_WINDOW:-20}    # the pinned CPU window: 20 s, as the independent run measured
tcp_rate=${MCNS_BENCH_TCP_RATE:-20000}     # fixed rate of the TCP CPU comparison

# launch instance kind threads pin-prefix probe-zone zone args...: starts and waits.
launch() {
  local i=$1 kind=$2 n=$3 p=$4 probe=$5 saved=$threads; shift 5
  inst=$i; pin=$p; threads=$n; tcp_threads=$n
  pick_port
  "start_$kind" "$@"
  wait_ready "$probe"
  ipid[$i]=$server_pid
  iport[$i]=$port
  server_pid=""; inst=""; pin=""; threads=$saved; tcp_threads=""
}
stop_all() {
  local i
  for i in "${!ipid[@]}"; do kill "${ipid[$i]}" 2>/dev/null; wait "${ipid[$i]}" 2>/dev/null || true; done
  ipid=(); iport=()
}

# measure instance queries-file client rate window [dnsperf args...] -> "qps cpu%"
#   client: "shared" (dnsperf -c 8 -T 1 -q 256, unpinned: the original configuration) or
#           "pinned" (dnsperf -c 20 -q 100 on core 1; the server was started on core 0)
#   rate:   "max" (the whole run's qps; cpu% is "-") or queries per second (dnsperf -Q),
#           then cpu% is the server's CPU over `window` seconds after `warm` seconds.
measure() {
  local i=$1 file=$2 client=$3 rate=$4 window=$5; shift 5
  local args=(-s 127.0.0.1 -p "${iport[$i]}" -d "$file") tool=() log="$out/dnsperf.log" t0 t1 dp
  if [[ $client == pinned ]]; then args+=(-c 20 -q 100); tool=(taskset -c 1); else args+=(-c 8 -T 1 -q 256); fi
  if [[ $rate == max ]]; then
    "${tool[@]}" dnsperf "${args[@]}" -l "$seconds" "$@" >"$log" 2>&1 || true
    echo "$(awk '/Queries per second:/ {print int($4)}' "$log") -"
    return
  fi
  "${tool[@]}" dnsperf "${args[@]}" -Q "$rate" -l $((warm + window + 1)) "$@" >"$log" 2>&1 &
  dp=$!
  sleep "$warm"
  t0=$(cpu_ticks "${ipid[$i]}")
  sleep "$window"
  t1=$(cpu_ticks "${ipid[$i]}")
  wait "$dp" || true
  echo "$(awk '/Queries per second:/ {print int($4)}' "$log") $(awk -v t=$((t1 - t0)) -v w="$window" 'BEGIN { printf "%.1f", t / w }')"
}


# System calls and context switches per query at a fixed rate (perf stat, not timed: the
# tracepoints slow the server down, so this runs apart from the CPU windows).
counts() {  # instance queries-file rate [dnsperf args...] -> "syscalls/q cs/q"
  local i=$1 file=$2 rate=$3; shift 3
  command -v perf >/dev/null || { echo "- -"; return; }
  local pids log="$out/dnsperf.log" dp w=6
  pids=$(tree "${ipid[$i]}" | paste -sd,)
  taskset -c 1 dnsperf -s 127.0.0.1 -p "${iport[$i]}" -d "$file" -c 20 -q 100 -Q "$rate" -l $((w + 4)) "$@" >"$log" 2>&1 &
  dp=$!
  sleep 2
  timeout -s INT "$w" perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$pids" -o "$out/perf.txt" >/dev/null 2>&1 || true
  wait "$dp" || true
  awk -F, -v n=$((w * rate)) '/raw_syscalls/ {s=$1} /context-switches/ {c=$1} END {printf "%.2f %.3f", s/n, c/n}' "$out/perf.txt"
}

# results[key] holds the runs of one measurement, space separated; med/spread read them.
declare -A runs rss pss counted
spread() {  # "min–max" of the runs
  [[ -n "${runs[$1]:-}" ]] || { echo ""; return; }
  printf '%s\n' ${runs[$1]} | sort -g | awk 'NR==1 {a=$1} {b=$1} END {printf "%s–%s", a, b}'
}
cell() { echo "$(med "$1") ($(spread "$1"))"; }  # median (min–max)

# One round: each instance in turn runs the measurement `what` (a function name).
# Every round starts with the next instance, so none always runs right after the same
# neighbour (a one-query-per-connection run leaves its TIME_WAIT sockets to the next).
interleave() {  # what instances...
  local what=$1 r k n; shift
  n=$#
  local -a inst=("$@")
  for r in $(seq 1 "$repeat"); do
    for k in $(seq 0 $((n - 1))); do "$what" "${inst[$(( (k + r - 1) % n ))]}"; done
    echo "bench: round $r of $what done" >&2
  done
}

# A run of one query per connection leaves ~20,000 loopback sockets in TIME_WAIT for 60 s;
# the next such run slows to a crawl among them, so it waits (at most 70 s) until they are
# gone.
await_time_wait_drain() {
  local _
  for _ in $(seq 1 70); do
    (( $(ss -tanH state time-wait | wc -l) < 500 )) && return 0
    sleep 1
  done
}


ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
max() { if (( $1 > $2 )); then echo "$1"; else echo "$2"; fi; }

{
  echo "# make bench results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${threads} server threads, median of ${repeat} runs of ${seconds} s)"
  echo
  echo "Versions: $("$bin_dir/mcns-dns" version), $(knotd --version | head -1), $(nsd -v 2>&1 | head -1), $(dnsperf -h 2>&1 | grep -m1 -o 'DNS Performance Testing Tool version [0-9.]*' || echo dnsperf)"
  echo
} > "$results"

# MCNS_BENCH_ONLY=rrl: CPU per query at a fixed rate (SPEC 16 cost), RRL + cookies off vs
# on. "on" = RRL at a rate no query reaches (the table is consulted for every query but
# nothing is limited: dnsperf would count drops as losses) plus cookies, in two client
# behaviours: "client" sends a client COOKIE alone in every query (dnsperf -E 10:...):
# mcns-dns answers normally with a fresh server cookie (SipHash per reply) after the RRL
# check; Knot answers it BADCOOKIE (its policy, RFC 7873 5.2.3). "valid" sends the full
# cookie the server gave kdig: both validate it (SipHash) and skip RRL.
bench_rrl() {
  /usr/bin/python3 "$repo/bench/gen_zones.py" "$data" 100000 >/dev/null
  local queries="$data/queries-seed.txt" server mode t0 t1 r
  local zones=(svc.mcp.metacircular.net "$data/seed.svc.zone" mcp.metacircular.net "$data/seed.mcp.zone")
  declare -A rrl_cpu rrl_qps
  for server in mcns knot; do
    for mode in off client valid; do
      local extra=()
      mcns_dns_extra=""; knot_modules=""; knot_global_module=""
      if [[ $mode != off ]]; then
        extra=(-e -E 10:0102030405060708)
        mcns_dns_extra=$'rrl_responses_per_second = 1000000\nrrl_slip = 2'
        knot_modules=$'mod-rrl:\n  - id: default\n    rate-limit: 1000000\n    slip: 2\nmod-cookies:\n  - id: default'
        knot_global_module="[mod-cookies/default, mod-rrl/default]"
      fi
      pick_port
      "start_$server" "${zones[@]}"
      wait_ready svc.mcp.metacircular.net
      if [[ $mode == valid ]]; then
        local cookie
        cookie=$(kdig @127.0.0.1 -p "$port" +cookie=0102030405060708 +time=1 +retry=1 svc.mcp.metacircular.net SOA |
          awk '/COOKIE:/ {print $3; exit}')
        extra=(-e -E "10:$cookie")
      fi
      local runs_cpu=() runs_qps=()
      for r in $(seq 1 "$repeat"); do
        runs_qps+=("$(run_dnsperf "$queries" "${extra[@]}")")
        t0=$(cpu_ticks)
        run_dnsperf "$queries" -Q "$rate" "${extra[@]}" >/dev/null
        t1=$(cpu_ticks)
        runs_cpu+=("$(( t1 - t0 ))")
      done
      stop_server
      rrl_cpu[$server,$mode]=$(median "${runs_cpu[@]}")
      rrl_qps[$server,$mode]=$(median "${runs_qps[@]}")
      echo "bench: rrl $server $mode qps=${rrl_qps[$server,$mode]} cpu-ticks@${rate}=${rrl_cpu[$server,$mode]}" >&2
    done
  done
  mcns_dns_extra=""; knot_modules=""; knot_global_module=""
  {
    echo "## RRL + DNS Cookies (MCNS_BENCH_ONLY=rrl)"
    echo
    echo "CPU at ${rate} qps for ${seconds} s (µs of CPU per query = ticks × 10,000 / queries), seed zones."
    echo
    echo "| server | RRL + cookies | max qps | CPU at ${rate} qps (% of a core) | µs CPU per query |"
    echo "|---|---|---|---|---|"
    for server in mcns knot; do
      for mode in off client valid; do
        printf '| %s | %s | %s | %s | %s |\n' "$server" "$mode" "${rrl_qps[$server,$mode]}" \
          "$(( ${rrl_cpu[$server,$mode]} / seconds ))" \
          "$(awk -v t="${rrl_cpu[$server,$mode]}" -v q="$((rate * seconds))" 'BEGIN { printf "%.2f", t * 10000 / q }')"
      done
    done
    echo
  } >> "$results"
}

if [[ "$only" == rrl ]]; then
  bench_rrl
  cat "$results"
  exit 0
fi

if [[ "$only" != sync ]]; then
  /usr/bin/python3 "$repo/bench/gen_zones.py" "$data" 100000 >/dev/null
  seed_zones=(svc.mcp.metacircular.net "$data/seed.svc.zone" mcp.metacircular.net "$data/seed.mcp.zone")
  big_zones=(bench.mcns.test "$data/big.zone")
  fwd_queries="$data/queries-forward.txt"
  for n in $(seq 0 999); do echo "host$n.forward.example A"; done > "$fwd_queries"
  # The forwarding instance: seed zones, a local fake upstream, cache warmed by one pass.
  pick_port
  up_port=$port
  /usr/bin/python3 "$repo/bench/fake_upstream.py" "$up_port" &
  upstream_pid=$!
  fwd_section=$'[forward]\nupstreams = ["127.0.0.1:'"$up_port"$'"]\nallow = ["127.0.0.0/8"]\nmax_ttl = 3600'
  launch_fwd() {  # instance threads pin
    mcns_extra_sections=$fwd_section
    launch "$1" mcns "$2" "$3" svc.mcp.metacircular.net "${seed_zones[@]}"
    mcns_extra_sections=""
    dnsperf -s 127.0.0.1 -p "${iport[$1]}" -d "$fwd_queries" -n 2 -c 1 -q 64 >/dev/null 2>&1
  }
  has() { [[ " $servers " == *" $1 "* ]]; }
  auth_servers=()
  for s in mcns knot nsd; do has "$s" && auth_servers+=("$s"); done

  # A. The original configuration: every server with $threads worker threads, unpinned,
  #    dnsperf -c 8 -T 1 -q 256 beside it; plus mcns-dns with one thread (scaling) and
  #    the forwarding instance (seed zones only).
  what_shared() {
    local i=$1 file=$cur_q r
    [[ $i == fwd ]] && file=$fwd_queries
    r=$(measure "$i" "$file" shared max 0); add_run "A,$cur_set,$i,qps" "${r% *}"
    if [[ $i != fwd && $i != mcns1 ]]; then
      r=$(measure "$i" "$file" shared "$rate" "$seconds"); add_run "A,$cur_set,$i,cpu" "${r#* }"
    fi
  }
  for cur_set in seed big; do
    if [[ $cur_set == seed ]]; then zones=("${seed_zones[@]}"); cur_q="$data/queries-seed.txt"
    else zones=("${big_zones[@]}"); cur_q="$data/queries-big.txt"; fi
    for s in "${auth_servers[@]}"; do
      launch "$s" "$s" "$threads" "" "${zones[0]}" "${zones[@]}"
      rss[$cur_set,$s]=$(rss_kib "${ipid[$s]}"); pss[$cur_set,$s]=$(pss_kib "${ipid[$s]}")
    done
    extra=()
    if has mcns; then
      launch mcns1 mcns 1 "" "${zones[0]}" "${zones[@]}"; extra+=(mcns1)
      if [[ $cur_set == seed ]]; then launch_fwd fwd "$threads" ""; extra+=(fwd); fi
    fi
    interleave what_shared "${auth_servers[@]}" "${extra[@]}"
    stop_all
  done

  # B. One worker pinned to core 0, dnsperf on core 1 with 20 clients x 100 outstanding:
  #    max qps, then CPU over a fixed window at $rate; on the seed zones also TCP (20
  #    persistent pipelined connections: max qps and CPU at $tcp_rate; and one query per
  #    connection: max qps). Then, apart, system calls and context switches per query.
  what_pinned() {
    local i=$1 file=$cur_q r
    [[ $i == fwd ]] && file=$fwd_queries
    r=$(measure "$i" "$file" pinned max 0); add_run "B,$cur_set,$i,qps" "${r% *}"
    if [[ $i != fwd ]]; then
      r=$(measure "$i" "$file" pinned "$rate" "$pin_window"); add_run "B,$cur_set,$i,cpu" "${r#* }"
    fi
    if [[ $cur_set == seed ]]; then
      r=$(measure "$i" "$file" pinned max 0 -m tcp); add_run "T,$i,qps" "${r% *}"
      if [[ $i != fwd ]]; then
        r=$(measure "$i" "$file" pinned "$tcp_rate" "$seconds" -m tcp); add_run "T,$i,cpu" "${r#* }"
        add_run "T,$i,lat" "$(latency_ms avg "$out/dnsperf.log")"; add_run "T,$i,latmax" "$(latency_ms max "$out/dnsperf.log")"
        await_time_wait_drain
        r=$(measure "$i" "$file" pinned max 0 -m tcp -O num-queries-per-conn=1); add_run "T1,$i,qps" "${r% *}"
      fi
    fi
  }
  for cur_set in seed big; do
    if [[ $cur_set == seed ]]; then zones=("${seed_zones[@]}"); cur_q="$data/queries-seed.txt"
    else zones=("${big_zones[@]}"); cur_q="$data/queries-big.txt"; fi
    for s in "${auth_servers[@]}"; do launch "$s" "$s" 1 "taskset -c 0" "${zones[0]}" "${zones[@]}"; done
    extra=()
    if has mcns && [[ $cur_set == seed ]]; then launch_fwd fwd 1 "taskset -c 0"; extra+=(fwd); fi
    interleave what_pinned "${auth_servers[@]}" "${extra[@]}"
    for s in "${auth_servers[@]}"; do
      counted[B,$cur_set,$s]=$(counts "$s" "$cur_q" "$rate")
      [[ $cur_set == seed ]] && counted[T,$s]=$(counts "$s" "$cur_q" "$tcp_rate" -m tcp)
    done
    stop_all
  done
  kill "$upstream_pid" 2>/dev/null; wait "$upstream_pid" 2>/dev/null || true; upstream_pid=""

  best_of() {  # key-prefix key-suffix: the larger median of knot and nsd
    local k n
    k=$(med "$1,knot,$2"); n=$(med "$1,nsd,$2")
    [[ $k == n/a ]] && k=0; [[ $n == n/a ]] && n=0
    max "$k" "$n"
  }
  {
    echo "Medians of $repeat interleaved rounds, (min–max) of the rounds. CPU = % of one core used by"
    echo "the server's whole process tree over a fixed window after ${warm} s of load."
    echo
    echo "## A. Authoritative UDP, ${threads} server threads, unpinned (dnsperf -c 8 -T 1 -q 256 -l ${seconds})"
    echo
    echo "| zone set | server | max qps | ratio to best of Knot/NSD | CPU at ${rate} qps (${seconds} s window) | RSS (MiB) | PSS (MiB) |"
    echo "|---|---|---|---|---|---|---|"
    for set in seed big; do
      best=$(best_of "A,$set" qps)
      for s in "${auth_servers[@]}"; do
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$set" "$s" "$(cell "A,$set,$s,qps")" \
          "$(ratio "$(med "A,$set,$s,qps")" "$best")" "$(cell "A,$set,$s,cpu")" \
          "$(( ${rss[$set,$s]} / 1024 ))" "$(( ${pss[$set,$s]} / 1024 ))"
      done
    done
    echo
    echo "## B. Authoritative UDP, one worker pinned to core 0, dnsperf on core 1 (-c 20 -q 100)"
    echo
    echo "| zone set | server | max qps (${seconds} s) | ratio to best of Knot/NSD | CPU at ${rate} qps (${pin_window} s window) | CPU ratio to Knot | syscalls / query | context switches / query |"
    echo "|---|---|---|---|---|---|---|---|"
    for set in seed big; do
      best=$(best_of "B,$set" qps)
      for s in "${auth_servers[@]}"; do
        c=${counted[B,$set,$s]:-- -}
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$set" "$s" "$(cell "B,$set,$s,qps")" \
          "$(ratio "$(med "B,$set,$s,qps")" "$best")" "$(cell "B,$set,$s,cpu")" \
          "$(ratio "$(med "B,$set,$s,cpu")" "$(med "B,$set,knot,cpu")")" "${c% *}" "${c#* }"
      done
    done
    echo
    echo "## C. Authoritative TCP, seed zones, one worker pinned to core 0, dnsperf -m tcp on core 1"
    echo
    echo "| server | pipelined: max qps (20 connections x 100 outstanding) | ratio to best of Knot/NSD | CPU at ${tcp_rate} qps (${seconds} s window) | CPU ratio to Knot | latency at ${tcp_rate} qps: avg / max (ms) | syscalls / query | context switches / query | one query per connection: max qps | ratio to best |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    best=$(best_of T qps); best1=$(best_of T1 qps)
    for s in "${auth_servers[@]}"; do
      c=${counted[T,$s]:-- -}
      printf '| %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |\n' "$s" "$(cell "T,$s,qps")" \
        "$(ratio "$(med "T,$s,qps")" "$best")" "$(cell "T,$s,cpu")" "$(ratio "$(med "T,$s,cpu")" "$(med "T,knot,cpu")")" \
        "$(med "T,$s,lat")" "$(med "T,$s,latmax")" "${c% *}" "${c#* }" "$(cell "T1,$s,qps")" "$(ratio "$(med "T1,$s,qps")" "$best1")"
    done
    echo
    if has mcns; then
      echo "## D. Forwarding-cache hits (1,000 names, warmed, local fake upstream) against authoritative answers"
      echo
      echo "| configuration | cache hits: max qps | mcns-dns authoritative (seed zones): max qps | ratio |"
      echo "|---|---|---|---|"
      printf '| A: UDP, %s threads, unpinned | %s | %s | %s |\n' "$threads" "$(cell "A,seed,fwd,qps")" \
        "$(cell "A,seed,mcns,qps")" "$(ratio "$(med "A,seed,fwd,qps")" "$(med "A,seed,mcns,qps")")"
      printf '| B: UDP, one worker pinned | %s | %s | %s |\n' "$(cell "B,seed,fwd,qps")" \
        "$(cell "B,seed,mcns,qps")" "$(ratio "$(med "B,seed,fwd,qps")" "$(med "B,seed,mcns,qps")")"
      printf '| C: TCP pipelined, one worker pinned | %s | %s | %s |\n' "$(cell "T,fwd,qps")" \
        "$(cell "T,mcns,qps")" "$(ratio "$(med "T,fwd,qps")" "$(med "T,mcns,qps")")"
      echo
      echo "## E. Scaling: mcns-dns max qps by worker threads (UDP, unpinned, dnsperf -c 8 -T 1 -q 256 on the same 2 cores)"
      echo
      echo "| zone set | 1 thread | ${threads} threads | ratio |"
      echo "|---|---|---|---|"
      for set in seed big; do
        printf '| %s | %s | %s | %s |\n' "$set" "$(cell "A,$set,mcns1,qps")" "$(cell "A,$set,mcns,qps")" \
          "$(ratio "$(med "A,$set,mcns,qps")" "$(med "A,$set,mcns1,qps")")"
      done
      echo
    fi
  } >> "$results"
fi

if [[ "$only" != auth ]]; then
  "$repo/bench/sync_bench.sh" >> "$results"
fi

cat "$results"
