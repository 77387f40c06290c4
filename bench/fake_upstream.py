#!/usr/bin/python3
"""A tiny recursive-resolver stand-in for the forwarding benchmark: answers every query
on 127.0.0.1:PORT with one A record (192.0.2.1, TTL 3600) for the asked name. Standard
library only; it only needs to be fast enough to warm mcns-dns's cache."""
import socket
import struct
import sys

port = int(sys.argv[1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
while True:
    data, addr = sock.recvfrom(4096)
    if len(data) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    end = 12
    while end < len(data) and data[end] != 0:
        end += data[end] + 1
    question = data[12:end + 5]
    header = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1, 0, 0)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 3600, 4) + bytes([192, 0, 2, 1])
    sock.sendto(header + question + answer, addr)
