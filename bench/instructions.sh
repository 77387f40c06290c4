#!/usr/bin/env bash
# Instructions per query, counted by callgrind: a figure that does not move with the
# machine's load, for telling two builds apart by a few percent where CPU windows on a
# shared 2-core machine cannot. Two counts per build:
#   path:   process_query alone over the first N bench queries (bench/query_cost), seed
#           and 100,000-name zones;
#   server: the whole mcns-dns process (one thread, seed zones) from ready to the last of
#           N queries sent by dnsperf at a low rate (one query per receive, so both builds
#           do the same I/O per query).
#
#   bench/instructions.sh [BIN_DIR ...]   (default build/bin; each needs mcns-dns and query_cost)
# Environment: MCNS_BENCH_QUERIES (N, default 10000), MCNS_BENCH_OUT (default bench/out).
# Everything listens on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
out=${MCNS_BENCH_OUT:-$repo/bench/out}
n=${MCNS_BENCH_QUERIES:-10000}
data="$out/data"
[[ $# -gt 0 ]] || set -- "$repo/build/bin"
for tool in valgrind callgrind_control dnsperf kdig; do
  command -v "$tool" >/dev/null || { echo "instructions: $tool missing" >&2; exit 2; }
done
mkdir -p "$data"
[[ -f "$data/queries-big.txt" ]] || /usr/bin/python3 "$repo/bench/gen_zones.py" "$data" 100000 >/dev/null

work=${MCNS_BENCH_WORK:-$(mktemp -d)}
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; [[ -n "${MCNS_BENCH_WORK:-}" ]] || rm -rf "$work"; true; }
trap cleanup EXIT

# Instructions of the collected part of a callgrind output file.
collected() { awk '/^summary:/ {print $2}' "$1"; }

path_count() {  # bin set -> instructions per query
  local f="$work/path.out"
  valgrind --tool=callgrind --toggle-collect='*answer_all*' --callgrind-out-file="$f" \
    "$1/query_cost" "$data" "$2" "$n" >/dev/null 2>&1
  echo $(( $(collected "$f") / n ))
}

server_count() {  # bin -> instructions per query
  local port conf="$work/mcns-dns.toml"
  port=$(/usr/bin/python3 "$repo/tests/integration/harness/free_port.py")
  one_worker_config "$port" "$data" >"$conf"
  head -n "$n" "$data/queries-seed.txt" >"$work/q.txt"
  rm -f "$work"/server.out*
  valgrind --tool=callgrind --callgrind-out-file="$work/server.out" "$1/mcns-dns" server --config "$conf" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  local ready=""
  for _ in $(seq 1 300); do
    if kdig @127.0.0.1 -p "$port" +time=1 +retry=0 svc.mcp.metacircular.net SOA 2>/dev/null | grep -i 'flags: qr aa' >/dev/null; then
      ready=1; break
    fi
    sleep 0.2
  done
  [[ -n "$ready" ]] || { echo "instructions: mcns-dns not ready:" >&2; tail -5 "$work/server.log" >&2; exit 1; }
  callgrind_control -z "$server_pid" >/dev/null 2>&1
  dnsperf -s 127.0.0.1 -p "$port" -d "$work/q.txt" -n 1 -Q 400 -c 1 -q 50 >"$work/dnsperf.txt"
  callgrind_control -d "$server_pid" >/dev/null 2>&1
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  local done_q; done_q=$(awk '/Queries completed/ {print $3}' "$work/dnsperf.txt")
  echo $(( $(collected "$(ls "$work"/server.out.* | head -1)") / done_q ))
}

echo "| build | path, seed zones | path, 100,000 names | whole mcns-dns, seed zones |"
echo "|---|---|---|---|"
for bin in "$@"; do
  version=$("$bin/mcns-dns" --version 2>/dev/null | head -1 || echo "$bin")
  echo "| $version | $(path_count "$bin" seed) | $(path_count "$bin" big) | $(server_count "$bin") |"
done
