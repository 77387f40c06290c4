#!/usr/bin/python3
"""Writes the benchmark zones and query files into OUT_DIR.

  seed.svc.zone, seed.mcp.zone   the two platform zones as migration 2 seeds them
  big.zone                       bench.mcns.test: N names with A + AAAA, N/10 CNAMEs
  queries-seed.txt, queries-big.txt   dnsperf input: hits, CNAMEs, NXDOMAIN, NODATA

Deterministic (fixed seed), so every server gets the same data and queries.
"""
import random
import sys
from pathlib import Path

out = Path(sys.argv[1])
names = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(53)

SOA = "@ 300 IN SOA ns.mcp.metacircular.net. admin.metacircular.net. {serial} 3600 600 86400 300\n"
ADDRS = ["192.168.88.181", "100.95.252.120"]


def seed_zone(origin, hosts):
    lines = [f"$ORIGIN {origin}.\n", "$TTL 300\n", SOA.format(serial=2026112901),
             "@ 300 IN NS ns.mcp.metacircular.net.\n"]
    for h in hosts:
        for a in ADDRS:
            lines.append(f"{h} 300 IN A {a}\n")
    return "".join(lines)


(out / "seed.svc.zone").write_text(seed_zone("svc.mcp.metacircular.net", ["metacrypt", "mcr", "sgard", "mcp-agent"]))
(out / "seed.mcp.zone").write_text(seed_zone("mcp.metacircular.net", ["rift", "ns"]))

big_origin = "bench.mcns.test"
with open(out / "big.zone", "w") as f:
    f.write(f"$ORIGIN {big_origin}.\n$TTL 300\n")
    f.write(SOA.format(serial=2026112901))
    f.write("@ 300 IN NS ns.mcp.metacircular.net.\n")
    for i in range(names):
        f.write(f"host{i} 300 IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        f.write(f"host{i} 300 IN AAAA fd00::{(i >> 16) & 0xffff:x}:{i & 0xffff:x}\n")
    for i in range(names // 10):
        f.write(f"alias{i} 300 IN CNAME host{rng.randrange(names)}\n")

# Query mix: 40% A hits, 20% AAAA hits, 10% CNAME (followed in-zone), 15% NXDOMAIN, 15% NODATA.
def mix(count, hit, cname, origin):
    lines = []
    for _ in range(count):
        r = rng.random()
        if r < 0.40:
            lines.append(f"{hit()} A")
        elif r < 0.60:
            lines.append(f"{hit()} AAAA")
        elif r < 0.70:
            lines.append(f"{cname()} A")
        elif r < 0.85:
            lines.append(f"nx{rng.randrange(1 << 30)}.{origin} A")
        else:
            lines.append(f"{hit()} MX")
    return "\n".join(lines) + "\n"


seed_hosts = [f"{h}.svc.mcp.metacircular.net" for h in ["metacrypt", "mcr", "sgard", "mcp-agent"]] + \
             [f"{h}.mcp.metacircular.net" for h in ["rift", "ns"]]
(out / "queries-seed.txt").write_text(
    mix(100_000, lambda: rng.choice(seed_hosts), lambda: rng.choice(seed_hosts), "svc.mcp.metacircular.net"))
(out / "queries-big.txt").write_text(
    mix(200_000, lambda: f"host{rng.randrange(names)}.{big_origin}",
        lambda: f"alias{rng.randrange(names // 10)}.{big_origin}", big_origin))
print(f"zones and queries written to {out}")
