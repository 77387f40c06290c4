#!/usr/bin/env python3
"""Writes the seed corpus of forward_fuzz.cpp into forward_fuzz_corpus/: byte 0 is the
mode (max_ttl, client EDNS/DO, reply limit), the rest an upstream answer (or a query)."""
import os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "query", "testdata"))
import dns_message
from dns_message import name, opt, q, write_corpus


def hdr(flags=0x8180, **kw):  # an answer unless told otherwise
    return dns_message.hdr(flags, **kw)

def rr(owner, t, ttl, rdata, c=1):
    return owner + struct.pack("!HHIH", t, c, ttl, len(rdata)) + rdata

def ptr(off):
    return struct.pack("!H", 0xC000 | off)

QN = ptr(12)            # www.example.com in the question
EX = ptr(16)            # example.com
soa = name("ns.example.com") + name("admin.example.com") + struct.pack("!IIIII", 1, 3600, 600, 86400, 60)
soa_c = b"\x02ns" + EX + b"\x05admin" + EX + struct.pack("!IIIII", 1, 3600, 600, 86400, 30)

cases = {
    "a_opt": hdr(ar=1) + q("www.example.com", 1) + rr(QN, 1, 300, b"\x0a\0\0\x01") + opt(),
    "a_two": hdr(an=2) + q("www.example.com", 1) + rr(QN, 1, 30, b"\x0a\0\0\x01") + rr(QN, 1, 900, b"\x0a\0\0\x02"),
    "cname_chain": hdr(an=2) + q("www.example.com", 1) + rr(QN, 5, 200, b"\x03web" + EX)
                   + rr(ptr(45), 1, 100, b"\xc0\0\x02\x01"),
    "mx_ns": hdr(an=1, ns=1) + q("www.example.com", 15) + rr(QN, 15, 60, b"\0\x0a\x04mail" + EX)
             + rr(EX, 2, 60, b"\x02ns" + EX),
    "nxdomain_soa": hdr(flags=0x8183, ns=1) + q("www.example.com", 1) + rr(EX, 6, 3600, soa_c),
    "nodata_soa": hdr(ns=1, ar=1) + q("www.example.com", 28) + rr(name("example.com"), 6, 900, soa) + opt(),
    "nx_no_soa": hdr(flags=0x8183) + q("www.example.com", 1),
    "servfail": hdr(flags=0x8182) + q("www.example.com", 1),
    "tc": hdr(flags=0x8380) + q("www.example.com", 1),
    "badvers_opt": hdr(ar=1) + q("www.example.com", 1) + opt(ttl=0x01000000),
    "txt_big": hdr(an=1) + q("big.test", 16) + rr(ptr(12), 16, 60, (b"\xff" + b"x" * 255) * 8),
    "loop_owner": hdr(an=1) + q("www.example.com", 1) + rr(ptr(33), 1, 60, b"\x01\x02\x03\x04"),
    "forward_ptr": hdr(an=1) + q("www.example.com", 1) + rr(ptr(60), 1, 60, b"\x01\x02\x03\x04"),
    "header_ptr": hdr(an=1) + q("www.example.com", 5) + rr(QN, 5, 60, b"\x01a" + ptr(4)),
    "long_chain": hdr(an=3) + q("www.example.com", 5) + rr(QN, 5, 60, b"\x3f" + b"x" * 63 + QN)
                  + rr(QN, 5, 60, b"\x3f" + b"y" * 63 + ptr(45)) + rr(QN, 5, 60, b"\x3f" + b"z" * 63 + ptr(121)),
    "opt_middle": hdr(an=1, ar=1) + q("www.example.com", 1) + opt() + rr(QN, 1, 60, b"\x01\x02\x03\x04"),
    "trailing": hdr(an=1) + q("www.example.com", 1) + rr(QN, 1, 60, b"\x01\x02\x03\x04") + b"junk",
    "neg_ttl": hdr(an=1) + q("www.example.com", 1) + rr(QN, 1, 0x80000001, b"\x01\x02\x03\x04"),
    "query_plain": hdr(flags=0x0100) + q("WwW.Example.COM", 1),
    "query_edns_do": hdr(flags=0x0100, ar=1) + q("a.test", 28) + opt(4096, 0x8000),
    "compressed_question": hdr(an=1) + ptr(2) + struct.pack("!HH", 1, 1) + rr(ptr(12), 1, 60, b"\x01\x02\x03\x04"),
    "runt": b"\x12\x34\x81",
}

here = os.path.dirname(os.path.abspath(__file__))
modes = [0x00, 0x15, 0x36, 0xb8, 0x04, 0x50]
write_corpus(os.path.join(here, "forward_fuzz_corpus"), cases, lambda i: modes[i % len(modes)])
