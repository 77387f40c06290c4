#!/usr/bin/env bash
# Installs the Debian 12 packages MCNS needs, and does nothing when all are present.
#   install-deps.sh          build + test packages
#   install-deps.sh --bench  also the benchmark peers (dnsperf, Knot DNS, NSD)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libboost-dev libboost-system-dev libssl-dev libsqlite3-dev libldns-dev
  libtoml11-dev prometheus-cpp-dev libgtest-dev libgmock-dev nlohmann-json3-dev
  libcli11-dev  # mcnsctl's argument parser (header-only)
)
test_pkgs=(
  knot-dnsutils dnsutils ldnsutils curl openssl sqlite3 systemd procps iproute2
  python3 python3-yaml clang libclang-rt-14-dev
  prometheus  # promtool: checks and unit tests of deploy/monitoring's rules (the service stays off)
  knot nsd python3-dnspython  # secondaries and a TSIG reference for the zone-transfer tests (services stay off)
  knot-dnssecutils bind9-utils  # kzonecheck and named-checkzone check the exported zone files
  chromium chromium-driver python3-selenium  # the web UI's browser test (tests/integration/webui)
)
bench_pkgs=(dnsperf knot nsd bc valgrind)  # bc: bench/xfr_bench.sh timings; valgrind: bench/instructions.sh

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then
  want+=("${bench_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Package maintainer scripts must not start knot/nsd/prometheus as system services on install.
"${sudo[@]}" env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}"
# prometheus (promtool), knot and nsd serve the tests as programs they start themselves:
# keep the packages' own daemons off at boot (a system knotd or nsd would take port 53).
for p in "${missing[@]}"; do
  if [[ "$p" == prometheus || "$p" == knot || "$p" == nsd ]]; then
    "${sudo[@]}" systemctl disable --now "$p.service" >/dev/null 2>&1 || true
  fi
done
