#!/usr/bin/env python3
"""fake-dns.py - a UDP DNS server that answers with crafted, often hostile,
messages, for the c-ares backend's tests.

Usage: fake-dns.py PORTFILE
Binds 127.0.0.1 on a free UDP port, writes the port number to PORTFILE once
it is listening, and answers until killed.  Each query name below "fake."
selects one crafted answer (see answers()); anything else gets REFUSED.
It counts the queries it gets by name: a TXT query for "count.NAME" is
answered with the number of queries for NAME so far, as text.
It fails by exiting non-zero if it cannot bind or write PORTFILE.
"""
import os
import socket
import struct
import sys

TYPE_A, TYPE_CNAME, TYPE_PTR, TYPE_MX, TYPE_TXT = 1, 5, 12, 15, 16
CLASS_CHAOS = 3


def wire(name):
    """A name as wire labels; name is a list of byte strings."""
    return b"".join(bytes([len(l)]) + l for l in name) + b"\0"


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl,
                               len(rdata)) + rdata


def fake(*labels):
    """A name below fake., as wire labels."""
    return label_name(*(labels + ("fake",)))


def pointer(off):
    return bytes([0xC0 | (off >> 8), off & 0xFF])


def cname_chain(qlabels, n):
    """n CNAME records from the question name: Q -> c1.fake -> ... ->
    cN.fake, names compressed so that a long chain fits in 512 bytes;
    returns (records, the owner to use for the end)."""
    base = 12 + len(wire(qlabels)) + 4
    fake_at = 12 + sum(1 + len(l) for l in qlabels[:-1])
    out, owner = b"", Q
    for i in range(1, n + 1):
        label = b"c%d" % i
        rdata = bytes([len(label)]) + label + pointer(fake_at)
        target_at = base + len(out) + len(owner) + 10
        out += rr(owner, TYPE_CNAME, 60, rdata)
        owner = pointer(target_at)
    return out, owner


def txt(*strings):
    return b"".join(bytes([len(x)]) + x for x in strings)


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
    # ---- CNAME chains and loops, whole in one answer
    if first == b"cloop":
        # as a recursive resolver returns a loop
        b = fake("b", "cloop")
        return 0, 2, rr(Q, TYPE_CNAME, 60, b) + rr(b, TYPE_CNAME, 60, Q)
    if first == b"selfloop":
        return 0, 1, rr(Q, TYPE_CNAME, 60, Q)
    if first == b"chain3":
        x1, x2 = fake("x1", "chain3"), fake("x2", "chain3")
        return 0, 3, (rr(Q, TYPE_CNAME, 100, x1) + rr(x1, TYPE_CNAME, 50, x2)
                      + rr(x2, TYPE_A, 300, bytes([192, 0, 2, 3])))
    if first == b"order":
        # the chain's records in reverse order, the data first
        x1, x2 = fake("x1", "order"), fake("x2", "order")
        return 0, 3, (rr(x2, TYPE_A, 300, bytes([192, 0, 2, 4]))
                      + rr(x1, TYPE_CNAME, 60, x2) + rr(Q, TYPE_CNAME, 60, x1))
    if first in (b"chain16", b"chain17"):
        n = int(first[5:])
        body, end = cname_chain(qlabels, n)
        return 0, n + 1, body + rr(end, TYPE_A, 60, bytes([192, 0, 2, 16]))
    if first == b"cnameroot":
        return 0, 1, rr(Q, TYPE_CNAME, 60, b"\0")
    if first == b"nxchain":
        return 3, 1, rr(Q, TYPE_CNAME, 60, fake("gone", "nxchain"))
    # ---- a CNAME answered alone, one link per answer
    if first == b"follow1":
        return 0, 1, rr(Q, TYPE_CNAME, 60, fake("follow2"))
    if first == b"follow2":
        return 0, 1, rr(Q, TYPE_CNAME, 60, fake("follow3"))
    if first == b"follow3":
        return 0, 1, rr(Q, TYPE_A, 60, bytes([192, 0, 2, 33]))
    if first == b"backloop":
        return 0, 1, rr(Q, TYPE_CNAME, 60, fake("backloop2"))
    if first == b"backloop2":
        # back to the name first asked, with data there
        return 0, 2, (rr(Q, TYPE_CNAME, 60, fake("backloop"))
                      + rr(fake("backloop"), TYPE_A, 60, bytes([192, 0, 2, 34])))
    # ---- records of other owners and classes
    if first == b"stray":
        return 0, 2, (rr(Q, TYPE_TXT, 60, txt(b"v=spf1 -all"))
                      + rr(fake("evil"), TYPE_TXT, 60, txt(b"v=spf1 +all")))
    if first == b"straymx":
        return 0, 2, (rr(Q, TYPE_MX, 60, struct.pack(">H", 10) + fake("good"))
                      + rr(fake("evil"), TYPE_MX, 60,
                           struct.pack(">H", 0) + fake("evilhost")))
    if first == b"strayptr":
        return 0, 2, (rr(Q, TYPE_PTR, 60, fake("good"))
                      + rr(fake("evil"), TYPE_PTR, 60, fake("evilhost")))
    if first == b"chaos":
        return 0, 1, rr(Q, TYPE_TXT, 60, txt(b"v=spf1 +all"), CLASS_CHAOS)
    # ---- TXT data
    if first == b"txtnul":
        return 0, 1, rr(Q, TYPE_TXT, 60, txt(b"v=spf1 ip4:192.0.2.1\0 -all"))
    if first == b"txtnul2":
        return 0, 1, rr(Q, TYPE_TXT, 60, txt(b"v=spf1 ip4:192.0.2.1", b"\0",
                                               b" -all"))
    if first == b"txtover":
        # the string's length byte runs past the RDATA
        return 0, 1, rr(Q, TYPE_TXT, 60, b"\x05abc")
    if first == b"txtrd0":
        # an empty RDATA (no string at all) beside a record
        return 0, 2, rr(Q, TYPE_TXT, 60, b"") + rr(Q, TYPE_TXT, 60, txt(b"x"))
    if first == b"badalen":
        return 0, 1, rr(Q, TYPE_A, 60, bytes([192, 0, 2, 1, 0]))
    if first == b"mxtrail":
        # the exchange runs past the RDATA
        return 0, 1, rr(Q, TYPE_MX, 60, struct.pack(">H", 1) + b"\x05ab")
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
    counts = {}
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
        key = b".".join(labels).lower()
        counts[key] = counts.get(key, 0) + 1
        if labels[:1] == [b"count"] and qtype == TYPE_TXT:
            n = counts.get(b".".join(labels[1:]).lower(), 0)
            got = 0, 1, rr(Q, TYPE_TXT, 0, txt(str(n).encode()))
        else:
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
