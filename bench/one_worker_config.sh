# Sourced by bench scripts: one_worker_config PORT DATA_DIR prints the mcns-dns config of
# one worker on 127.0.0.1:PORT serving the two seed zones of DATA_DIR (bench/gen_zones.py),
# metrics on a free port, warnings only; allow_root because the bench may run as root.
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
