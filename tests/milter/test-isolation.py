#!/usr/bin/python3
"""test-isolation.py - a domain that never answers does not hold up other
sessions of the same spfc-milter.

Two MTA connections to one spfc-milter (the golden zone, timeout.conf:
Milter_Timeout = 1, TempError_Defer = True), spoken to over its socket in
the milter protocol (codec.h: 4-byte big-endian length, command byte,
payload):
  - A: MAIL from temp.example, whose record needs hang.example, a name
    that never answers; its RCPT is sent and left waiting;
  - B: then, on a second connection, MAIL from fail.example and its RCPT.
B must get its 550 5.7.23 while A still has no answer (A's socket has
nothing to read when B's reply is in), and A must then get the configured
TempError handling, 450 4.7.24, once its Milter_Timeout is over.

Usage: test-isolation.py SPFC_MILTER ZONE CONFIG
How it fails: "FAIL name: detail" per check, "N passed, M failed", exit 1.
"""
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
import harness  # noqa: E402

check = harness.check
# Bounds on waiting, far above what the milter needs (Milter_Timeout = 1):
# only a milter that hangs reaches them.
WAIT = 15.0


def packet(cmd, payload=b""):
    return struct.pack(">I", len(payload) + 1) + cmd + payload


def read_packet(s):
    """One packet (command byte, payload), or None at end of stream."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    head = exactly(4)
    if head is None:
        return None
    (n,) = struct.unpack(">I", head)
    if n < 1 or n > 65536:
        return None
    body = exactly(n)
    return None if body is None else (body[:1], body[1:])


def ask(s, cmd, payload):
    s.sendall(packet(cmd, payload))
    return read_packet(s)


def session(path, sender):
    """A connection up to MAIL from sender, every step answered CONTINUE;
    returns the socket or None."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(WAIT)
    s.connect(path)
    r = ask(s, b"O", struct.pack(">III", 6, 0x1FF, 0))
    if not check("negotiate (%s)" % sender, r and r[0] == b"O", r):
        return None
    steps = [(b"C", b"client.example\0" + b"4" + struct.pack(">H", 25) +
              b"192.0.2.9\0"),
             (b"H", b"x.example\0"),
             (b"M", b"<" + sender.encode() + b">\0")]
    for cmd, payload in steps:
        r = ask(s, cmd, payload)
        if not check("%s answered CONTINUE (%s)" % (cmd.decode(), sender),
                     r and r[0] == b"c", r):
            return None
    return s


def readable(s):
    return bool(select.select([s], [], [], 0)[0])


def wait_socket(path, proc):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def main():
    if len(sys.argv) != 4:
        print("usage: test-isolation.py SPFC_MILTER ZONE CONFIG",
              file=sys.stderr)
        return 2
    milter, zone, conf = sys.argv[1:]
    top = tempfile.mkdtemp(prefix="spfc-isolation.")
    path = os.path.join(top, "milter.sock")
    proc = subprocess.Popen([milter, "-f", "--zone", zone, "--socket",
                             "unix:" + path, conf],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if not check("milter listens", wait_socket(path, proc)):
            return harness.summary()
        a = session(path, "user@temp.example")
        if a is None:
            return harness.summary()
        a.sendall(packet(b"R", b"<someone@rcpt.example>\0"))
        b = session(path, "user@fail.example")
        if b is None:
            return harness.summary()
        rb = ask(b, b"R", b"<someone@rcpt.example>\0")
        a_waiting = not readable(a)
        check("the normal domain is answered 550 5.7.23",
              rb and rb[0] == b"y" and rb[1].startswith(b"550 5.7.23 "), rb)
        check("... while the slow domain's session still waits", a_waiting)
        ra = read_packet(a)
        check("the slow domain then gets TempError_Defer's 450 4.7.24",
              ra and ra[0] == b"y" and ra[1].startswith(b"450 4.7.24 "), ra)
        check("the milter still runs", proc.poll() is None)
        for s in (a, b):
            s.sendall(packet(b"Q"))
            s.close()
    finally:
        proc.terminate()
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(top, ignore_errors=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
