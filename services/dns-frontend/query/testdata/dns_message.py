"""DNS message pieces for the seed-corpus scripts of the frontend's fuzz targets
(query/, server/, forward/): wire-format names, headers, questions and OPT records, and
the writer of a corpus directory. Bytes only, no validation: the corpora want malformed
messages too."""
import os, struct


def name(n):
    """An uncompressed wire name; "" and "." are the root."""
    out = b""
    for l in n.rstrip(".").split("."):
        if l:
            out += bytes([len(l)]) + l.encode()
    return out + b"\0"


def hdr(flags=0, qd=1, an=0, ns=0, ar=0, id=0x1234):
    return struct.pack("!HHHHHH", id, flags, qd, an, ns, ar)


def q(n, t, c=1):
    """A question: name, type, class."""
    return name(n) + struct.pack("!HH", t, c)


def opt(size=1232, ttl=0, rdata=b""):
    """An OPT pseudo-record (RFC 6891): `size` is the UDP payload, `ttl` the extended
    rcode, version and flags (0x8000 is DO)."""
    return b"\0" + struct.pack("!HHIH", 41, size, ttl, len(rdata)) + rdata


def write_corpus(out, cases, mode):
    """Writes each case to out/<name>, in name order, after one mode byte `mode(i)` (i is
    the case's place in that order), which the fuzz target reads first. Returns the count."""
    os.makedirs(out, exist_ok=True)
    for i, (k, v) in enumerate(sorted(cases.items())):
        with open(os.path.join(out, k), "wb") as f:
            f.write(bytes([mode(i)]) + v)
    return len(cases)
