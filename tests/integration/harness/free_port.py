#!/usr/bin/python3
"""Prints a loopback port that is free for both TCP and UDP right now (shell scripts of
the tests and benchmarks; C++ tests bind port 0 instead)."""
import socket

while True:
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        u.close()
        t.close()
