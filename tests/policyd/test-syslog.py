#!/usr/bin/python3
"""policyd-spf's log lines as a syslog daemon receives them.

policyd-spf writes RFC 3164 datagrams to /dev/log itself and sends them in
batches (man policyd-spf(8), LOGGING).  This test gives the daemon a
/dev/log of its own (bench/nsenv.sh: a private mount namespace whose /dev
has /dev/log -> a socket of this test) and checks:

1. every request's line arrives as its own datagram, well formed
   ("<22>Mmm dd hh:mm:ss policyd-spf[PID]: ...", facility mail, level
   info, no CR/LF), in request order;
2. a batch is not held back while the process waits for more input (the
   connection stays open and idle: the lines arrive anyway);
3. more lines than one batch holds all arrive, none twice;
4. SIGTERM in spawn mode sends the queued lines before the process dies
   of the signal;
5. end of input: every line has arrived when the process has exited.

Needs root (mount namespace); exits 77 (skipped) otherwise.
Usage: test-syslog.py POLICYD ZONE NSENV
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

results = []
LINE = re.compile(r"^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} "
                  r"policyd-spf\[([0-9]+)\]: (.*)$", re.S)


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name,
                       (": " + detail) if detail and not ok else ""))


def req(n, sender="user@pass.example", ip="192.0.2.1"):
    return ("request=smtpd_access_policy\nclient_address=%s\n"
            "helo_name=mail.pass.example\nsender=%s\nrecipient=a@rcpt.example\n"
            "instance=i.%d\nqueue_id=Q%05d\n\n" % (ip, sender, n, n)).encode()


class Sink:
    """Reads the log socket all the time, as a syslog daemon does (a unix
    datagram socket holds only a few datagrams: a sender blocks when the
    reader stops)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.got = []
        self.lock = threading.Condition()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            d = self.sock.recv(65536)
            with self.lock:
                self.got.append(d)
                self.lock.notify_all()

    def take(self, want, timeout):
        """Up to `want` datagrams, waiting at most `timeout` s for them."""
        end = time.monotonic() + timeout
        with self.lock:
            while len(self.got) < want:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
            out, self.got = self.got[:want], self.got[want:]
        return out


def read_answers(f, n):
    out = []
    buf = b""
    while len(out) < n:
        chunk = os.read(f.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            a, buf = buf.split(b"\n\n", 1)
            out.append(a.decode(errors="replace"))
    return out


def start(binary, zone, nsenv, logsock, conf):
    return subprocess.Popen([nsenv, logsock, binary, "--zone", zone, conf],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def main():
    binary, zone, nsenv = sys.argv[1:4]
    # root and a mount namespace of our own (not so under fakeroot or in
    # a build chroot without CAP_SYS_ADMIN)
    if os.geteuid() != 0 or subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        print("skipped: needs root and a mount namespace (for a /dev/log of its own)")
        return 77
    tmp = tempfile.mkdtemp()
    conf = os.path.join(tmp, "policyd-spf.conf")
    with open(conf, "w") as f:
        f.write("Hide_Receiver = No\n")
    logsock = os.path.join(tmp, "log.sock")
    sink = Sink(logsock)

    # 1 + 2: a few requests, the connection kept open and idle
    d = start(binary, zone, nsenv, logsock, conf)
    for n in range(5):
        d.stdin.write(req(n))
    d.stdin.flush()
    ans = read_answers(d.stdout, 5)
    check("five answers", len(ans) == 5 and all("Received-SPF: Pass" in a for a in ans),
          repr(ans))
    got = sink.take(5, 10)
    check("the lines arrive while the connection is idle", len(got) == 5,
          "%d datagrams" % len(got))
    parsed = [LINE.match(g.decode(errors="replace")) for g in got]
    check("each datagram is one well-formed syslog line (mail.info, ident, pid)",
          all(parsed) and all(int(m.group(1)) > 1 for m in parsed),
          repr(got[:2]))
    check("no CR or LF inside a line", all(b"\n" not in g and b"\r" not in g for g in got))
    order = [re.search(r"Q([0-9]{5})", m.group(2)).group(1) if m else None for m in parsed]
    check("lines in request order, one per request",
          order == ["%05d" % n for n in range(5)], repr(order))

    # 3: more lines than one batch
    many = 200
    for n in range(100, 100 + many):
        d.stdin.write(req(n))
    d.stdin.flush()
    ans = read_answers(d.stdout, many)
    got = sink.take(many, 10)
    ids = [re.search(rb"Q([0-9]{5})", g).group(1) for g in got]
    check("%d lines from a burst, each once, in order" % many,
          ids == [b"%05d" % n for n in range(100, 100 + many)],
          "%d datagrams" % len(got))

    # 5: end of input
    for n in range(400, 410):
        d.stdin.write(req(n))
    d.stdin.close()
    rc = d.wait(10)
    got = sink.take(10, 0.5)
    check("end of input: exit 0 with every line sent", rc == 0 and len(got) == 10,
          "rc %s, %d datagrams" % (rc, len(got)))
    d.stdout.close()
    d.stderr.close()

    # 4: SIGTERM sends what is queued
    d = start(binary, zone, nsenv, logsock, conf)
    for n in range(500, 503):
        d.stdin.write(req(n))
    d.stdin.flush()
    ans = read_answers(d.stdout, 3)
    # nsenv.sh execs the daemon: d.pid is the daemon itself
    d.send_signal(signal.SIGTERM)
    rc = d.wait(10)
    got = sink.take(3, 2)
    check("SIGTERM: the process ends by the signal", rc == -signal.SIGTERM, "rc %s" % rc)
    check("SIGTERM: the queued lines were sent first", len(got) == 3,
          "%d datagrams" % len(got))
    d.stdin.close()
    d.stdout.close()
    d.stderr.close()

    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
