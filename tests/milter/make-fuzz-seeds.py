#!/usr/bin/python3
"""make-fuzz-seeds.py - write the seed corpus of fuzz/fuzz_milter.c.

usage: tests/milter/make-fuzz-seeds.py [OUT_DIR]   (default fuzz/corpus/milter)

Each seed is what fuzz_milter.c reads: two bytes of piece size, one byte
of policy, then MTA-side milter packets: connections as Postfix 3.7 and
Sendmail 8.17 send them (version 6, 4 and 2 negotiation, IPv4, IPv6 with
Sendmail's prefix, IPv4-mapped, unix socket, unknown family), several
messages, RSET, QUIT_NC, headers and body sent although asked away,
unknown commands, and a few broken packets.  Files are named by their
SHA-1, so running the script again writes the same files.
"""
import hashlib
import os
import struct
import sys


def pkt(cmd, payload=b""):
    return struct.pack(">I", len(payload) + 1) + cmd.encode() + payload


def z(*strings):
    return b"".join(s.encode() + b"\0" for s in strings)


def optneg(version=6, actions=0x1FF, protocol=0x1FFFFF):
    return pkt("O", struct.pack(">III", version, actions, protocol))


def macros(stage, **pairs):
    body = stage.encode()
    for k, v in pairs.items():
        name = k if len(k) == 1 else "{" + k + "}"
        body += z(name, v)
    return pkt("D", body)


def connect(host, family, port, addr):
    if family == "U":
        return pkt("C", z(host) + b"U")
    return pkt("C", z(host) + family.encode() + struct.pack(">H", port)
               + z(addr))


def message(sender="<a@b.example>", rcpts=("<c@d.example>",), auth=None,
            eom=True):
    out = b""
    if auth:
        out += macros("M", auth_authen=auth, auth_type="PLAIN", i="Q1")
    out += pkt("M", z(sender, "SIZE=100"))
    for r in rcpts:
        out += macros("R", rcpt_addr=r.strip("<>"))
        out += pkt("R", z(r))
    if eom:
        out += macros("E", i="Q1") + pkt("E")
    return out


def postfix_start(version=6, addr="192.0.2.20"):
    return (optneg(version) +
            macros("C", j="mx.example", daemon_name="ORIGINATING") +
            connect("client.example", "4", 12345, addr) +
            pkt("H", z("helo.example")))


SEEDS = {
    # (policy, step): stream
    "postfix": (0x10, 1, postfix_start() + message(auth="alice")
                + pkt("Q")),
    "two-messages": (0x00, 7, postfix_start() + message(auth="alice")
                     + message() + pkt("Q")),
    "reject-mail": (0x01, 0, postfix_start() + message() + pkt("A")
                    + message() + pkt("Q")),
    "reject-rcpt": (0x04, 3, postfix_start()
                    + message(rcpts=("<r1@x>", "<r2@x>")) + pkt("Q")),
    "rset": (0x00, 5, postfix_start() + message(eom=False) + pkt("A")
             + message() + pkt("Q")),
    "quit-nc": (0x80, 2, postfix_start() + message(eom=False) + pkt("K")
                + connect("other.example", "4", 25, "198.51.100.7")
                + pkt("H", z("x")) + message() + pkt("Q")),
    "sendmail-v6": (0x30, 11, optneg(6) + macros("C", j="mta", _="[x]")
                    + connect("[IPv6:2001:db8::1]", "6", 25,
                              "IPv6:2001:db8::1")
                    + pkt("H", z("h")) + message()
                    + pkt("T") + pkt("L", z("Subject", "hi")) + pkt("N")
                    + pkt("B", b"body\r\n") + pkt("E") + pkt("Q")),
    "mapped": (0x40, 0, optneg(6) + connect("h", "6", 25,
                                            "::ffff:192.0.2.1")
               + pkt("H", z("h")) + message() + pkt("Q")),
    "unix": (0x00, 0, optneg(4, 0x3F, 0x3FF)
             + connect("localhost", "L", 0, "/run/smtpd")
             + message() + pkt("U", z("HELP")) + pkt("Q")),
    "unknown-family": (0x00, 0, optneg(2, 0, 0)
                       + connect("unknown", "U", 0, "")
                       + message() + pkt("Q")),
    "v2-headers": (0x20, 4, optneg(2, 0x3F, 0x7F) + connect("h", "4", 1,
                                                          "192.0.2.9")
                   + pkt("M", z("<>")) + pkt("R", z("<p@q>"))
                   + pkt("L", z("From", "x")) + pkt("N") + pkt("E")
                   + pkt("Q")),
    "out-of-order": (0x00, 1, postfix_start() + pkt("R", z("<c@d>"))
                     + pkt("E") + message(eom=False)
                     + pkt("H", z("again")) + optneg(6) + pkt("Q")),
    "bad-address": (0x00, 0, optneg(6) + connect("h", "4", 25,
                                                 "192.0.2.300")),
    "too-big": (0x00, 0, optneg(6) + struct.pack(">I", 0x10001) + b"B"),
    "zero-length": (0x00, 0, optneg(6) + struct.pack(">I", 0)),
    "truncated": (0x00, 1, postfix_start()[:-3]),
    "before-optneg": (0x00, 0, pkt("H", z("early")) + pkt("Q")),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "fuzz", "corpus", "milter")
    os.makedirs(out, exist_ok=True)
    for name, (policy, step, stream) in sorted(SEEDS.items()):
        data = struct.pack("<H", step) + bytes([policy]) + stream
        path = os.path.join(out, hashlib.sha1(data).hexdigest())
        with open(path, "wb") as f:
            f.write(data)
        print(os.path.basename(path), name)


if __name__ == "__main__":
    main()
