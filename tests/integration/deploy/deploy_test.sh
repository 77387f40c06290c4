#!/usr/bin/env bash
# deploy_test.sh CASE REPO BIN_DIR — checks the deployment files (see CMakeLists.txt).
set -euo pipefail
case_name=$1 repo=$2 bin_dir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$case_name" in
systemd)
  # systemd-analyze verify checks that ExecStart binaries exist: point the copies at the
  # freshly built ones.
  for f in "$repo"/deploy/systemd/*.service "$repo"/deploy/systemd/*.timer; do
    sed "s|/usr/local/bin/|$bin_dir/|g" "$f" > "$tmp/$(basename "$f")"
  done
  out=$(cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1) || fail "systemd-analyze verify: $out"
  [[ -z "$out" ]] || fail "systemd-analyze verify printed warnings: $out"
  u="$repo/deploy/systemd"
  grep -q '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' "$u/mcns-dns.service" || fail "mcns-dns lacks CAP_NET_BIND_SERVICE"
  for unit in mcns-control mcns-dns; do
    grep -q '^User=mcns$' "$u/$unit.service" || fail "$unit does not run as mcns"
    for opt in NoNewPrivileges=yes ProtectSystem=strict; do
      grep -q "^$opt\$" "$u/$unit.service" || fail "$unit lacks $opt"
    done
  done
  grep -q '^ReadWritePaths=/srv/mcns$' "$u/mcns-control.service" || fail "mcns-control cannot write /srv/mcns"
  # The frontend must not be able to touch the control's database.
  grep -q '^ReadWritePaths=/srv/mcns-dns$' "$u/mcns-dns.service" || fail "mcns-dns has no own directory"
  grep -qE '^ReadWritePaths=.*/srv/mcns( |$)' "$u/mcns-dns.service" && fail "mcns-dns may write /srv/mcns"
  grep -q '^OnCalendar=\*-\*-\* 02:00:00 UTC$' "$u/mcns-backup.timer" || fail "backup timer is not daily 02:00 UTC"
  grep -q '^RandomizedDelaySec=' "$u/mcns-backup.timer" || fail "backup timer has no jitter"
  grep -q 'mcns-control snapshot' "$u/mcns-backup.service" || fail "backup does not use mcns-control snapshot"
  grep -q -- '-delete' "$u/mcns-backup.service" || fail "backup has no retention pruning"
  echo "systemd units verified"
  ;;
install)
  root="$tmp/root"
  first=$("$repo/deploy/scripts/install.sh" --root "$root" --bin-dir "$bin_dir")
  for f in usr/local/bin/mcns-control usr/local/bin/mcns-dns srv/mcns/mcns-control.toml srv/mcns-dns/mcns-dns.toml \
           etc/systemd/system/mcns-control.service etc/systemd/system/mcns-backup.timer; do
    [[ -e "$root/$f" ]] || fail "install.sh did not install $f"
  done
  for d in srv/mcns srv/mcns/certs srv/mcns/backups srv/mcns-dns; do
    [[ -d "$root/$d" ]] || fail "install.sh did not create $d"
  done
  echo "# operator edit" >> "$root/srv/mcns/mcns-control.toml"
  second=$("$repo/deploy/scripts/install.sh" --root "$root" --bin-dir "$bin_dir")
  [[ "$second" == *"nothing to do"* ]] || fail "second run changed something: $second"
  grep -q "operator edit" "$root/srv/mcns/mcns-control.toml" || fail "install.sh overwrote an edited config"
  dry=$("$repo/deploy/scripts/install.sh" --root "$tmp/dry" --bin-dir "$bin_dir" --dry-run)
  [[ ! -e "$tmp/dry" ]] || fail "--dry-run created files"
  [[ "$dry" == *"would: install"* ]] || fail "--dry-run printed no plan: $dry"
  echo "install.sh idempotent"
  ;;
compose)
  c="$repo/deploy/compose"
  /usr/bin/python3 - "$c/compose.yaml" <<'PY' || fail "compose.yaml"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
services = doc["services"]
assert "control" in services, "no control service"
frontends = [n for n, s in services.items() if n != "control"]
assert len(frontends) == 2, f"want two frontends, got {frontends}"
for n in frontends:
    assert "control" in services[n].get("depends_on", []), f"{n} does not depend on control"
PY
  for f in "$c"/Dockerfile.*; do
    grep -qE '^(USER|VOLUME)\b' "$f" && fail "$f has a USER or VOLUME line"
    grep -q 'ca-certificates' "$f" || fail "$f lacks ca-certificates"
    grep -q 'tzdata' "$f" || fail "$f lacks tzdata"
    grep -qE '^WORKDIR /srv/mcns(-dns)?$' "$f" || fail "$f has no WORKDIR /srv/<service>"
    [[ $(grep -c '^FROM ' "$f") -ge 2 ]] || fail "$f has no build stage"
  done
  for t in "$c"/*.toml; do
    /usr/bin/python3 -c "import sys,tomllib; tomllib.load(open(sys.argv[1],'rb'))" "$t" 2>/dev/null \
      || /usr/bin/python3 -c "import sys,toml; toml.load(sys.argv[1])" "$t" || fail "$t is not TOML"
  done
  echo "compose and Dockerfiles checked"
  ;;
*) fail "unknown case $case_name" ;;
esac
