#!/usr/bin/env python3
"""Writes the seed corpus of query_fuzz.cpp into fuzz_corpus/: byte 0 is the mode
(transport, forwarding, readiness, buffer size), the rest a DNS message."""
import os, struct

from dns_message import hdr, name, opt, q, write_corpus

cases = {
    "hit_a": hdr() + q("www.example.com", 1),
    "hit_upper": hdr() + q("WWW.EXAMPLE.COM", 28),
    "apex_ns_edns": hdr(ar=1) + q("example.com", 2) + opt(512),
    "apex_soa": hdr() + q("example.com", 6),
    "mx": hdr(flags=0x0100) + q("example.com", 15),
    "nxdomain": hdr() + q("nx.example.com", 1),
    "nodata": hdr() + q("example.com", 28),
    "ent": hdr() + q("ent.example.com", 1),
    "cname": hdr() + q("alias.example.com", 1),
    "chain": hdr(ar=1) + q("c1.example.com", 1) + opt(4096, 0x8000),
    "loop": hdr() + q("loop1.example.com", 1),
    "cross_zone": hdr() + q("back.child.example.com", 1),
    "wildcard": hdr() + q("x.y.wild.example.com", 16),
    "wild_cname": hdr() + q("foo.wc.example.com", 1),
    "referral": hdr() + q("x.sub.example.com", 1),
    "ds_at_cut": hdr() + q("sub.example.com", 43),
    "srv": hdr() + q("_sip._tcp.example.com", 33),
    "any": hdr() + q("mxtxt.example.com", 255),
    "tc_big": hdr() + q("big.example.com", 16),
    "tc_edns512": hdr(ar=1) + q("manyaddr.example.com", 1) + opt(512),
    "badvers": hdr(ar=1) + q("www.example.com", 1) + opt(1232, 0x00010000),
    "refused": hdr(ar=1) + q("other.org", 1) + opt(),
    "class_ch": hdr() + q("version.bind", 16, 3),
    "axfr": hdr() + q("example.com", 252),
    "ixfr": hdr(ns=1) + q("example.com", 251) + name("example.com") + struct.pack("!HHIH", 6, 1, 0, 22) + b"\0\0" + struct.pack("!IIIII", 1, 0, 0, 0, 0),
    "opcode_notify": hdr(flags=0x2000) + q("example.com", 6),
    "qd0": hdr(qd=0),
    "qd2": hdr(qd=2) + q("a.example.com", 1) + q("b.example.com", 1),
    "truncated": (hdr() + q("www.example.com", 1))[:20],
    "qname_pointer_loop": hdr() + b"\xc0\x0c\x00\x01\x00\x01",
    "answer_pointer_loop": hdr(an=1) + q("www.example.com", 1) + b"\xc0\x21\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00",
    "two_opts": hdr(ar=2) + q("www.example.com", 1) + opt() + opt(),
    "opt_bad_option": hdr(ar=1) + q("www.example.com", 1) + opt(rdata=b"\x00\x0a\x00\x09ab"),
    "trailing": hdr() + q("www.example.com", 1) + b"\x01\x02",
    "qr_set": hdr(flags=0x8000) + q("www.example.com", 1),
    "long_name": hdr() + (b"\x3f" + b"a" * 63) * 3 + b"\x3d" + b"b" * 61 + b"\0" + struct.pack("!HH", 1, 1),
    "label_too_long": hdr() + b"\x40" + b"a" * 64 + b"\0" + struct.pack("!HH", 1, 1),
    "short": b"\x12\x34\x00",
}
here = os.path.dirname(os.path.abspath(__file__))
# A ready snapshot (bit 2 clear); the other bits vary transport, forwarding, buffer.
print(write_corpus(os.path.join(here, "fuzz_corpus"), cases, lambda i: i % 64 & ~4), "files")
