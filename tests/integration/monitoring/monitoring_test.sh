#!/usr/bin/env bash
# monitoring_test.sh CASE REPO — the monitoring kit's checks (see CMakeLists.txt).
#   promtool_check  promtool check rules on every rules file, check config on prometheus.yml
#   promtool_test   promtool test rules: every alert fires on synthetic series, stays silent
#                   on healthy ones; recorded series have the expected values
#   static          dashboard, runbook anchors, compose file (check_monitoring.py static)
set -euo pipefail
case_name=$1 repo=$2
mon="$repo/deploy/monitoring"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v promtool >/dev/null || fail "promtool not found: install the Debian package prometheus (deploy/scripts/install-deps.sh)"

case "$case_name" in
promtool_check)
  shopt -s nullglob
  rules=("$mon"/*.rules.yml)
  [[ ${#rules[@]} -ge 2 ]] || fail "expected alerting and recording rules files in $mon"
  for f in "${rules[@]}"; do
    promtool check rules "$f" || fail "promtool check rules $f"
  done
  promtool check config "$mon/prometheus.yml" || fail "promtool check config $mon/prometheus.yml"
  ;;
promtool_test)
  shopt -s nullglob
  tests=("$mon"/tests/*.yml)
  [[ ${#tests[@]} -ge 1 ]] || fail "no promtool unit tests in $mon/tests"
  # Every alert must be exercised by some unit test.
  for alert in $(sed -n 's/^ *- alert: *//p' "$mon"/*.rules.yml); do
    grep -q "alertname: $alert\$" "${tests[@]}" || fail "alert $alert has no promtool unit test"
  done
  promtool test rules "${tests[@]}" || fail "promtool test rules"
  ;;
static)
  /usr/bin/python3 "$repo/tests/integration/monitoring/check_monitoring.py" static "$repo"
  ;;
*) fail "unknown case $case_name" ;;
esac
