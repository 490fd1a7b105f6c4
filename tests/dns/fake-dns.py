#!/usr/bin/env python3
"""fake-dns.py - a UDP DNS server that answers with crafted, often hostile,
messages, for the c-ares backend's tests.

Usage: fake-dns.py PORTFILE
Binds 127.0.0.1 on a free UDP port, writes the port number to PORTFILE once
it is listening, and answers until killed.  Each query name below "fake."
selects one crafted answer (see ANSWERS); anything else gets REFUSED.
It fails by exiting non-zero if it cannot bind or write PORTFILE.
"""
import os
import socket
import struct
import sys

TYPE_A, TYPE_CNAME, TYPE_PTR, TYPE_MX, TYPE_TXT = 1, 5, 12, 15, 16


def wire(name):
    """A name as wire labels; name is a list of byte strings."""
    return b"".join(bytes([len(l)]) + l for l in name) + b"\0"


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


Q = b"\xc0\x0c"  # pointer to the question name


def label_name(*labels):
    return wire([l if isinstance(l, bytes) else l.encode() for l in labels])


def answers(qlabels, qtype):
    """Return (rcode, ancount, answer bytes) or None for REFUSED."""
    first = qlabels[0] if qlabels else b""
    if first == b"weirdmx":
        target = label_name(b"w\x01", b"x.y", "fake")
        return 0, 1, rr(Q, TYPE_MX, 60, struct.pack(">H", 5) + target)
    if first == b"badptr":
        return 0, 1, rr(Q, TYPE_PTR, 60, label_name("bad!name", "fake"))
    if first == b"loop":
        # the owner name is a pointer to itself
        here = 12 + len(wire(qlabels)) + 4
        owner = bytes([0xC0 | (here >> 8), here & 0xFF])
        return 0, 1, rr(owner, TYPE_A, 60, bytes([192, 0, 2, 1]))
    if first == b"forward":
        # the owner name points forward, into its own rdata
        here = 12 + len(wire(qlabels)) + 4
        target = here + 2 + 10
        owner = bytes([0xC0 | (target >> 8), target & 0xFF])
        return 0, 1, rr(owner, TYPE_A, 60, bytes([1, 0x61, 0, 0]))
    if first == b"short":
        # claims two answers, carries one
        return 0, 2, rr(Q, TYPE_TXT, 60, b"\x02hi")
    if first == b"rdlen":
        # rdlength runs past the end of the message
        return 0, 1, rr(Q, TYPE_TXT, 60, b"\x02hi")[:-1]
    if first == b"cnamenul":
        return 0, 1, rr(Q, TYPE_CNAME, 60, label_name(b"a\x00b", "fake"))
    if first == b"cnamedot":
        return 0, 1, rr(Q, TYPE_CNAME, 60, label_name(b"x.y", "fake"))
    if qlabels[:1] == [b"x.y"] and qtype == TYPE_A:
        return 0, 1, rr(Q, TYPE_A, 30, bytes([192, 0, 2, 77]))
    if first == b"txtempty":
        return 0, 1, rr(Q, TYPE_TXT, 60, b"\x00")
    if first == b"ttlbig":
        return 0, 1, rr(Q, TYPE_TXT, 0x80000000, b"\x03big")
    if first == b"servfail":
        return 2, 0, b""
    if first == b"otherowner":
        return 0, 1, rr(label_name("else", "fake"), TYPE_TXT, 60, b"\x02no")
    if first == b"nullmx":
        return 0, 1, rr(Q, TYPE_MX, 60, b"\x00\x00\x00")
    return None


def main():
    if len(sys.argv) != 2:
        print("usage: fake-dns.py PORTFILE", file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    while True:
        data, peer = s.recvfrom(4096)
        if len(data) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", data[:6])
        pos, labels = 12, []
        try:
            while data[pos]:
                n = data[pos]
                labels.append(data[pos + 1:pos + 1 + n])
                pos += 1 + n
            pos += 1
            qtype = struct.unpack(">H", data[pos:pos + 2])[0]
        except (IndexError, struct.error):
            continue
        question = data[12:pos + 4]
        got = answers(labels, qtype)
        if got is None:
            rcode, an, body = 5, 0, b""
        else:
            rcode, an, body = got
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode
        msg = struct.pack(">HHHHHH", qid, rflags, 1, an, 0, 0) + question + body
        s.sendto(msg, peer)


if __name__ == "__main__":
    sys.exit(main())
