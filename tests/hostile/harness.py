"""harness.py - what the hostile tests share: the check/summary lines and
running spfcheck and policyd-spf against dnsserver.py.

What it is for: every test prints one line per check ("ok   name" or
"FAIL name: detail") and ends with "N passed, M failed"; summary() returns
the exit status (1 when any check failed).  spfcheck() runs the CLI with
--json and returns its parsed output with the wall time; Spawn runs
policyd-spf in spawn mode and exchanges requests over its stdin/stdout.

How it fails: a program that crashes, hangs past its budget or prints
something that is not JSON is reported as a failed check (never an
exception that hides the other checks); Spawn.ask() returns None when no
complete answer came within its time-out.
"""
import json
import os
import select
import subprocess
import tempfile
import time

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    line = "%s %s" % ("ok  " if ok else "FAIL", name)
    if detail and not ok:
        line += ": " + str(detail)[:600]
    print(line, flush=True)
    return ok


def summary():
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed), flush=True)
    return 1 if failed else 0


class Run:
    """One spfcheck run: rc, json (dict or None), out, err, seconds."""

    def __init__(self, rc, out, err, seconds):
        self.rc = rc
        self.out = out
        self.err = err
        self.seconds = seconds
        try:
            self.json = json.loads(out) if out else None
        except ValueError:
            self.json = None

    @property
    def result(self):
        return self.json.get("result") if self.json else None

    def get(self, key, default=None):
        return self.json.get(key, default) if self.json else default

    def __repr__(self):
        return "rc=%s %.2fs out=%r err=%r" % (self.rc, self.seconds,
                                             self.out[:400], self.err[:300])


def spfcheck(binary, port, ip, sender, helo="helo.example", timeout=5,
             extra=(), wall=60):
    cmd = [binary, "--ip", ip, "--sender", sender, "--helo", helo,
           "--dns", "127.0.0.1:%d" % port, "--timeout", str(timeout),
           "--json", "--trace"] + list(extra)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=wall)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "hung", e.stdout or b"", e.stderr or b""
    return Run(rc, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), time.monotonic() - t0)


def request(ip="192.0.2.9", sender="user@example.com", helo="helo.example",
            recipient="someone@rcpt.example", instance="inst.1", extra=()):
    """A Postfix policy request as bytes; values may be bytes (anything but
    LF) or str."""
    attrs = [("request", "smtpd_access_policy"), ("protocol_state", "RCPT"),
             ("protocol_name", "ESMTP"), ("client_address", ip),
             ("client_name", "unknown"), ("reverse_client_name", "unknown"),
             ("helo_name", helo), ("sender", sender), ("recipient", recipient),
             ("recipient_count", "0"), ("queue_id", ""), ("instance", instance),
             ("size", "0")] + list(extra)
    out = b""
    for k, v in attrs:
        if isinstance(v, str):
            v = v.encode("latin-1")
        out += k.encode() + b"=" + v + b"\n"
    return out + b"\n"


class Spawn:
    """policyd-spf in spawn mode (stdin/stdout), one request at a time."""

    def __init__(self, binary, port, conf, extra=()):
        cmd = [binary]
        if port is not None:
            cmd += ["--dns", "127.0.0.1:%d" % port]
        cmd += list(extra) + [conf]
        # stderr goes to a file: a pipe nobody reads could fill and stall
        self.errfile = tempfile.TemporaryFile()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=self.errfile)
        self.buf = b""
        self.stderr = b""

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def read_answer(self, timeout):
        """Bytes up to and including the first "\\n\\n", or None."""
        end = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while b"\n\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        i = self.buf.index(b"\n\n") + 2
        ans, self.buf = self.buf[:i], self.buf[i:]
        return ans

    def ask(self, req, timeout=30):
        if not self.send(req):
            return None
        return self.read_answer(timeout)

    def pending(self, wait=0.3):
        """Whatever the daemon wrote that was not read as an answer yet."""
        fd = self.p.stdout.fileno()
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.buf += chunk
        return self.buf

    def close(self, timeout=30):
        """Close stdin and wait: the exit status (or "hung")."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            rc = "hung"
        self.errfile.seek(0)
        self.stderr = self.errfile.read()
        self.errfile.close()
        self.p.stdout.close()
        return rc
