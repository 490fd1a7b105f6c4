#!/usr/bin/python3
"""Logging never blocks.

A syslog daemon that stops reading must not stop policyd-spf.  The test
gives the daemon a /dev/log of its own (bench/nsenv.sh: a private mount
namespace whose /dev has /dev/log -> a datagram socket of this test, the
mechanism of tests/policyd/test-syslog.py; the system's /dev/log is never
touched) and a reader that stops reading (a small SO_RCVBUF, nothing
received: the kernel soon refuses more datagrams).  In spawn mode and in
listen mode (--listen unix:PATH), with debugLevel 3 (several lines per
request):

1. every one of many pipelined requests is answered within a bounded time
   while syslog is stalled (before the fix: 31 answers, then the daemon
   sat in sendmmsg() for good);
2. after the reader resumes, the next request's lines are preceded by one
   line "N log lines dropped", N > 0, and N plus the lines the reader got
   account for every line of every request;
3. syslog restarts (a new socket at the same path) and stalls again: the
   daemon reconnects (lines arrive on the new socket) and still answers
   every request: the new socket does not block either;
4. SIGTERM while syslog is stalled ends the daemon within 2 s (spawn mode:
   by the signal; listen mode: exit 0).

Needs root (mount namespace); exits 77 (skipped) otherwise.
Usage: test-syslog.py POLICYD ZONE CONF NSENV
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

results = []
LINE = re.compile(rb"^<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} "
                  rb"policyd-spf\[([0-9]+)\]: (.*)$", re.S)
DROPPED = re.compile(rb"^([0-9]+) log lines dropped")
MANY = 400          # requests sent while syslog is stalled
ANSWER_S = 15       # bound for answering all of them
TERM_S = 2.0        # bound for SIGTERM


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name,
                       (": " + detail) if detail and not ok else ""))
    sys.stdout.flush()


def req(n, tag):
    return ("request=smtpd_access_policy\nclient_address=192.0.2.1\n"
            "helo_name=mail.pass.example\nsender=user@pass.example\n"
            "recipient=a@rcpt.example\ninstance=%s.%d\nqueue_id=%s%06d\n\n"
            % (tag, n, tag, n)).encode()


class Sink:
    """A syslog socket that this test reads only when told to."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.restarted = False

    def drain(self, quiet=0.3, limit=5.0):
        """Everything that arrives until `quiet` s pass without a datagram
        (at most `limit` s)."""
        out = []
        end = time.monotonic() + limit
        while True:
            left = min(quiet, end - time.monotonic())
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            while True:
                try:
                    out.append(self.sock.recv(65536))
                except BlockingIOError:
                    break
        return out

    def wait_for(self, pred, timeout):
        """Datagrams until one satisfies pred (or timeout); all returned."""
        out = []
        end = time.monotonic() + timeout
        while not any(pred(g) for g in out):
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            while True:
                try:
                    out.append(self.sock.recv(65536))
                except BlockingIOError:
                    break
        return out

    def restart(self):
        """A syslog daemon restarted: a new socket at the same path (the
        daemon's connected socket is refused from now on)."""
        path = self.sock.getsockname()
        self.sock.close()
        os.unlink(path)
        self.__init__(path)
        self.restarted = True

    def close(self):
        self.sock.close()


def exchange(wfd, rfd, data, want, timeout):
    """Write data to wfd while reading answers from rfd; returns the number
    of answers ("\\n\\n"-terminated) read within timeout."""
    os.set_blocking(wfd, False)
    os.set_blocking(rfd, False)
    end = time.monotonic() + timeout
    buf = b""
    got = 0
    pos = 0
    while got < want:
        left = end - time.monotonic()
        if left <= 0:
            break
        wl = [wfd] if pos < len(data) else []
        r, w, _ = select.select([rfd], wl, [], left)
        if w:
            try:
                pos += os.write(wfd, data[pos:pos + 65536])
            except BlockingIOError:
                pass
        if r:
            try:
                chunk = os.read(rfd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            buf += chunk
            k = buf.count(b"\n\n")
            got += k
            buf = buf[buf.rfind(b"\n\n") + 2:] if k else buf
    return got


def parse(dgrams, pid):
    """(priority, text) of the datagrams from process pid."""
    out = []
    for g in dgrams:
        m = LINE.match(g)
        if m and int(m.group(2)) == pid:
            out.append((int(m.group(1)), m.group(3)))
    return out


def terminate(d, what, want_rc):
    t0 = time.monotonic()
    d.send_signal(signal.SIGTERM)
    try:
        rc = d.wait(TERM_S + 3)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    if rc is not None:
        print("     %s: SIGTERM took %.3f s" % (what, took))
    check("%s: SIGTERM ends the daemon within %.0f s while syslog is stalled"
          % (what, TERM_S), rc is not None and took <= TERM_S,
          "still running after %.1f s" % took if rc is None else "%.2f s" % took)
    if rc is not None:
        check("%s: exit status after SIGTERM" % what, rc == want_rc,
              "rc %s, wanted %s" % (rc, want_rc))


def scenario(what, d, sink, wfd, rfd, tag, want_rc):
    """All the checks on one daemon (scenario1) and SIGTERM at the end,
    syslog stalled; then the lines the restarted syslog got."""
    scenario1(what, d, sink, wfd, rfd, tag)
    terminate(d, what, want_rc)
    if sink.restarted:
        got = parse(sink.drain(), d.pid)
        check("%s: the daemon reconnected to the restarted syslog" % what,
              len(got) > 0, "no line on the new socket")


def scenario1(what, d, sink, wfd, rfd, tag):
    """The stalled-syslog checks on a running daemon d whose request
    stream is wfd/rfd; sink has not been read.  Syslog is left stalled."""
    # 1: many requests, syslog stalled from the start
    t0 = time.monotonic()
    data = b"".join(req(n, tag) for n in range(MANY))
    got = exchange(wfd, rfd, data, MANY, ANSWER_S)
    took = time.monotonic() - t0
    print("     %s: %d of %d answered in %.2f s" % (what, got, MANY, took))
    check("%s: %d requests answered within %d s while syslog is stalled"
          % (what, MANY, ANSWER_S), got == MANY,
          "%d answered in %.1f s" % (got, took))
    if got != MANY:
        return

    # 2: the reader resumes (once the daemon has tried to send the last
    # lines: a batch waits at most 50 ms); the next request's lines come
    # after a report
    time.sleep(0.5)
    stalled = parse(sink.drain(), d.pid)
    mark = ("%s%06d" % (tag, MANY)).encode()
    got = exchange(wfd, rfd, req(MANY, tag), 1, 5)
    check("%s: answered once syslog reads again" % what, got == 1)
    after = parse(sink.wait_for(lambda g: mark in g, 5), d.pid)
    after += parse(sink.drain(quiet=0.2), d.pid)
    reports = [(i, int(DROPPED.match(t).group(1)))
               for i, (p, t) in enumerate(after) if DROPPED.match(t)]
    first = next((i for i, (p, t) in enumerate(after) if mark in t), None)
    n = reports[0][1] if reports else 0
    check("%s: a line \"N log lines dropped\" with N > 0 arrives" % what,
          len(reports) == 1 and n > 0,
          "reports %r; %d lines: %r" % (reports, len(after),
                                        [t[:60] for p, t in after[:4]]))
    check("%s: the report comes before the next request's lines" % what,
          bool(reports) and first is not None and reports[0][0] < first,
          "report at %r, request line at %r" % (reports[:1], first))
    # every line is accounted for: the lines of one request (those after
    # the report) times the requests, and the few start-up lines
    per = len(after) - len(reports)
    check("%s: the report's count accounts for every missing line" % what,
          per >= 1 and per * MANY <= n + len(stalled) <= per * MANY + 5,
          "%d dropped + %d received, %d lines per request" % (n, len(stalled), per))
    print("     %s: %d lines dropped, %d received while stalled" % (what, n, len(stalled)))
    check("%s: each line that went out is whole" % what,
          all(b"\n" not in t and b"\r" not in t for p, t in stalled + after))

    # 3: syslog restarts and stalls again: the daemon's new socket must
    # not block either; then SIGTERM (below)
    sink.restart()
    got = exchange(wfd, rfd, b"".join(req(n, tag + "r") for n in range(MANY)),
                   MANY, ANSWER_S)
    check("%s: syslog restarted and stalled: still answering" % what, got == MANY,
          "%d answered" % got)


def main():
    binary, zone, base_conf, nsenv = sys.argv[1:5]
    if os.geteuid() != 0 or subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        print("skipped: needs root and a mount namespace (for a /dev/log of its own)")
        return 77
    tmp = tempfile.mkdtemp(prefix="spfc-abuse-syslog.")
    conf = os.path.join(tmp, "policyd-spf.conf")
    with open(base_conf) as f, open(conf, "w") as o:
        o.write(f.read())
        o.write("\ndebugLevel = 3\n")
    procs = []
    errfiles = {}

    def errs(what):
        errfiles[what] = open(os.path.join(tmp, what + ".stderr"), "w+b")
        return errfiles[what]

    try:
        # spawn mode
        sink = Sink(os.path.join(tmp, "log1.sock"))
        d = subprocess.Popen([nsenv, sink.sock.getsockname(), binary, "--zone", zone, conf],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=errs("spawn"))
        procs.append(d)
        # nsenv.sh execs the daemon: d.pid is the daemon itself
        scenario("spawn", d, sink, d.stdin.fileno(), d.stdout.fileno(), "S",
                 -signal.SIGTERM)
        sink.close()

        # listen mode
        sink = Sink(os.path.join(tmp, "log2.sock"))
        path = os.path.join(tmp, "policy.sock")
        d = subprocess.Popen([nsenv, sink.sock.getsockname(), binary, "--zone", zone,
                              "--listen", "unix:" + path, conf],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=errs("listen"))
        procs.append(d)
        c = None
        for _ in range(100):
            try:
                c = socket.socket(socket.AF_UNIX)
                c.connect(path)
                break
            except OSError:
                c.close()
                c = None
                time.sleep(0.05)
        check("listen: the daemon listens", c is not None)
        if c is not None:
            scenario("listen", d, sink, c.fileno(), c.fileno(), "L", 0)
            c.close()
        sink.close()
    finally:
        for d in procs:
            if d.poll() is None:
                d.kill()
                d.wait()
    # an ASan/UBSan build reports on stderr (UBSan without failing)
    for what, f in errfiles.items():
        f.seek(0)
        text = f.read().decode(errors="replace")
        f.close()
        bad = [l for l in text.splitlines() if "Sanitizer" in l or "runtime error" in l]
        check("%s: no sanitizer report" % what, not bad, "\n".join(bad[:5]))
    for name in os.listdir(tmp):
        os.unlink(os.path.join(tmp, name))
    os.rmdir(tmp)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
