#!/usr/bin/env bash
# `make bench`: authoritative DNS throughput, CPU at a fixed rate and resident memory of
# mcns-dns, Knot DNS and NSD, side by side in one run on this machine, with the same zone
# files, the same query files, the same load generator (dnsperf) and equal thread counts.
# Then the sync benchmarks (propagation and resync) when bench/sync_bench is built.
#
# Environment: MCNS_BENCH_SECONDS (per run, default 10), MCNS_BENCH_REPEAT (runs per
# measurement, median reported, default 3), MCNS_BENCH_THREADS (server threads, default 2), MCNS_BENCH_RATE (fixed rate for the CPU comparison, default 50000),
# MCNS_BENCH_OUT (default bench/out), MCNS_BENCH_ONLY ("auth" or "sync"; or "rrl": only
# the optional SPEC 16 comparison — CPU per query with RRL + DNS Cookies off and on, for
# mcns-dns and for Knot with mod-rrl + mod-cookies; never part of the default run).
# Everything listens on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
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
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; true; }
trap cleanup EXIT

# --- servers -------------------------------------------------------------------------
# zone_args: "name file name file ..."
start_knot() {
  local dir="$out/knot" conf="$out/knot/knot.conf"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "server:"
    echo "    rundir: $dir"
    echo "    listen: 127.0.0.1@$port"
    echo "    udp-workers: $threads"
    echo "    tcp-workers: 1"
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
  knotd -c "$conf" >"$dir/log" 2>&1 &
  server_pid=$!
}

start_nsd() {
  local dir="$out/nsd" conf="$out/nsd/nsd.conf"
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
  nsd -d -c "$conf" >"$dir/log" 2>&1 &
  server_pid=$!
}

start_mcns() {
  local dir="$out/mcns" conf="$out/mcns/mcns-dns.toml" files=""
  rm -rf "$dir"; mkdir -p "$dir"
  set -- "$@"
  while [[ $# -gt 0 ]]; do files+="\"$2\","; shift 2; done
  cat > "$conf" <<TOML
[dns]
listen = ["127.0.0.1:$port"]
threads = $threads
$mcns_dns_extra
[zones]
files = [${files%,}]
[metrics]
listen_addr = "127.0.0.1:0"
[log]
level = "warn"
[process]
allow_root = true  # the bench may run as root (CI); mcns-dns refuses root otherwise
TOML
  "$bin_dir/mcns-dns" server --config "$conf" >"$dir/log" 2>&1 &
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

# The server and all its descendants (NSD's first process becomes xfrd, whose child is
# the main process, whose children serve).
tree() {
  local queue=("$server_pid") p
  while [[ ${#queue[@]} -gt 0 ]]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    echo "$p"
    queue+=($(pgrep -P "$p" || true))
  done
}

# Resident memory in KiB: VmRSS summed over the tree, and PSS (shared pages split
# between the processes that map them, so NSD's forked workers are not counted twice).
rss_kib() {
  local total=0 p
  for p in $(tree); do total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
  echo "$total"
}
pss_kib() {
  local total=0 p
  for p in $(tree); do total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0))); done
  echo "$total"
}

# CPU time (user+system, in 1/100 s ticks) used so far by the tree. The command name in
# /proc/PID/stat may contain spaces ("nsd: server 1"), so fields count from its ")".
cpu_ticks() {
  local total=0 p
  for p in $(tree); do total=$((total + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0))); done
  echo "$total"
}

run_dnsperf() {  # queries-file [extra args]; prints qps
  local file=$1; shift
  dnsperf -s 127.0.0.1 -p "$port" -d "$file" -l "$seconds" -c 8 -T 1 -q 256 "$@" 2>&1 |
    awk '/Queries per second:/ {print int($4)}'
}

declare -A qps cpu rss pss
bench_set() {  # set-name zone-name queries-file zone args...
  local set=$1 probe=$2 queries=$3; shift 3
  local server
  for server in $servers; do
    pick_port
    "start_$server" "$@"
    wait_ready "$probe"
    rss[$set,$server]=$(rss_kib)
    pss[$set,$server]=$(pss_kib)
    # Each measurement is repeated and the median kept: on a shared 2-core VM single runs
    # vary by +-20%.
    local runs_qps=() runs_cpu=() t0 t1 r
    for r in $(seq 1 "$repeat"); do
      runs_qps+=("$(run_dnsperf "$queries")")
      t0=$(cpu_ticks)
      run_dnsperf "$queries" -Q "$rate" >/dev/null
      t1=$(cpu_ticks)
      # ticks are 1/100 s: percent of one core = ticks / seconds
      runs_cpu+=("$(( (t1 - t0) / seconds ))")
    done
    qps[$set,$server]=$(median "${runs_qps[@]}")
    cpu[$set,$server]=$(median "${runs_cpu[@]}")
    stop_server
    echo "bench: $set $server qps=${qps[$set,$server]} cpu@${rate}=${cpu[$set,$server]}% rss=${rss[$set,$server]}KiB pss=${pss[$set,$server]}KiB" >&2
  done
}

# Forwarding-cache hits (SPEC 12: at least half the authoritative rate): mcns-dns with a
# local fake upstream, the cache warmed by one pass, then dnsperf over the same names.
bench_forward() {
  local up_port dir="$out/forward"
  rm -rf "$dir"; mkdir -p "$dir"
  pick_port; up_port=$port
  /usr/bin/python3 "$repo/bench/fake_upstream.py" "$up_port" &
  local up_pid=$!
  for i in $(seq 0 999); do echo "host$i.forward.example A"; done > "$dir/queries.txt"
  pick_port
  cat > "$dir/mcns-dns.toml" <<TOML
[dns]
listen = ["127.0.0.1:$port"]
threads = $threads
[forward]
upstreams = ["127.0.0.1:$up_port"]
allow = ["127.0.0.0/8"]
max_ttl = 3600
[zones]
files = ["$data/seed.svc.zone"]
[metrics]
listen_addr = "127.0.0.1:0"
[log]
level = "warn"
[process]
allow_root = true  # the bench may run as root (CI); mcns-dns refuses root otherwise
TOML
  "$bin_dir/mcns-dns" server --config "$dir/mcns-dns.toml" >"$dir/log" 2>&1 &
  server_pid=$!
  wait_ready svc.mcp.metacircular.net
  dnsperf -s 127.0.0.1 -p "$port" -d "$dir/queries.txt" -n 2 -c 1 -q 64 >/dev/null 2>&1  # warm the cache
  qps[forward,mcns]=$(run_dnsperf "$dir/queries.txt")
  stop_server
  kill "$up_pid" 2>/dev/null; wait "$up_pid" 2>/dev/null || true
  echo "bench: forward-cache hits qps=${qps[forward,mcns]}" >&2
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

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
  bench_set seed svc.mcp.metacircular.net "$data/queries-seed.txt" \
    svc.mcp.metacircular.net "$data/seed.svc.zone" mcp.metacircular.net "$data/seed.mcp.zone"
  bench_set big bench.mcns.test "$data/queries-big.txt" bench.mcns.test "$data/big.zone"
  if [[ " $servers " == *" mcns "* ]]; then bench_forward; fi
  {
    echo "## Authoritative UDP"
    echo
    echo "| zone set | server | max qps | ratio to best of Knot/NSD | CPU at ${rate} qps (% of a core) | RSS (MiB) | PSS (MiB) |"
    echo "|---|---|---|---|---|---|---|"
    for set in seed big; do
      best=$(max "${qps[$set,knot]:-0}" "${qps[$set,nsd]:-0}")
      for server in $servers; do
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$set" "$server" "${qps[$set,$server]}" \
          "$(ratio "${qps[$set,$server]}" "$best")" "${cpu[$set,$server]}" "$(( ${rss[$set,$server]} / 1024 ))" \
          "$(( ${pss[$set,$server]} / 1024 ))"
      done
    done
    echo
    if [[ -n "${qps[forward,mcns]:-}" ]]; then
      echo "## Forwarding cache"
      echo
      echo "| what | qps | ratio to mcns-dns authoritative (seed zones) |"
      echo "|---|---|---|"
      echo "| cache hits (1,000 names, warmed, local fake upstream) | ${qps[forward,mcns]} | $(ratio "${qps[forward,mcns]}" "${qps[seed,mcns]}") |"
      echo
    fi
  } >> "$results"
fi

if [[ "$only" != auth ]]; then
  "$repo/bench/sync_bench.sh" >> "$results"
fi

cat "$results"
