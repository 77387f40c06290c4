#!/usr/bin/python3
"""Propagation benchmark (SPEC section 12): time from a REST write returning to the new
record being answered by every frontend.

Creates `--count` A records at `--rate` writes per second through the REST API and, after
each call returns, asks every frontend (UDP, loopback) until all of them answer the new
name. Prints p50/p90/p99/max in milliseconds as one JSON line. Standard library only.
"""
import argparse
import http.client
import json
import random
import socket
import ssl
import struct
import time


def query(name, qid):
    header = struct.pack(">HHHHHH", qid, 0x0000, 1, 0, 0, 0)
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return header + q + struct.pack(">HH", 1, 1)


def answered(sock, addr, name):
    qid = random.randrange(65536)
    sock.sendto(query(name, qid), addr)
    try:
        data, _ = sock.recvfrom(4096)
    except socket.timeout:
        return False
    if len(data) < 12:
        return False
    rid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
    return rid == qid and (flags & 0x0F) == 0 and ancount > 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rest", required=True, help="host:port of the REST API")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--dns", action="append", required=True, help="host:port of a frontend (repeat)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--prefix", default=f"prop{random.randrange(1 << 30)}")
    args = ap.parse_args()

    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    host, port = args.rest.rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
    frontends = []
    for d in args.dns:
        h, p = d.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.05)
        frontends.append((s, (h, int(p))))

    samples = []
    interval = 1.0 / args.rate
    next_start = time.perf_counter()
    for i in range(args.count):
        now = time.perf_counter()
        if now < next_start:
            time.sleep(next_start - now)
        next_start += interval
        name = f"{args.prefix}-{i}"
        body = json.dumps({"name": name, "type": "A", "value": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                           "ttl": 60})
        conn.request("POST", f"/v1/zones/{args.zone}/records", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        returned = time.perf_counter()
        if resp.status != 201:
            raise SystemExit(f"POST returned {resp.status}")
        fqdn = f"{name}.{args.zone}"
        pending = list(frontends)
        deadline = returned + 5.0
        while pending:
            pending = [(s, a) for (s, a) in pending if not answered(s, a, fqdn)]
            if time.perf_counter() > deadline:
                raise SystemExit(f"{fqdn} not answered by every frontend within 5 s")
        samples.append((time.perf_counter() - returned) * 1000.0)

    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(json.dumps({"count": len(samples), "rate": args.rate, "frontends": len(frontends),
                      "p50_ms": round(pick(0.50), 3), "p90_ms": round(pick(0.90), 3),
                      "p99_ms": round(pick(0.99), 3), "max_ms": round(samples[-1], 3)}))


if __name__ == "__main__":
    main()
