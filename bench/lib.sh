# shellcheck shell=bash
# Sourced by the bench scripts (run.sh, instructions.sh, tcp_pattern.sh): what more
# than one of them needs.

# one_worker_config PORT DATA_DIR prints the mcns-dns config of one worker on
# 127.0.0.1:PORT serving the two seed zones of DATA_DIR (bench/gen_zones.py), metrics on a
# free port, warnings only; allow_root because the bench may run as root.
one_worker_config() {
  cat <<TOML
[dns]
listen = ["127.0.0.1:$1"]
threads = 1
[zones]
files = ["$2/seed.svc.zone", "$2/seed.mcp.zone"]
[metrics]
listen_addr = "127.0.0.1:0"
[log]
level = "warn"
[process]
allow_root = true
TOML
}

# The server and all its descendants (NSD's first process becomes xfrd, whose child is
# the main process, whose children serve).
tree() {
  local queue=("${1:-${server_pid:-}}") p
  while [[ ${#queue[@]} -gt 0 ]]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    echo "$p"
    queue+=($(pgrep -P "$p" || true))
  done
}

# CPU time (user+system, in 1/100 s ticks) used so far by the tree. The command name in
# /proc/PID/stat may contain spaces ("nsd: server 1"), so fields count from its ")".
cpu_ticks() {
  local total=0 p
  for p in $(tree "${1:-}"); do total=$((total + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0))); done
  echo "$total"
}

# dnsperf's query latency in ms from its log: "avg" or "max" (the first "Average Latency"
# line; with -m tcp the second one is the connections').
latency_ms() {  # avg|max log
  awk -v which="$1" '/Average Latency/ { gsub(/[,)]/, ""); printf "%.2f", (which == "max" ? $8 : $4) * 1000; exit }' "$2"
}

# The median of the numbers given (the upper one of an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# Repeated measurements, kept in the caller's associative array `runs` (declare -A runs):
# add_run KEY VALUE appends a round; med KEY is their median, or n/a.
add_run() { runs[$1]="${runs[$1]:-} $2"; }
# shellcheck disable=SC2086  # the rounds are space separated on purpose
med() { [[ -n "${runs[$1]:-}" ]] || { echo "n/a"; return; }; median ${runs[$1]}; }
