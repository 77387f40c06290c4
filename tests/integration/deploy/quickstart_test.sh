#!/usr/bin/env bash
# quickstart_test.sh REPO BIN_DIR — `make run` as a newcomer uses it: starts the system
# through deploy/scripts/quickstart.sh (ports moved to free ones, build skipped), runs the
# dig and curl lines it prints, and stops it with SIGINT as Ctrl-C would.
set -euo pipefail
repo=$1 bin_dir=$2
tmp=$(mktemp -d)
out="$tmp/quickstart.out"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -KILL -- "-$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- quickstart output ---" >&2; cat "$out" >&2 || true; exit 1; }

free_port() {
  /usr/bin/python3 "$repo/tests/integration/harness/free_port.py"
}

export MCNS_RUN_DIR="$tmp/run" MCNS_BIN_DIR="$bin_dir"
export MCNS_RUN_DNS_PORT=$(free_port) MCNS_RUN_REST_PORT=$(free_port) MCNS_RUN_GRPC_PORT=$(free_port)
export MCNS_RUN_CONTROL_METRICS_PORT=$(free_port) MCNS_RUN_DNS_METRICS_PORT=$(free_port)

# Job control: the script runs in its own process group with SIGINT not ignored, as it
# is in a terminal, and the whole group can be signalled like Ctrl-C does.
set -m
"$repo/deploy/scripts/quickstart.sh" >"$out" 2>&1 &
pid=$!
set +m

for _ in $(seq 1 600); do
  grep -q "MCNS is running" "$out" && break
  kill -0 "$pid" 2>/dev/null || fail "quickstart exited early"
  sleep 0.1
done
grep -q "MCNS is running" "$out" || fail "not running after 60 s"

dig_line=$(grep -m1 '^  dig @127.0.0.1' "$out") || fail "no dig line printed"
answer=$(eval "$dig_line +short +time=2 +tries=1")
[[ "$answer" == *192.168.88.181* ]] || fail "printed dig line answered: $answer"

list_line=$(grep -m1 '^  curl .*/v1/zones$' "$out") || fail "no list-zones curl line printed"
zones=$(eval "$list_line -sS")
[[ "$zones" == *'"Name":"svc.mcp.metacircular.net"'* ]] || fail "zones: $zones"

add_line=$(grep -m1 '^  curl .*-d ' "$out") || fail "no add-record curl line printed"
created=$(eval "$add_line -sS")
[[ "$created" == *'"Name":"hello"'* ]] || fail "add record: $created"
hello=""
for _ in $(seq 1 100); do
  hello=$(dig @127.0.0.1 -p "$MCNS_RUN_DNS_PORT" hello.svc.mcp.metacircular.net A +short +time=1 +tries=1)
  [[ "$hello" == 127.0.0.42 ]] && break
  sleep 0.05
done
[[ "$hello" == 127.0.0.42 ]] || fail "the new record was not answered: '$hello'"

# Ctrl-C: SIGINT to the whole process group.
kill -INT -- "-$pid"
rc=0
for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "still running 40 s after SIGINT"
wait "$pid" || rc=$?
[[ $rc -eq 0 ]] || fail "exit code $rc after SIGINT"
grep -q "quickstart: stopped" "$out" || fail "no clean stop message"
if pgrep -f "$MCNS_RUN_DIR" >/dev/null; then fail "processes left running: $(pgrep -af "$MCNS_RUN_DIR")"; fi
pid=""
echo "quick start verified"
