#!/usr/bin/env python3
"""test-config.py - set-up mistakes must be loud: the configuration file,
the Per_User file, closed standard descriptors, --check-config's counts.

What it checks (policyd-spf(8), policyd-spf.conf(5)):
 16. A configuration file named on the command line that cannot be read
     (missing, a directory, unreadable by the daemon's user) stops
     policyd-spf: exit status 1, one line on stderr and in syslog, no
     answer (Postfix then defers).  No file named and the default one
     absent: the built-in defaults, said once in syslog.  --check-config
     --user NAME (or the config's User in listen mode) warns when that user
     cannot read the file or the Per_User file.
 17. Per_User problems (a missing file, bad values, unknown names) are
     logged at start and on reload (SIGHUP) and make --check-config exit 1,
     with the Per_User file's name and line numbers.
 12. Spawn mode with fd 0 or fd 1 closed exits 1 with a message and never
     writes an answer into another descriptor (the log socket would get
     the number); fd 2 closed sends nothing but syslog lines to syslog;
     stdin/stdout that are pipes, one socket, regular files or a terminal
     keep working.
 11. --check-config's closing line counts exactly the errors and warnings
     it printed; warnings alone exit 0.
     --socket-owner USER[:GROUP] overrides Socket_Owner, checked as it is.

Every daemon runs under bench/nsenv.sh with a /dev/log of its own that
this script reads, so syslog lines can be checked (needs root and a mount
namespace; otherwise the test is skipped, exit 77).  Nothing outside a
temporary directory is touched.

Usage: test-config.py POLICYD ZONE NSENV
"""
import os
import pty
import pwd
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
from harness import check, request, summary  # noqa: E402

WAIT = 10           # seconds any one daemon may take
NOBODY = "nobody"


class Sink:
    """The syslog daemon: reads every datagram sent to its socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)     # daemons running as nobody log too
        self.got = []
        self.lock = threading.Lock()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            d = self.sock.recv(65536)
            with self.lock:
                self.got.append(d.decode("utf-8", "replace"))

    def take(self, settle=0.3):
        """Everything received so far, after a short quiet time."""
        time.sleep(settle)
        with self.lock:
            out, self.got = self.got, []
        return out


class Env:
    def __init__(self, policyd, zone, nsenv, tmp, sink, logsock):
        self.policyd, self.zone, self.nsenv = policyd, zone, nsenv
        self.tmp, self.sink, self.logsock = tmp, sink, logsock

    def argv(self, args, shell=None, user=None):
        """The daemon under nsenv.sh; shell: a redirection done right
        before exec (e.g. "1>&-"); user: run as that user."""
        cmd = [self.nsenv, self.logsock]
        if user:
            pw = pwd.getpwnam(user)
            cmd += ["setpriv", "--reuid", str(pw.pw_uid), "--regid",
                    str(pw.pw_gid), "--clear-groups"]
        if shell:
            cmd += ["/bin/sh", "-c", 'exec "$0" "$@" ' + shell]
        return cmd + [self.policyd] + list(args)

    def run(self, args, data=b"", shell=None, user=None, stdin=None,
            stdout=None):
        """Run to the end; returns (rc, stdout bytes, stderr text, syslog
        lines)."""
        self.sink.take(0)
        try:
            p = subprocess.run(self.argv(args, shell, user),
                               input=data if stdin is None else None,
                               stdin=stdin,
                               stdout=stdout or subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=WAIT)
            rc, out, err = p.returncode, p.stdout or b"", p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "hung", e.stdout or b"", e.stderr or b""
        return rc, out, err.decode("utf-8", "replace"), self.sink.take()

    def file(self, name, text, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path


def logged(lines, part):
    return [l for l in lines if part in l]


def answers(out):
    return out.count(b"action=")


# ---- 16: the configuration file ---------------------------------------

def item16(e):
    good = e.file("good.conf", "Authserv_Id = mx.rcpt.example\n")
    req = request(ip="192.0.2.1", sender="user@pass.example",
                  helo="mail.pass.example")
    missing = os.path.join(e.tmp, "no-such.conf")

    rc, out, err, log = e.run(["--zone", e.zone, missing], req)
    check("16: a missing config path: exit 1, no answer",
          rc == 1 and answers(out) == 0, "rc=%s out=%r" % (rc, out[:200]))
    check("16: ... one line on stderr naming the file",
          err.count("\n") == 1 and "no-such.conf" in err, repr(err))
    check("16: ... and the same in syslog, nothing decided",
          len(logged(log, "no-such.conf")) == 1
          and not logged(log, "Received-SPF"), repr(log))

    rc, out, err, log = e.run(["--zone", e.zone, e.tmp], req)
    check("16: a directory as config path: exit 1, no answer",
          rc == 1 and answers(out) == 0 and "not a regular file" in err,
          "rc=%s err=%r" % (rc, err))

    secret = e.file("secret.conf", "Authserv_Id = mx.rcpt.example\n", 0o600)
    rc, out, err, log = e.run(["--zone", e.zone, secret], req, user=NOBODY)
    check("16: a config path the daemon's user cannot read: exit 1",
          rc == 1 and answers(out) == 0 and "Permission denied" in err
          and logged(log, "secret.conf"),
          "rc=%s err=%r log=%r" % (rc, err, log))

    sock = os.path.join(e.tmp, "l16.sock")
    rc, out, err, log = e.run(["--zone", e.zone, "--listen", "unix:" + sock,
                               missing])
    check("16: listen mode with a missing config path: exit 1, no socket",
          rc == 1 and not os.path.exists(sock) and "no-such.conf" in err,
          "rc=%s err=%r" % (rc, err))

    # the default path is the build's (sysconfdir), as --help names it
    helptext = subprocess.run([e.policyd, "--help"], capture_output=True,
                              text=True).stdout
    m = re.search(r"^CONFIG defaults to (\S+)$", helptext, re.M)
    check("16: --help names the default configuration path", m is not None,
          repr(helptext))
    if m and os.path.exists(m.group(1)):
        check("16: no path and no default file (skipped: the default file "
              "exists here)", True)
    else:
        rc, out, err, log = e.run(["--zone", e.zone], req + req)
        check("16: no path, no default file: the built-in defaults answer",
              rc == 0 and answers(out) == 2, "rc=%s out=%r" % (rc, out[:200]))
        check("16: ... said once in syslog, not as an error",
              len(logged(log, "built-in defaults")) == 1
              and not logged(log, "ERROR"), repr(log))

    # --check-config as the daemon's user
    peruser = e.file("secret-users", "a@rcpt.example,HELO_reject=Fail\n",
                     0o600)
    conf = e.file("check16.conf", "Per_User = text,%s\n" % peruser, 0o600)
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, "--user",
                             NOBODY, conf])
    warn = [l for l in err.splitlines() if ": warning: " in l]
    check("16: --check-config --user nobody warns the file is unreadable",
          any("check16.conf" in l and "nobody" in l for l in warn), repr(err))
    check("16: ... and the Per_User file", any(
        "secret-users" in l and "nobody" in l for l in warn), repr(err))
    check("16: ... warnings only: exit 0", rc == 0, "rc=%s" % rc)
    readable = e.file("open16.conf", "Per_User = text,%s\n" %
                      e.file("open-users", "a@rcpt.example,HELO_reject=Fail\n"))
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, "--user",
                             NOBODY, readable])
    check("16: --check-config --user nobody: readable files, no warning",
          rc == 0 and ": warning: " not in err, "rc=%s err=%r" % (rc, err))

    lconf = e.file("listen16.conf", "Listen = unix:%s/x.sock\nUser = %s\n"
                   % (e.tmp, NOBODY), 0o600)
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, lconf])
    check("16: --check-config in listen mode checks as the config's User",
          rc == 0 and "nobody" in err and "listen16.conf" in err,
          "rc=%s err=%r" % (rc, err))

    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, "--user",
                             "no-such-user-spfc", good])
    check("16: --check-config --user with an unknown user: exit 1",
          rc == 1 and "no-such-user-spfc" in err, "rc=%s err=%r" % (rc, err))
    rc, out, err, _ = e.run(["--zone", e.zone, "--user", NOBODY, good], req)
    check("16: --user without --check-config is bad usage (exit 2)",
          rc == 2 and answers(out) == 0, "rc=%s err=%r" % (rc, err))


# ---- 17: the Per_User file ----------------------------------------------

def item17(e):
    req = request(ip="192.0.2.1", sender="user@pass.example",
                  helo="mail.pass.example", recipient="a@rcpt.example")
    gone = os.path.join(e.tmp, "no-such-users")
    conf = e.file("pu-missing.conf", "debugLevel = 0\nPer_User = text,%s\n"
                  % gone)
    rc, out, err, log = e.run(["--zone", e.zone, conf], req)
    check("17: a missing Per_User file is logged at start (debugLevel 0)",
          any("no-such-users" in l and "ERROR" in l for l in log)
          and answers(out) == 1, "log=%r" % log)
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, conf])
    check("17: ... and --check-config exits 1 naming the line",
          rc == 1 and "pu-missing.conf: line 2: error: Per_User: cannot "
          "open" in err, "rc=%s err=%r" % (rc, err))

    users = e.file("users-bad", "# recipients\n"
                   "a@rcpt.example,Void_Limit=x|Frobnicate=1\n"
                   "b@rcpt.example,HELO_reject=Fail\n")
    conf = e.file("pu-bad.conf", "Per_User = text,%s\n" % users)
    rc, out, err, log = e.run(["--zone", e.zone, conf], req)
    check("17: a bad Per_User value is logged at start with its line",
          any("users-bad line 2" in l and "Void_Limit" in l for l in log)
          and any("users-bad line 2" in l and "Frobnicate" in l
                  for l in log), "log=%r" % log)
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, conf])
    check("17: --check-config: the Per_User file's error and warning, exit 1",
          rc == 1 and "users-bad: line 2: error: " in err
          and "users-bad: line 2: warning: " in err
          and "1 error(s), 1 warning(s)" in err, "rc=%s err=%r" % (rc, err))

    # on reload: a good file that goes bad
    users = e.file("users-reload", "a@rcpt.example,HELO_reject=Fail\n")
    sock = os.path.join(e.tmp, "l17.sock")
    conf = e.file("pu-reload.conf", "Per_User = text,%s\n" % users)
    e.sink.take(0)
    d = subprocess.Popen(e.argv(["--zone", e.zone, "--listen",
                                 "unix:" + sock, conf]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + WAIT
        while not os.path.exists(sock) and time.monotonic() < end:
            time.sleep(0.05)
        first = e.sink.take()
        e.file("users-reload", "a@rcpt.example,Void_Limit=many\n")
        d.send_signal(signal.SIGHUP)
        log = e.sink.take(0.8)
        check("17: on reload the Per_User file's bad value is logged",
              not logged(first, "Void_Limit")
              and logged(log, "Void_Limit") and logged(log, "many"),
              "log=%r" % log)
    finally:
        d.terminate()
        try:
            d.wait(WAIT)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()


# ---- 12: standard descriptors -------------------------------------------

def item12(e):
    conf = e.file("spawn12.conf", "Authserv_Id = mx.rcpt.example\n")
    req = request(ip="192.0.2.1", sender="user@pass.example",
                  helo="mail.pass.example")
    raw = lambda log: [l for l in log if not l.startswith("<")]

    rc, out, err, log = e.run(["--zone", e.zone, conf], req, shell="1>&-")
    check("12: stdout closed: exit 1 (no abort)", rc == 1, "rc=%s" % rc)
    check("12: ... a message on stderr and in syslog",
          "standard output" in err and logged(log, "standard output"),
          "err=%r log=%r" % (err, log))
    check("12: ... no answer written to the log socket",
          not logged(log, "action=") and not raw(log), repr(log))

    rc, out, err, log = e.run(["--zone", e.zone, conf], req, shell="0<&-")
    check("12: stdin closed: exit 1 with a message, no answer",
          rc == 1 and "standard input" in err and answers(out) == 0
          and logged(log, "standard input"),
          "rc=%s err=%r log=%r" % (rc, err, log))

    rc, out, err, log = e.run(["--zone", e.zone, conf], req,
                              shell="0<&- 1>&-")
    check("12: stdin and stdout closed: exit 1, nothing into syslog but "
          "log lines", rc == 1 and not raw(log) and not logged(log, "action="),
          "rc=%s log=%r" % (rc, log))

    rc, out, err, log = e.run(["--stderr", "--zone", e.zone, conf], req,
                              shell="2>&-")
    check("12: stderr closed: answers, and only syslog lines reach syslog",
          rc == 0 and answers(out) == 1 and log and not raw(log),
          "rc=%s out=%r log=%r" % (rc, out[:100], log))

    # listen mode needs neither: it still serves
    sock = os.path.join(e.tmp, "l12.sock")
    d = subprocess.Popen(e.argv(["--zone", e.zone, "--listen",
                                 "unix:" + sock, conf], shell="0<&- 1>&-"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = b""
    try:
        end = time.monotonic() + WAIT
        while not os.path.exists(sock) and time.monotonic() < end \
                and d.poll() is None:
            time.sleep(0.05)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(WAIT)
        try:
            c.connect(sock)
            c.sendall(req)
            while b"\n\n" not in got:
                chunk = c.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError as ex:
            got = repr(ex).encode()
        c.close()
    finally:
        d.terminate()
        try:
            d.wait(WAIT)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
    check("12: listen mode with stdin and stdout closed still answers",
          b"Received-SPF: Pass" in got, repr(got[:200]))

    # odd but working kinds of stdin/stdout
    two = req + req
    inp = e.file("in12.txt", two.decode())
    outp = os.path.join(e.tmp, "out12.txt")
    with open(inp, "rb") as fi, open(outp, "wb") as fo:
        rc, _, err, _ = e.run(["--zone", e.zone, conf], stdin=fi, stdout=fo)
    with open(outp, "rb") as f:
        got = f.read()
    check("12: stdin and stdout regular files: both answers",
          rc == 0 and answers(got) == 2, "rc=%s got=%r" % (rc, got[:200]))

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = subprocess.Popen(e.argv(["--zone", e.zone, conf]), stdin=b, stdout=b,
                         stderr=subprocess.DEVNULL)
    b.close()
    a.sendall(two)
    a.shutdown(socket.SHUT_WR)
    got = b""
    a.settimeout(WAIT)
    try:
        while True:
            chunk = a.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    a.close()
    rc = p.wait(WAIT)
    check("12: one socket on stdin and stdout (as spawn(8) gives): both "
          "answers", rc == 0 and answers(got) == 2,
          "rc=%s got=%r" % (rc, got[:200]))

    rc, out, err, _ = e.run(["--zone", e.zone, conf], two)
    check("12: pipes: both answers", rc == 0 and answers(out) == 2,
          "rc=%s" % rc)

    master, slave = pty.openpty()
    p = subprocess.Popen(e.argv(["--zone", e.zone, conf]), stdin=slave,
                         stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    # a terminal: one line at a time, as typed
    for line in req.split(b"\n")[:-1]:
        os.write(master, line + b"\n")
    got = b""
    end = time.monotonic() + WAIT
    while b"action=" not in got and time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                got += os.read(master, 4096)
            except OSError:
                break
    os.write(master, b"\x04")       # end of input
    try:
        rc = p.wait(WAIT)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    os.close(master)
    check("12: a terminal on stdin and stdout: the answer, exit 0 at ^D",
          b"action=prepend Received-SPF: Pass" in got and rc == 0,
          "rc=%s got=%r" % (rc, got[-200:]))


# ---- 11: --check-config's counts, --socket-owner -------------------------

def counts(err):
    """(errors, warnings) printed, and the closing line's numbers."""
    errors = sum(1 for l in err.splitlines() if ": error: " in l)
    warnings = sum(1 for l in err.splitlines() if ": warning: " in l)
    return errors, warnings


def closing(text):
    for l in reversed(text.splitlines()):
        if "error(s)" in l:
            return l
    return ""


def item11(e):
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone,
                             os.path.join(e.tmp, "no-such.conf")])
    ne, nw = counts(err)
    check("11: --check-config, missing file: the count is what was printed",
          rc == 1 and (ne, nw) == (1, 0)
          and "1 error(s), 0 warning(s)" in closing(err),
          "printed %d/%d, closing %r" % (ne, nw, closing(err)))

    conf = e.file("count11.conf", "Void_Limit = x\nFrobnicate = 1\n"
                  "Socket = inet:8890@localhost\n")
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, conf])
    ne, nw = counts(err)
    check("11: 1 error and 2 warnings printed, and counted so",
          rc == 1 and (ne, nw) == (1, 2)
          and "1 error(s), 2 warning(s)" in closing(err),
          "rc=%s printed %d/%d, closing %r" % (rc, ne, nw, closing(err)))

    conf = e.file("warn11.conf", "Frobnicate = 1\nSocket = x\n")
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone, conf])
    line = closing(out.decode())
    check("11: warnings only: exit 0, the closing line counts them",
          rc == 0 and "0 error(s), 2 warning(s)" in line,
          "rc=%s closing %r" % (rc, line))

    conf = e.file("owner.conf", "Socket_Owner = root\n")
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone,
                             "--socket-owner", "nobody:nogroup", conf])
    check("--socket-owner overrides the config's Socket_Owner",
          rc == 0 and b"\nSocket_Owner = nobody:nogroup\n" in out,
          "rc=%s err=%r" % (rc, err))
    rc, out, err, _ = e.run(["--check-config", "--zone", e.zone,
                             "--socket-owner", "a:b:c", conf])
    check("--socket-owner is checked as Socket_Owner (bad usage, exit 2)",
          rc == 2 and "Socket_Owner" in err and "user[:group]" in err,
          "rc=%s err=%r" % (rc, err))
    sock = os.path.join(e.tmp, "owner.sock")
    d = subprocess.Popen(e.argv(["--zone", e.zone, "--listen", "unix:" + sock,
                                 "--socket-owner", NOBODY, conf]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + WAIT
        while not os.path.exists(sock) and time.monotonic() < end \
                and d.poll() is None:
            time.sleep(0.05)
        time.sleep(0.2)
        uid = os.stat(sock).st_uid if os.path.exists(sock) else None
    finally:
        d.terminate()
        try:
            d.wait(WAIT)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
    check("--socket-owner nobody: the listen socket belongs to nobody",
          uid == pwd.getpwnam(NOBODY).pw_uid, "uid=%s" % uid)


def main():
    policyd, zone, nsenv = sys.argv[1:4]
    if os.geteuid() != 0 or subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        print("skipped: needs root and a mount namespace (a /dev/log of its own)")
        return 77
    try:
        pwd.getpwnam(NOBODY)
    except KeyError:
        print("skipped: no user %s" % NOBODY)
        return 77
    with tempfile.TemporaryDirectory(prefix="spfc-abuse-config.") as tmp:
        os.chmod(tmp, 0o755)        # reachable by nobody
        logsock = os.path.join(tmp, "log.sock")
        e = Env(os.path.abspath(policyd), os.path.abspath(zone),
                os.path.abspath(nsenv), tmp, Sink(logsock), logsock)
        item16(e)
        item17(e)
        item12(e)
        item11(e)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
