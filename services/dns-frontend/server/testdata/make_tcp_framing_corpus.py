#!/usr/bin/env python3
"""Writes the seed corpus of tcp_framing_fuzz.cpp into tcp_framing_fuzz_corpus/: byte 0
chooses the write chunk size, the rest is a DNS-over-TCP stream (2-octet length framing)."""
import os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "query", "testdata"))
from dns_message import hdr, name, q, write_corpus

def query(id, n="www.example.com", t=1, flags=0x0100):
    return hdr(flags=flags, id=id) + q(n, t)

def frame(m):
    return struct.pack("!H", len(m)) + m

cases = {
    "one": frame(query(1)),
    "pipelined": frame(query(1)) + frame(query(2, "example.com", 6)) + frame(query(3, "nx.example.com")),
    "zero_length": frame(b"") + frame(query(4)),
    "partial_tail": frame(query(5)) + struct.pack("!H", 40) + query(6)[:10],
    "length_only": b"\xff\xff",
    "one_byte": b"\x00",
    "runt_frame": frame(b"\x12") + frame(query(7)),
    "header_only": frame(struct.pack("!HHHHHH", 8, 0x0100, 0, 0, 0, 0)),
    "response": frame(struct.pack("!HHHHHH", 9, 0x8100, 1, 0, 0, 0) + name("a.test") + b"\0\x01\0\x01"),
    "garbage": frame(os.urandom(0) + bytes(range(60))),
    "many": b"".join(frame(query(100 + i, "example.com", 2)) for i in range(40)),
    "oversized_claim": struct.pack("!H", 65535) + query(10),
    "notimp": frame(query(11, flags=0x2100)),
}
here = os.path.dirname(os.path.abspath(__file__))
write_corpus(os.path.join(here, "tcp_framing_fuzz_corpus"), cases, lambda i: i % 8)
