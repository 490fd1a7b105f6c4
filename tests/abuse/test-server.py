#!/usr/bin/python3
"""test-server.py - policyd-spf's listen mode as an unattended service.

What it is for: the standalone server (--listen unix:PATH|inet:HOST:PORT)
tried as an attacker and as bad luck would.  Every check is named after
the numbered listen-mode item it covers:

  item 1   backpressure: a client that pipelines and never reads does not
           grow the daemon; it is closed ("unread"), others are answered
  item 2   accept never stalls: EMFILE and failed allocations are logged
           and the listener keeps serving once resources return
  item 4   safe socket creation: nothing that is not a socket is removed,
           a second instance refuses, mode and owner are set without a
           chmod/chown through the path, a daemon removes only its socket
  item 5   start-up errors are a message and exit status 1 (2 for bad
           usage), never a signal death, nothing left behind
  item 6   access control: socket 0660 and Socket_Group; inet: answers
           loopback or Listen_Allow only (in a network namespace the test
           makes, see server_netns.py); a wildcard bind is warned about
  item 7   the per-instance answer cache belongs to one connection
  item 8   Request_Timeout for a request trickled byte by byte; at
           Max_Clients the longest-idle client makes room, or the new
           one is refused at once when all are busy
  item 9   half-close: every answer is delivered before the close
  item 10  SIGHUP applies Max_Clients, Idle_Timeout, Request_Timeout;
           names the settings that need a restart; an unreadable file is
           a clear line and the old settings stay
  item 11  latency percentiles are real quantiles, not bucket bounds

Items 1, 8 and 9 run a second time against a sanitizer build when one is
given (or when POLICYD itself is one).

Usage: test-server.py POLICYD ZONE [ASAN_POLICYD]
Prints one "ok   name" / "FAIL name: detail" line per check ("skip ..."
for a check that cannot run here, e.g. without root), then
"N passed, M failed"; exit status 1 when any check failed.

How it fails: a daemon that crashes, hangs or never listens makes the
checks that needed it fail (never an exception that hides the others);
every daemon started here is stopped (SIGTERM, then SIGKILL) before the
script ends.  Loads are bounded: loopback or a unix socket in a temporary
directory, seconds of traffic, memory read from /proc.
"""
import sys
sys.dont_write_bytecode = True   # nothing written into the source tree
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
import harness  # noqa: E402
import dnsserver  # noqa: E402

check = harness.check
ROOT = os.geteuid() == 0
TMP = tempfile.mkdtemp(prefix="spfc-server-")
DAEMONS = []
SEQ = [0]


def skip(name, why):
    print("skip %s: %s" % (name, why), flush=True)


def is_sanitized(binary):
    try:
        with open(binary, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def fresh(name):
    SEQ[0] += 1
    return os.path.join(TMP, "%s-%d" % (name, SEQ[0]))


def write_conf(text, path=None):
    path = path or fresh("conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def req(ip="192.0.2.1", sender="user@pass.example", helo="mail.pass.example",
        instance=None):
    if instance is None:
        SEQ[0] += 1
        instance = "srv.%d" % SEQ[0]
    return harness.request(ip=ip, sender=sender, helo=helo, instance=instance)


PASS = "action=prepend Received-SPF: Pass"


# ---- clients ------------------------------------------------------------

def connect(addr, timeout=2.0, source=None):
    """A connected socket, or None.  addr: a unix path or (host, port)."""
    if isinstance(addr, str):
        s = socket.socket(socket.AF_UNIX)
    else:
        fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        s = socket.socket(fam)
        if source:
            s.bind((source, 0))
    s.settimeout(timeout)
    try:
        s.connect(addr)
        return s
    except OSError:
        s.close()
        return None


def read_answer(s, timeout):
    """One answer ("...\\n\\n") as str; "" at EOF with nothing; None when
    nothing complete came in time."""
    end = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n\n"):
        left = end - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            return None
        except OSError:
            chunk = b""
        if not chunk:
            return buf.decode("latin-1") if buf else ""
        buf += chunk
    return buf.decode("latin-1")


def ask(s, data, timeout=3.0):
    try:
        s.sendall(data)
    except OSError:
        return ""
    return read_answer(s, timeout)


def ask_new(addr, data=None, timeout=3.0):
    s = connect(addr)
    if s is None:
        return None
    try:
        return ask(s, data or req(), timeout)
    finally:
        s.close()


def eof_within(s, timeout):
    """Seconds until the server closed s (EOF or reset), or None."""
    t0 = time.monotonic()
    end = t0 + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return None
        except OSError:
            return time.monotonic() - t0
        if not chunk:
            return time.monotonic() - t0


# ---- the daemon ---------------------------------------------------------

class Daemon:
    """policyd-spf --listen ADDR with --stderr into a file; addr is a unix
    path or (host, port)."""

    def __init__(self, binary, conf, addr, zone=None, dns=None, extra=(),
                 env=None, wrap=(), cwd=None):
        self.addr = addr
        self.binary = binary
        self.conf = conf
        spec = ("unix:" + addr if isinstance(addr, str) else
                "inet:%s:%d" % (("[%s]" % addr[0]) if ":" in addr[0] else addr[0],
                                addr[1]))
        cmd = list(wrap) + [binary, "--stderr"]
        if zone:
            cmd += ["--zone", zone]
        if dns:
            cmd += ["--dns", dns]
        cmd += list(extra) + ["--listen", spec, conf]
        self.errpath = fresh("stderr")
        self.errf = open(self.errpath, "wb")
        e = dict(os.environ)
        if env:
            e.update(env)
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=self.errf,
                                  env=e, cwd=cwd or TMP)
        self.rc = None
        DAEMONS.append(self)

    @property
    def pid(self):
        return self.p.pid

    def log(self):
        with open(self.errpath, "rb") as f:
            return f.read().decode("latin-1")

    def lines(self):
        return self.log().splitlines()

    def mark(self):
        return len(self.lines())

    def since(self, mark):
        return self.lines()[mark:]

    def wait_log(self, pattern, mark=0, timeout=3.0):
        """The first log line after mark matching pattern (a regex, case
        insensitive), or None."""
        rx = re.compile(pattern, re.I)
        end = time.monotonic() + timeout
        while True:
            for ln in self.since(mark):
                if rx.search(ln):
                    return ln
            if time.monotonic() > end or self.p.poll() is not None:
                return None
            time.sleep(0.05)

    def ready(self, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.p.poll() is not None:
                return False
            s = connect(self.addr, timeout=0.5)
            if s is not None:
                s.close()
                time.sleep(0.2)     # the probe is gone before the test's clients
                return True
            time.sleep(0.05)
        return False

    def alive(self):
        return self.p.poll() is None

    def status(self, name):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for ln in f:
                    if ln.startswith(name + ":"):
                        return int(ln.split()[1])
        except OSError:
            pass
        return None

    def stats(self, timeout=3.0):
        """The sections of a fresh "stats:" line: {section: {key: int}}
        ("" for the first section), or None."""
        n = sum(1 for ln in self.lines() if "stats:" in ln)
        try:
            self.p.send_signal(signal.SIGUSR1)
        except OSError:
            return None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = [ln for ln in self.lines() if "stats:" in ln]
            if len(got) > n:
                return parse_stats(got[-1])
            time.sleep(0.05)
        return None

    def hup(self, timeout=3.0):
        """SIGHUP; the log lines that followed it (until quiet)."""
        m = self.mark()
        self.p.send_signal(signal.SIGHUP)
        end = time.monotonic() + timeout
        last, seen = time.monotonic(), m
        while time.monotonic() < end:
            n = self.mark()
            if n != seen:
                seen, last = n, time.monotonic()
            elif n > m and time.monotonic() - last > 0.3:
                break
            time.sleep(0.05)
        return self.since(m)

    def stop(self, timeout=8.0):
        if self.rc is None:
            if self.p.poll() is None:
                try:
                    self.p.send_signal(signal.SIGTERM)
                    self.rc = self.p.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.p.kill()
                    self.p.wait()
                    self.rc = "hung"
            else:
                self.rc = self.p.returncode
            self.errf.close()
        return self.rc


def parse_stats(line):
    out = {}
    body = line.split("stats:", 1)[1]
    for part in body.split(";"):
        sect, _, rest = part.strip().partition(":")
        if not rest or "=" in sect:
            sect, rest = "", part
        out[sect.strip()] = {k: int(v) for k, v in
                             re.findall(r"([A-Za-z_0-9]+)=(\d+)", rest)}
    return out


def counter(st, key):
    if not st:
        return None
    return st.get("clients", {}).get(key)


def sanitizer_clean(d, tag, name):
    """After d stopped: a check that the sanitizer found nothing."""
    if not tag:
        return
    log = d.log()
    bad = [ln for ln in log.splitlines() if "Sanitizer" in ln or "runtime error" in ln]
    check("%s%s: no sanitizer report" % (name, tag), not bad and d.rc == 0,
          "rc=%s %s" % (d.rc, " | ".join(bad[:3])))


def start(binary, conf_text="", addr=None, **kw):
    addr = addr or fresh("sock")
    d = Daemon(binary, write_conf(conf_text), addr, **kw)
    ok = d.ready()
    return d, ok


def guarded(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # a broken daemon must not hide the other checks
        check("%s: ran to the end" % name, False, "%s: %s" % (type(e).__name__, e))


# ---- item 1: backpressure -----------------------------------------------

def flood_unread(s, total, deadline, stall=1.0):
    """Send total bytes of empty lines on s without reading; stop when the
    peer stops taking them for stall seconds.  Bytes sent."""
    s.setblocking(False)
    chunk = b"\n" * 65536
    sent, last = 0, time.monotonic()
    import select
    while sent < total and time.monotonic() < deadline:
        _, w, _ = select.select([], [s], [], 0.1)
        if not w:
            if time.monotonic() - last > stall:
                break
            continue
        try:
            n = s.send(chunk[:min(len(chunk), total - sent)])
        except BlockingIOError:
            continue
        except OSError:
            break
        sent += n
        last = time.monotonic()
    return sent


def settle_hwm(d, quiet=0.6, limit=12.0):
    """VmHWM once it has stopped growing (kB)."""
    end = time.monotonic() + limit
    prev, since = d.status("VmHWM"), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.1)
        cur = d.status("VmHWM")
        if cur is None:
            return prev
        if cur != prev:
            prev, since = cur, time.monotonic()
        elif time.monotonic() - since > quiet:
            break
    return prev


def item1(binary, zone, tag="", tcp=False):
    name = "item 1%s%s" % (tag, " (tcp)" if tcp else "")
    env = {}
    limit_mb = 16
    if tag:
        env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
        limit_mb = 48
    addr = ("127.0.0.1", free_port()) if tcp else fresh("sock")
    d, ok = start(binary, "Request_Timeout = 2\n", addr, zone=zone, env=env)
    try:
        if not check("%s: daemon listens" % name, ok, d.log()):
            return
        base = d.status("VmRSS")
        total = (2 if tcp else 1) * 1000 * 1000
        s = connect(addr)
        t0 = time.monotonic()
        sent = flood_unread(s, total, t0 + 8)
        # meanwhile another client is answered
        other = ask_new(addr, req(), timeout=3)
        hwm = settle_hwm(d)
        growth = (hwm - base) / 1024.0 if hwm and base else None
        check("%s: RSS growth after %d bytes of pipelined empty requests, "
              "answers unread, stays under %d MB" % (name, total, limit_mb),
              growth is not None and growth < limit_mb,
              "grew %.1f MB (sent %d bytes)" % (growth or -1, sent))
        check("%s: another client is answered meanwhile" % name,
              other is not None and other.startswith(PASS), repr(other))
        # the one that never reads is closed within Request_Timeout of the
        # stall (2 s), with a log line
        line = d.wait_log(r"unread", 0, timeout=6)
        check("%s: the client that leaves its answers unread is closed, "
              "logged" % name, line is not None, d.log()[-400:])
        s.setblocking(True)
        closed = None
        end = time.monotonic() + 5
        while time.monotonic() < end:      # drain what was queued, then EOF
            s.settimeout(max(0.05, end - time.monotonic()))
            try:
                if not s.recv(1 << 20):
                    closed = True
                    break
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
        check("%s: its connection is closed by the server" % name,
              closed is True, "still open after %.1f s" % (time.monotonic() - t0))
        s.close()
        if not tcp:
            st = d.stats()
            check("%s: stats count it (clients: unread=1)" % name,
                  counter(st, "unread") == 1, str(st and st.get("clients")))
        print("     figure %s: sent %d bytes, RSS %s kB -> peak %s kB (+%.1f MB)"
              % (name, sent, base, hwm, growth or -1), flush=True)
    finally:
        d.stop()
        sanitizer_clean(d, tag, name)


# ---- item 2: accept never stalls ----------------------------------------

def prlimit(pid, what, value):
    r = subprocess.run(["prlimit", "--pid", str(pid), "--%s=%s" % (what, value)],
                       capture_output=True, text=True, timeout=5)
    return r.returncode == 0, r.stderr


def item2_emfile(binary, zone):
    name = "item 2"
    if not shutil.which("prlimit"):
        skip(name + ": EMFILE", "prlimit not installed")
        return
    d, ok = start(binary, "", zone=zone)
    clients = []
    try:
        if not check("%s: daemon listens (EMFILE)" % name, ok, d.log()):
            return
        nfd = len(os.listdir("/proc/%d/fd" % d.pid))
        m = d.mark()
        # the soft limit only: raising a hard limit again needs
        # CAP_SYS_RESOURCE, which a container's root may lack
        okp, err = prlimit(d.pid, "nofile", "%d:" % (nfd + 2))
        if not check("%s: prlimit --nofile on the daemon" % name, okp, err):
            return
        answered = 0
        for _ in range(12):
            s = connect(d.addr, timeout=1)
            if s is None:
                continue
            clients.append(s)
            try:
                s.sendall(req())
            except OSError:
                pass
        for s in clients:
            a = read_answer(s, 0.3)
            answered += bool(a and a.startswith("action="))
        line = d.wait_log(r"accept|connection", m, timeout=2)
        check("%s: running out of descriptors (EMFILE) is logged" % name,
              line is not None, "log after the limit: %r" % d.since(m)[-5:])
        for s in clients:
            s.close()
        clients = []
        prlimit(d.pid, "nofile", "1024:")
        time.sleep(0.2)
        a = ask_new(d.addr, req(), timeout=3)
        check("%s: after EMFILE, once descriptors return, a new client is "
              "answered" % name, a is not None and a.startswith(PASS), repr(a))
        lines = [ln for ln in d.since(m) if re.search("accept|connection", ln, re.I)]
        check("%s: the EMFILE log line is rate-limited (1 to 3 lines for 12 "
              "connections)" % name, 1 <= len(lines) <= 3, lines[:6])
        print("     figure %s EMFILE: %d of 12 answered at the limit; log %r"
              % (name, answered, lines[:2]), flush=True)
    finally:
        for s in clients:
            s.close()
        d.stop()


def item2_nomem(binary, zone):
    name = "item 2"
    if not shutil.which("prlimit"):
        skip(name + ": allocation failure", "prlimit not installed")
        return
    if is_sanitized(binary):
        skip(name + ": allocation failure", "RLIMIT_AS means nothing under ASan")
        return
    d, ok = start(binary, "", zone=zone)
    clients = []
    try:
        if not check("%s: daemon listens (allocation failure)" % name, ok, d.log()):
            return
        m = d.mark()
        vm = d.status("VmSize")
        okp, err = prlimit(d.pid, "as", "%d:" % ((vm + 64) * 1024))
        if not check("%s: prlimit --as on the daemon" % name, okp, err):
            return
        # 500 silent clients: each needs memory at accept only (a few
        # hundred bytes; 500 of them are far more than the 64 kB left),
        # so the allocation that fails is the connection's own.  A check
        # would need more at once and fail first, elsewhere.
        for i in range(500):
            s = connect(d.addr, timeout=0.5)
            if s is None:
                break
            clients.append(s)
        time.sleep(0.5)
        got = d.since(m)
        for s in clients:
            s.close()
        clients = []
        okp, err = prlimit(d.pid, "as", "unlimited:")
        time.sleep(0.3)
        a = ask_new(d.addr, req(), timeout=3)
        check("%s: after allocations failed under a flood, once memory "
              "returns, a new client is answered" % name,
              a is not None and a.startswith(PASS),
              "answer %r; daemon %s" % (a, "alive" if d.alive() else "dead"))
        fail_lines = [ln for ln in got
                      if re.search(r"accept|connection", ln, re.I)]
        check("%s: the failed allocation is logged" % name, fail_lines,
              "log during the flood: %r" % got[-5:])
        check("%s: ... rate-limited (1 to 20 lines for 500 connections)" % name,
              1 <= len(fail_lines) <= 20,
              "%d lines, e.g. %r" % (len(fail_lines), sorted(set(fail_lines))[:4]))
        print("     figure %s nomem: VmSize %d kB, limit +64 kB, %d connections;"
              " %d lines logged; answer after: %r"
              % (name, vm, 500, len(fail_lines), (a or "")[:40]), flush=True)
    finally:
        for s in clients:
            s.close()
        d.stop()


# ---- item 4: safe socket creation ---------------------------------------

def run_once(binary, conf_text, spec, zone, timeout=4.0, cwd=None):
    """Start a daemon that should refuse: (rc, stderr); rc "running" when
    it was still running after timeout (then killed)."""
    conf = write_conf(conf_text)
    cmd = [binary, "--zone", zone, "--listen", spec, conf]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, cwd=cwd or TMP)
        return r.returncode, r.stderr.decode("latin-1")
    except subprocess.TimeoutExpired as e:
        return "running", (e.stderr or b"").decode("latin-1")


def run_refused(binary, conf_text, spec, zone, want, times=12, cwd=None):
    """run_once up to `times` times (a crash on a start-up error can depend
    on what the stack held): the first result whose status is not `want`,
    else the last."""
    for _ in range(times):
        rc, err = run_once(binary, conf_text, spec, zone, cwd=cwd)
        if rc != want:
            break
    return rc, err


def msg_ok(err):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    return 1 <= len(lines) <= 2


def item4(binary, zone):
    name = "item 4"
    # a regular file, a symlink, a directory at the path
    path = fresh("regular")
    with open(path, "w") as f:
        f.write("precious\n")
    rc, err = run_once(binary, "", "unix:" + path, zone)
    kept = False
    if os.path.isfile(path) and not os.path.islink(path):
        with open(path) as f:
            kept = f.read() == "precious\n"
    check("%s: --listen unix:PATH on a regular file exits 1 with a message, "
          "the file untouched" % name, rc == 1 and msg_ok(err) and kept,
          "rc=%s kept=%s stderr=%r" % (rc, kept, err))
    print("     figure %s regular file: rc=%s, file %s" %
          (name, rc, "kept" if kept else "DELETED"), flush=True)

    victim = fresh("victim")
    with open(victim, "w") as f:
        f.write("victim\n")
    os.chmod(victim, 0o644)
    link = fresh("link")
    os.symlink(victim, link)
    rc, err = run_once(binary, "", "unix:" + link, zone)
    intact = os.path.islink(link) and os.readlink(link) == victim and \
        stat.S_IMODE(os.stat(victim).st_mode) == 0o644
    check("%s: on a symlink exits 1, the link and its target untouched" % name,
          rc == 1 and msg_ok(err) and intact,
          "rc=%s intact=%s stderr=%r" % (rc, intact, err))

    dpath = fresh("dir")
    os.mkdir(dpath)
    with open(os.path.join(dpath, "inside"), "w") as f:
        f.write("x")
    rc, err = run_refused(binary, "", "unix:" + dpath, zone, 1)
    check("%s: on a directory exits 1, the directory untouched" % name,
          rc == 1 and os.path.isfile(os.path.join(dpath, "inside")),
          "rc=%s stderr=%r" % (rc, err))

    # a second instance on the path of a running one
    a, ok = start(binary, "", zone=zone)
    try:
        if check("%s: first instance listens" % name, ok, a.log()):
            rc, err = run_once(binary, "", "unix:" + a.addr, zone)
            ans = ask_new(a.addr, req(), timeout=3)
            check("%s: a second instance on the same path exits 1 saying "
                  "\"already\"" % name, rc == 1 and "already" in err.lower(),
                  "rc=%s stderr=%r" % (rc, err))
            check("%s: the first instance keeps answering on its socket" % name,
                  ans is not None and ans.startswith(PASS), repr(ans))
            print("     figure %s second instance: rc=%s; first then answers %r"
                  % (name, rc, (ans or "")[:30]), flush=True)
    finally:
        a.stop()

    # a stale socket (nothing answers there) is replaced
    stale = fresh("stale")
    s = socket.socket(socket.AF_UNIX)
    s.bind(stale)
    s.close()
    d, ok = start(binary, "", stale, zone=zone)
    try:
        ans = ask_new(stale, req()) if ok else None
        check("%s: a stale socket is replaced and answered on" % name,
              ans is not None and ans.startswith(PASS), "%r %s" % (ans, d.log()))
    finally:
        d.stop()

    # a daemon removes only the socket it created
    a, ok1 = start(binary, "", zone=zone)
    b = None
    try:
        if ok1:
            os.unlink(a.addr)
        b = Daemon(binary, write_conf(""), a.addr, zone=zone)
        ok2 = b.ready()
        a.stop()
        time.sleep(0.2)
        there = os.path.exists(b.addr) and stat.S_ISSOCK(os.stat(b.addr).st_mode)
        ans = ask_new(b.addr, req()) if there else None
        check("%s: a daemon stopping does not remove another daemon's socket "
              "at its path" % name,
              ok1 and ok2 and there and ans is not None and ans.startswith(PASS),
              "A ok=%s B ok=%s socket there=%s answer=%r" % (ok1, ok2, there, ans))
    finally:
        a.stop()
        if b:
            b.stop()

    # mode and owner
    d, ok = start(binary, "Socket_Mode = 0600\n", zone=zone)
    try:
        mode = stat.S_IMODE(os.stat(d.addr).st_mode) if ok else None
        check("%s: Socket_Mode = 0600 gives a 0600 socket" % name,
              mode == 0o600, "mode=%s" % (oct(mode) if mode is not None else d.log()))
    finally:
        d.stop()
    if not ROOT:
        skip(name + ": Socket_Owner", "needs root")
        return
    conf = "Socket_Owner = nobody:nogroup\n"
    d, ok = start(binary, conf, zone=zone)
    try:
        st = os.stat(d.addr) if ok else None
        check("%s: Socket_Owner = nobody:nogroup gives the socket that owner"
              % name, st and (st.st_uid, st.st_gid) == (65534, 65534) and
              stat.S_IMODE(st.st_mode) == 0o660,
              "stat=%s log=%r" % (st and (st.st_uid, st.st_gid, oct(st.st_mode)),
                                  d.log()[-300:]))
    finally:
        d.stop()
    path = fresh("sock")
    calls, ok = path_calls(binary, write_conf(conf + "Socket_Mode = 0640\n"),
                           path, zone)
    if calls is None:
        skip(name + ": no chmod/chown through the socket path",
             "cannot trace system calls here (%s)" % ok)
        return
    check("%s: mode and owner set without a chmod/chown through the socket "
          "path (a path an attacker can swap)" % name, ok and not calls,
          "listened=%s calls=%r" % (ok, calls[:3]))


# The chmod/chown family on x86_64: number -> (name, index of the path
# argument, index of the dirfd argument or None).
PATH_CALLS = {90: ("chmod", 0, None), 92: ("chown", 0, None),
              94: ("lchown", 0, None), 260: ("fchownat", 1, 0),
              268: ("fchmodat", 1, 0), 452: ("fchmodat2", 1, 0)}
WAIT_CALLS = (232, 281, 441)   # epoll_wait, epoll_pwait, epoll_pwait2
AT_FDCWD = -100


def read_cstring(pid, addr, limit=4096):
    """A NUL-terminated string in a stopped tracee, read page by page (a
    read across the end of a mapping fails as a whole)."""
    out = b""
    try:
        fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    except OSError:
        return "?"
    try:
        while len(out) < limit:
            n = 4096 - (addr + len(out)) % 4096
            chunk = os.pread(fd, n, addr + len(out))
            if not chunk:
                break
            if b"\0" in chunk:
                return (out + chunk.split(b"\0", 1)[0]).decode("latin-1")
            out += chunk
    except OSError:
        return "?"
    finally:
        os.close(fd)
    return out.decode("latin-1")


def path_calls(binary, conf, path, zone):
    """Start policyd-spf on unix:path under ptrace (stdlib ctypes, x86_64)
    until its event loop first waits; every chmod/chown-family call whose
    path, resolved against its directory descriptor, names `path`.
    Returns (calls, listened) or (None, why) when tracing is not possible."""
    import ctypes
    import platform
    if platform.machine() != "x86_64":
        return None, "not x86_64"
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                            ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long

    class Regs(ctypes.Structure):
        _fields_ = [(n, ctypes.c_ulonglong) for n in (
            "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi "
            "orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs").split()]

    def traceme():
        if libc.ptrace(0, 0, None, None) != 0:          # PTRACE_TRACEME
            raise OSError("ptrace refused")

    errf = open(fresh("stderr"), "wb")
    cmd = [binary, "--stderr", "--zone", zone, "--listen", "unix:" + path, conf]
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=errf, cwd=TMP,
                             preexec_fn=traceme)
    except (OSError, subprocess.SubprocessError) as e:
        errf.close()
        return None, "ptrace: %s" % e
    pid = p.pid
    found, entering, detached = [], True, False
    deadline = time.monotonic() + 10
    # a tracee that never stops again must not hang the test
    watchdog = threading.Timer(15, lambda: os.kill(pid, signal.SIGKILL))
    watchdog.start()
    try:
        _, st = os.waitpid(pid, 0)             # the stop at exec
        if not os.WIFSTOPPED(st):
            return None, "the traced program did not stop"
        libc.ptrace(0x4200, pid, None, ctypes.c_void_p(1 | 0x100000))
        sig = 0
        while time.monotonic() < deadline:
            if libc.ptrace(24, pid, None, ctypes.c_void_p(sig)) != 0:  # SYSCALL
                break
            _, st = os.waitpid(pid, 0)
            if os.WIFEXITED(st) or os.WIFSIGNALED(st):
                p.returncode = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -os.WTERMSIG(st)
                break
            stop = os.WSTOPSIG(st)
            if stop != (signal.SIGTRAP | 0x80):
                sig = stop if stop != signal.SIGTRAP else 0
                continue
            sig = 0
            if not entering:
                entering = True
                continue
            entering = False
            r = Regs()
            if libc.ptrace(12, pid, None, ctypes.byref(r)) != 0:   # GETREGS
                break
            nr = r.orig_rax
            if nr in WAIT_CALLS:
                libc.ptrace(17, pid, None, None)                   # DETACH
                detached = True
                break
            if nr in PATH_CALLS:
                cname, pi, di = PATH_CALLS[nr]
                args = [r.rdi, r.rsi, r.rdx, r.r10]
                raw = read_cstring(pid, args[pi])
                dirfd = ctypes.c_int(args[di] & 0xffffffff).value if di is not None else AT_FDCWD
                if raw.startswith("/"):
                    full = raw
                elif dirfd == AT_FDCWD:
                    full = os.path.join(os.readlink("/proc/%d/cwd" % pid), raw)
                else:
                    try:
                        base = os.readlink("/proc/%d/fd/%d" % (pid, dirfd))
                    except OSError:
                        base = "?"
                    full = os.path.join(base, raw) if raw else base
                if os.path.normpath(full) == os.path.normpath(path):
                    found.append("%s(%r)" % (cname, full))
        listened = False
        if detached:
            d = Daemon.__new__(Daemon)
            d.addr, d.p, d.errf, d.rc = path, p, errf, None
            d.errpath = errf.name
            DAEMONS.append(d)
            listened = d.ready(5)
            d.stop()
        return found, listened
    finally:
        watchdog.cancel()
        if p.returncode is None and not detached:
            try:
                p.kill()
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
            p.returncode = -9
        errf.close()


# ---- item 5: start-up errors --------------------------------------------

def item5(binary, zone):
    name = "item 5"
    path = fresh("sock")
    rc, err = run_refused(binary, "User = nosuchuser\n", "unix:" + path, zone, 1)
    check("%s: User = nosuchuser exits 1 with a message, no crash" % name,
          rc == 1 and msg_ok(err), "rc=%s stderr=%r" % (rc, err))
    check("%s: User = nosuchuser leaves no socket file behind" % name,
          not os.path.lexists(path), "left %s" % path)
    print("     figure %s User=nosuchuser: rc=%s" % (name, rc), flush=True)

    dpath = fresh("dir")
    os.mkdir(dpath)
    rc, err = run_refused(binary, "", "unix:" + dpath, zone, 1)
    check("%s: --listen unix:DIR exits 1 with a message, no crash" % name,
          rc == 1 and msg_ok(err), "rc=%s stderr=%r" % (rc, err))
    print("     figure %s unix:DIR: rc=%s" % (name, rc), flush=True)

    for spec in ("inet:nohost", "tcp:1.2.3.4:5"):
        cwd = fresh("cwd")
        os.mkdir(cwd)
        rc, err = run_refused(binary, "", spec, zone, 2, cwd=cwd)
        left = os.listdir(cwd)
        check("%s: malformed --listen %s exits 2 with a message, nothing "
              "created" % (name, spec), rc == 2 and err.strip() and not left,
              "rc=%s left=%r stderr=%r" % (rc, left, err[:200]))
        print("     figure %s %s: rc=%s left=%r" % (name, spec, rc, left), flush=True)

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        rc, err = run_refused(binary, "", "inet:127.0.0.1:%d" % port, zone, 1)
    finally:
        busy.close()
    check("%s: a port already in use exits 1 with a message" % name,
          rc == 1 and msg_ok(err), "rc=%s stderr=%r" % (rc, err))


# ---- item 6: access control (unix part; inet part in a namespace) -------

def item6_unix(binary, zone):
    name = "item 6"
    d, ok = start(binary, "", zone=zone)
    try:
        mode = stat.S_IMODE(os.stat(d.addr).st_mode) if ok else None
        check("%s: the unix socket is 0660 by default" % name, mode == 0o660,
              "mode=%s" % (oct(mode) if mode is not None else d.log()))
        print("     figure %s default mode: %s" % (name, oct(mode or 0)), flush=True)
    finally:
        d.stop()
    if not ROOT:
        skip(name + ": Socket_Group", "needs root")
    else:
        d, ok = start(binary, "Socket_Group = nogroup\n", zone=zone)
        try:
            st = os.stat(d.addr) if ok else None
            check("%s: Socket_Group = nogroup gives the socket that group" % name,
                  st is not None and st.st_gid == 65534 and
                  stat.S_IMODE(st.st_mode) == 0o660,
                  "stat=%s log=%r" % (st and (st.st_uid, st.st_gid, oct(st.st_mode)),
                                      d.log()[-300:]))
        finally:
            d.stop()


def item6_netns(binary, zone):
    name = "item 6"
    helper = os.path.join(HERE, "server_netns.py")
    if not ROOT or not shutil.which("unshare") or not shutil.which("ip"):
        skip(name + ": inet access control in a network namespace",
             "needs root, unshare and ip")
        return
    try:
        r = subprocess.run(["unshare", "-n", sys.executable, helper, binary, zone],
                           capture_output=True, text=True, timeout=60)
        out, err = r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        out, err = (e.stdout or b"").decode(), "timed out"
    seen = False
    for ln in out.splitlines():
        if ln.startswith("ok   "):
            check(ln[5:], True)
            seen = True
        elif ln.startswith("FAIL "):
            nm, _, detail = ln[5:].partition(": ")
            check(nm, False, detail)
            seen = True
        else:
            print(ln, flush=True)
    if not seen:
        check("%s: the namespace checks ran" % name, False, err[-400:])


# ---- item 7: the instance cache is per connection ------------------------

def item7(binary, zone):
    name = "item 7"
    d, ok = start(binary, "", zone=zone)
    try:
        if not check("%s: daemon listens" % name, ok, d.log()):
            return
        a = connect(d.addr)
        b = connect(d.addr)
        ra = ask(a, req(ip="192.0.2.9", sender="user@fail.example",
                        helo="x.example", instance="shared.1"))
        rb = ask(b, req(ip="192.0.2.1", sender="user@pass.example",
                        instance="shared.1"))
        check("%s: connection A's reject for instance X" % name,
              ra is not None and ra.startswith("action=550"), repr(ra))
        check("%s: connection B with the same instance gets its own answer "
              "(Pass), not A's" % name, rb is not None and rb.startswith(PASS),
              repr(rb))
        ra2 = ask(a, req(ip="192.0.2.1", sender="user@pass.example",
                         instance="shared.1"))
        check("%s: within one connection the instance's answer is still "
              "cached" % name, ra2 is not None and ra2.startswith("action=550"),
              repr(ra2))
        print("     figure %s: B got %r" % (name, (rb or "")[:40]), flush=True)
        a.close()
        b.close()
    finally:
        d.stop()


# ---- item 8: slow and idle clients --------------------------------------

def trickle(s, data, every, limit):
    """Send data one byte every `every` seconds; seconds until the server
    closed the connection, or None within limit."""
    t0 = time.monotonic()
    s.setblocking(True)
    i = 0
    while time.monotonic() - t0 < limit:
        try:
            s.send(data[i % len(data):i % len(data) + 1])
        except OSError:
            return time.monotonic() - t0
        i += 1
        e = eof_within(s, every)
        if e is not None:
            return time.monotonic() - t0
    return None


def item8(binary, zone, tag=""):
    name = "item 8" + tag
    # a request trickled byte by byte
    d, ok = start(binary, "Request_Timeout = 2\n", zone=zone)
    try:
        if not check("%s: daemon listens" % name, ok, d.log()):
            return
        idle = connect(d.addr)
        used = connect(d.addr)
        first = ask(used, req())
        s = connect(d.addr)
        long_req = req()[:-1] + b"x-pad=" + b"p" * 200 + b"\n\n"
        t = trickle(s, long_req, 0.5, 6.0)
        s.close()
        check("%s: a request trickled one byte per 0.5 s is closed about "
              "Request_Timeout (2 s) after its first byte" % name,
              t is not None and 1.5 <= t <= 4.5,
              "closed after %s s" % (None if t is None else round(t, 2)))
        print("     figure %s trickle: closed after %s s" %
              (name, None if t is None else round(t, 2)), flush=True)
        check("%s: logged with Request_Timeout" % name,
              d.wait_log("Request_Timeout", 0, 1) is not None, d.log()[-300:])
        st = d.stats()
        check("%s: stats count it (timed_out=1)" % name,
              counter(st, "timed_out") == 1, str(st and st.get("clients")))
        a1 = ask(idle, req())
        a2 = ask(used, req())
        check("%s: a connection idle between requests outlives "
              "Request_Timeout" % name,
              a1 is not None and a1.startswith(PASS) and first and
              first.startswith(PASS) and a2 is not None and a2.startswith(PASS),
              "idle=%r used=%r" % (a1, a2))
        idle.close()
        used.close()
    finally:
        d.stop()
        sanitizer_clean(d, tag, name + " Request_Timeout")

    # Max_Clients reached with an idle client: the longest idle makes room
    d, ok = start(binary, "Max_Clients = 3\n", zone=zone)
    cs = []
    try:
        if not check("%s: daemon listens (Max_Clients = 3)" % name, ok, d.log()):
            return
        c1 = connect(d.addr)
        time.sleep(0.3)
        c2 = connect(d.addr)
        c3 = connect(d.addr)
        cs = [c1, c2, c3]
        r2, r3 = ask(c2, req()), ask(c3, req())
        c4 = connect(d.addr)
        cs.append(c4)
        r4 = ask(c4, req(), timeout=2) if c4 else None
        gone = eof_within(c1, 1.5)
        check("%s: at Max_Clients a new client is answered" % name,
              r4 is not None and r4.startswith(PASS), repr(r4))
        check("%s: the longest-idle connection was closed to make room" % name,
              gone is not None, "c1 still open")
        r2b, r3b = ask(c2, req()), ask(c3, req())
        check("%s: the busier connections stay open" % name,
              all(r and r.startswith(PASS) for r in (r2, r3, r2b, r3b)),
              repr((r2b, r3b)))
        check("%s: eviction logged (longest idle)" % name,
              d.wait_log("longest idle", 0, 1) is not None, d.log()[-300:])
        st = d.stats()
        check("%s: stats count it (evicted=1)" % name,
              counter(st, "evicted") == 1, str(st and st.get("clients")))
        print("     figure %s eviction: new client got %r" % (name, (r4 or "")[:30]),
              flush=True)
    finally:
        for c in cs:
            if c:
                c.close()
        d.stop()
        sanitizer_clean(d, tag, name + " eviction")

    # Max_Clients reached, all busy: the new one is refused at once
    d, ok = start(binary, "Max_Clients = 2\nLookup_Time = 4\n", zone=zone)
    cs = []
    try:
        if not check("%s: daemon listens (Max_Clients = 2)" % name, ok, d.log()):
            return
        for _ in range(2):
            c = connect(d.addr)
            c.sendall(req(ip="192.0.2.9", sender="user@temp.example",
                          helo="x.example"))
            cs.append(c)
        time.sleep(0.3)
        busy = [read_answer(c, 0.05) for c in cs]
        check("%s: two clients busy with a hanging check" % name,
              busy == [None, None], repr(busy))
        c3 = connect(d.addr)
        cs.append(c3)
        t0 = time.monotonic()
        r3 = ask(c3, req(), timeout=1.5) if c3 else ""
        dt = time.monotonic() - t0
        check("%s: all busy: a new client is closed at once (EOF within 1 s, "
              "no answer)" % name, r3 == "" and dt < 1.0,
              "answer %r after %.2f s" % (r3, dt))
        check("%s: refusal logged (Max_Clients)" % name,
              d.wait_log("Max_Clients", 0, 1) is not None, d.log()[-300:])
        st = d.stats()
        check("%s: stats count it (refused=1)" % name,
              counter(st, "refused") == 1, str(st and st.get("clients")))
        for c in cs[:2]:
            read_answer(c, 6)
    finally:
        for c in cs:
            if c:
                c.close()
        d.stop()
        sanitizer_clean(d, tag, name + " refusal")


# ---- item 9: half-close -------------------------------------------------

def item9(binary, zone, tag=""):
    import select
    name = "item 9" + tag
    n = 20000
    d, ok = start(binary, "", zone=zone)
    try:
        if not check("%s: daemon listens" % name, ok, d.log()):
            return
        data = b"".join(req(instance="hc.%d" % i) for i in range(n))
        # Write as fast as the server takes it and read only when it takes
        # no more (so a server that reads everything has nearly every
        # answer still queued at the half-close), then read to the end.
        s = connect(d.addr)
        s.setblocking(False)
        pos, got, eof = 0, b"", False
        end = time.monotonic() + (90 if tag else 40)
        while pos < len(data) and time.monotonic() < end:
            _, w, _ = select.select([], [s], [], 0.1)
            if w:
                try:
                    pos += s.send(data[pos:pos + 262144])
                except BlockingIOError:
                    pass
                except OSError:
                    break
                continue
            while True:
                try:
                    chunk = s.recv(1 << 20)
                except BlockingIOError:
                    break
                except OSError:
                    chunk = b""
                if not chunk:
                    eof = True
                    break
                got += chunk
            if eof:
                break
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while not eof and time.monotonic() < end:
            r, _, _ = select.select([s], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = s.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                eof = True
                break
            got += chunk
        s.close()
        answers = got.count(b"\n\n")
        check("%s: after %d pipelined requests and a half-close every answer "
              "arrives before the close" % (name, n), answers == n and eof,
              "%d of %d answers, eof=%s, sent %d of %d bytes" %
              (answers, n, eof, pos, len(data)))
        print("     figure %s: %d of %d answers" % (name, answers, n), flush=True)
    finally:
        d.stop()
        sanitizer_clean(d, tag, name)


# ---- item 10: reload ----------------------------------------------------

def item10(binary, zone):
    name = "item 10"
    conf = write_conf("Max_Clients = 2\nIdle_Timeout = 600\n")
    addr = fresh("sock")
    d = Daemon(binary, conf, addr, zone=zone)
    cs = []
    try:
        if not check("%s: daemon listens" % name, d.ready(), d.log()):
            return
        write_conf("Max_Clients = 4\nIdle_Timeout = 1\nRequest_Timeout = 2\n", conf)
        d.hup()
        cs = [connect(addr) for _ in range(4)]
        rs = [ask(c, req()) if c else None for c in cs]
        rs2 = [ask(c, req()) if c else None for c in cs]
        ok4 = all(r and r.startswith(PASS) for r in rs + rs2)
        check("%s: SIGHUP applies Max_Clients 2 -> 4: four clients open "
              "together are all answered" % name, ok4, repr(rs + rs2))
        print("     figure %s Max_Clients: %d of 8 answered" %
              (name, sum(bool(r and r.startswith(PASS)) for r in rs + rs2)), flush=True)
        for c in cs:
            if c:
                c.close()
        cs = []
        c = connect(addr)
        cs.append(c)
        t = eof_within(c, 4.0)
        check("%s: SIGHUP applies Idle_Timeout 600 -> 1: an idle client is "
              "closed after about 1 s" % name, t is not None and 0.5 <= t <= 3.5,
              "closed after %s" % t)
        print("     figure %s Idle_Timeout: closed after %s s" %
              (name, None if t is None else round(t, 2)), flush=True)
        c = connect(addr)
        cs.append(c)
        t = trickle(c, req() + b"x" * 100, 0.3, 5.0)
        check("%s: SIGHUP applies Request_Timeout 30 -> 2" % name,
              t is not None and 1.5 <= t <= 4.0, "closed after %s" % t)
        write_conf("Max_Clients = 4\nIdle_Timeout = 1\nRequest_Timeout = 2\n"
                   "Stats_Interval = 1\nSocket_Mode = 0600\n", conf)
        lines = d.hup()
        periodic = d.wait_log("stats:", d.mark(), timeout=3)
        check("%s: SIGHUP applies Stats_Interval (none -> 1 s): a stats line "
              "comes by itself" % name, periodic is not None, d.log()[-300:])
        named = [ln for ln in lines if "socket_mode" in ln.lower() and
                 "restart" in ln.lower()]
        check("%s: a changed setting that needs a restart is named in the "
              "log (Socket_Mode ... restart)" % name, named, repr(lines))
        print("     figure %s restart-only: %r" % (name, lines[:2]), flush=True)
    finally:
        for c in cs:
            if c:
                c.close()
        d.stop()

    if not ROOT:
        skip(name + ": unreadable after dropping privileges", "needs root")
        return
    dirp = fresh("nobody")
    os.mkdir(dirp)
    os.chmod(dirp, 0o755)
    os.chmod(TMP, 0o755)
    conf = write_conf("User = nobody\nMail_From_reject = Softfail\n",
                      os.path.join(dirp, "policyd-spf.conf"))
    os.chmod(conf, 0o644)
    addr = os.path.join(dirp, "s.sock")
    d = Daemon(binary, conf, addr, zone=zone)
    try:
        if not check("%s: daemon listens as nobody" % name, d.ready(), d.log()):
            return
        soft = req(ip="192.0.2.9", sender="user@soft.example", helo="x.example")
        before = ask_new(addr, soft)
        os.chmod(conf, 0o600)
        lines = d.hup()
        said = [ln for ln in lines if "cannot" in ln.lower() and conf in ln]
        check("%s: a config unreadable after dropping privileges is a log line "
              "(cannot ... PATH)" % name, said, repr(lines))
        after = ask_new(addr, soft)
        check("%s: ... and the old settings stay (still rejects Softfail)" % name,
              before and before.startswith("action=550") and after and
              after.startswith("action=550"), repr((before, after)))
    finally:
        d.stop()


# ---- item 11: latency percentiles ---------------------------------------

def item11(binary, zone_unused):
    name = "item 11"
    z = dnsserver.Zone()
    z.generate(lambda n: (dnsserver.Behave(None, 1500, {"TXT"}),
                          [("TXT", "v=spf1 -all")])
               if re.match(r"^slow\d+\.example$", n) else None)
    with dnsserver.Server(z) as srv:
        d, ok = start(binary, "Lookup_Time = 10\n",
                      dns="127.0.0.1:%d" % srv.port)
        cs = []
        try:
            if not check("%s: daemon listens" % name, ok, d.log()):
                return
            for i in range(10):
                c = connect(d.addr)
                c.sendall(req(ip="192.0.2.9", sender="u@slow%d.example" % i,
                              helo="helo%d.nx.example" % i))
                cs.append(c)
            t0 = time.monotonic()
            took = []
            for c in cs:
                a = read_answer(c, 8)
                took.append((time.monotonic() - t0) * 1000 if a else None)
            real = [t for t in took if t]
            st = d.stats()
            lat = (st or {}).get("latency_ms", {})
            ps = [lat.get(k) for k in ("p50", "p90", "p99")]
            lo, hi = (0.9 * 1500, 1.1 * max(real)) if real else (0, 0)
            check("%s: latency p50/p90/p99 within 10%% of the real latency "
                  "(~1500 ms)" % name,
                  len(real) == 10 and all(p is not None and lo <= p <= hi for p in ps),
                  "stats %r, measured %s ms" % (lat, [round(t) for t in real]))
            print("     figure %s: p50/p90/p99 = %s, measured %d..%d ms" %
                  (name, ps, min(real or [0]), max(real or [0])), flush=True)
        finally:
            for c in cs:
                c.close()
            d.stop()


# ---- main ---------------------------------------------------------------

def main():
    if len(sys.argv) < 3:
        print("usage: test-server.py POLICYD ZONE [ASAN_POLICYD]", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    zone = os.path.abspath(sys.argv[2])
    asan = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    t0 = time.monotonic()
    tag = " (asan)" if is_sanitized(binary) else ""
    only = os.environ.get("SRVTEST_ONLY")      # e.g. "4,8": some items only
    want = (lambda n: not only or n in only.split(","))
    try:
        for n, fn, args in (
                ("1", item1, (tag,)), ("1", item1, (tag, True)),
                ("2", item2_emfile, ()), ("2", item2_nomem, ()),
                ("4", item4, ()), ("5", item5, ()), ("6", item6_unix, ()),
                ("6", item6_netns, ()), ("7", item7, ()), ("8", item8, (tag,)),
                ("9", item9, (tag,)), ("10", item10, ()), ("11", item11, ())):
            if want(n):
                guarded("item " + n, fn, binary, zone, *args)
        if asan and not tag:
            for n, fn in (("1", item1), ("8", item8), ("9", item9)):
                if want(n):
                    guarded("item %s (asan)" % n, fn, asan, zone, " (asan)")
    finally:
        for d in DAEMONS:
            d.stop(3)
        if not os.environ.get("SRVTEST_KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    print("     %.1f s" % (time.monotonic() - t0), flush=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
