#!/usr/bin/env bash
# Installs MCNS on a Debian 12 host: the mcns user, /srv/mcns{,/certs,/backups},
# /srv/mcns-dns, the binaries, example configs (never overwriting existing ones) and the
# systemd units. Idempotent: a second run changes nothing.
#
#   deploy/scripts/install.sh [--dry-run] [--bin-dir DIR] [--root DIR] [--no-systemctl]
#
#   --dry-run       print what would be done, change nothing
#   --bin-dir DIR   where mcns-control and mcns-dns are (default: build/bin)
#   --root DIR      install below DIR instead of / (for packaging and tests; skips
#                   user creation and systemctl)
#   --no-systemctl  do not run systemctl daemon-reload
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dry_run=0
bin_dir="$repo/build/bin"
root=""
systemctl=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --bin-dir) bin_dir=$2; shift ;;
    --bin-dir=*) bin_dir=${1#*=} ;;
    --root) root=${2%/}; shift ;;
    --root=*) root=${1#*=}; root=${root%/} ;;
    --no-systemctl) systemctl=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$root" ]] && systemctl=0

changed=0
run() {
  changed=1
  if [[ $dry_run -eq 1 ]]; then
    echo "would: $*"
  else
    echo "+ $*"
    "$@"
  fi
}

# install_file SRC DEST MODE [keep]: copy when missing or different ("keep": never
# overwrite an existing file, for configs the operator edits).
install_file() {
  local src=$1 dest=$2 mode=$3 keep=${4:-}
  if [[ -e "$dest" ]]; then
    [[ "$keep" == keep ]] && return 0
    cmp -s "$src" "$dest" && [[ "$(stat -c %a "$dest")" == "$mode" ]] && return 0
  fi
  run install -D -m "$mode" "$src" "$dest"
}

ensure_dir() {
  local dir=$1 mode=$2 owner=$3
  if [[ ! -d "$dir" ]]; then
    run install -d -m "$mode" "$dir"
  elif [[ "$(stat -c %a "$dir")" != "$mode" ]]; then
    run chmod "$mode" "$dir"
  fi
  if [[ -z "$root" ]] && id "$owner" >/dev/null 2>&1 && [[ "$(stat -c %U "$dir" 2>/dev/null)" != "$owner" ]]; then
    run chown "$owner:$owner" "$dir"
  fi
}

for b in mcns-control mcns-dns; do
  if [[ ! -x "$bin_dir/$b" ]]; then
    echo "install.sh: $bin_dir/$b not found; run 'make build' first or pass --bin-dir" >&2
    exit 2
  fi
done

if [[ -z "$root" ]]; then
  if ! id mcns >/dev/null 2>&1; then
    run useradd --system --home-dir /srv/mcns --no-create-home --shell /usr/sbin/nologin mcns
  fi
fi

ensure_dir "$root/srv/mcns" 750 mcns
ensure_dir "$root/srv/mcns/certs" 750 mcns
ensure_dir "$root/srv/mcns/backups" 750 mcns
ensure_dir "$root/srv/mcns-dns" 750 mcns
ensure_dir "$root/srv/mcns-dns/certs" 750 mcns

install_file "$bin_dir/mcns-control" "$root/usr/local/bin/mcns-control" 755
install_file "$bin_dir/mcns-dns" "$root/usr/local/bin/mcns-dns" 755
# The operator's CLI, beside the daemons (optional: a build without it installs the rest).
if [[ -x "$bin_dir/mcnsctl" ]]; then
  install_file "$bin_dir/mcnsctl" "$root/usr/local/bin/mcnsctl" 755
  install_file "$repo/deploy/completion/mcnsctl.bash" "$root/usr/share/bash-completion/completions/mcnsctl" 644
else
  echo "install.sh: $bin_dir/mcnsctl not found; skipping the CLI" >&2
fi
install_file "$repo/deploy/examples/mcns-control.toml" "$root/srv/mcns/mcns-control.toml" 640 keep
install_file "$repo/deploy/examples/mcns-dns.toml" "$root/srv/mcns-dns/mcns-dns.toml" 640 keep
# The services run as mcns and must read their configs (root-owned, group mcns).
if [[ -z "$root" ]] && getent group mcns >/dev/null; then
  for f in /srv/mcns/mcns-control.toml /srv/mcns-dns/mcns-dns.toml; do
    if [[ -e "$f" && "$(stat -c %G "$f")" != mcns ]]; then run chgrp mcns "$f"; fi
  done
fi
install_file "$repo/docs/RUNBOOK.md" "$root/usr/local/share/doc/mcns/RUNBOOK.md" 644
for unit in mcns-control.service mcns-dns.service mcns-backup.service mcns-backup.timer; do
  install_file "$repo/deploy/systemd/$unit" "$root/etc/systemd/system/$unit" 644
done

if [[ $changed -eq 1 && $systemctl -eq 1 ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  run systemctl daemon-reload
fi

if [[ $changed -eq 0 ]]; then
  echo "install.sh: nothing to do (already installed)"
elif [[ $dry_run -eq 0 ]]; then
  cat <<'TXT'
install.sh: done. Next steps (docs/RUNBOOK.md):
  1. put the TLS certificate and key into /srv/mcns/certs, edit /srv/mcns/mcns-control.toml
  2. systemctl enable --now mcns-control mcns-backup.timer
  3. put ca.pem and the frontend's token into /srv/mcns-dns, edit /srv/mcns-dns/mcns-dns.toml
  4. systemctl enable --now mcns-dns
TXT
fi
