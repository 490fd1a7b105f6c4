#!/usr/bin/python3
"""Listen mode: many clients on one socket, one event loop.

1. A check whose DNS never answers does not hold up the other clients: a
   second client's request is answered while the first is still pending
   (the first is answered later, TempError, when its Lookup_Time ends).
2. SIGHUP with a broken configuration keeps the old one (still answering);
   SIGHUP with a good one applies it (the answer changes).
3. SIGTERM lets a request in flight finish, then the daemon exits 0.
Usage: test-listen.py POLICYD ZONE
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail and not ok else ""))


def req(ip, sender, inst, helo="mail.pass.example"):
    return ("request=smtpd_access_policy\nclient_address=%s\nhelo_name=%s\n"
            "sender=%s\nrecipient=a@rcpt.example\ninstance=%s\n\n" % (ip, helo, sender, inst)).encode()


def read_answer(s, timeout):
    s.settimeout(timeout)
    buf = b""
    try:
        while not buf.endswith(b"\n\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    return buf.decode(errors="replace")


def connect(path):
    for _ in range(100):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("daemon does not listen on " + path)


def main():
    binary, zone = sys.argv[1:3]
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "policy.sock")
    conf = os.path.join(tmp, "policyd-spf.conf")
    with open(conf, "w") as f:
        f.write("Lookup_Time = 3\nAuthserv_Id = mx.rcpt.example\n")
    d = subprocess.Popen([binary, "--zone", zone, "--listen", "unix:" + sock, conf],
                         stderr=subprocess.DEVNULL)
    try:
        a = connect(sock)
        b = connect(sock)
        a.sendall(req("192.0.2.9", "user@temp.example", "slow.1", helo="x.example"))
        time.sleep(0.2)
        b.sendall(req("192.0.2.1", "user@pass.example", "fast.1"))
        ans_b = read_answer(b, 2.5)
        a.setblocking(False)
        try:
            early = a.recv(4096)
        except BlockingIOError:
            early = b""
        check("other client answered while a DNS lookup hangs",
              ans_b.startswith("action=prepend Received-SPF: Pass"), ans_b)
        check("the hanging check is still pending then", early == b"", repr(early))
        ans_a = read_answer(a, 10)
        check("the hanging check ends in TempError at its deadline",
              "Received-SPF: Temperror" in ans_a, ans_a)

        # SIGHUP with a broken file keeps the old configuration
        with open(conf, "w") as f:
            f.write("HELO_reject = Sometimes\n")
        d.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        b.sendall(req("192.0.2.9", "user@soft.example", "hup.1", helo="x.example"))
        ans = read_answer(b, 5)
        check("a broken configuration is refused on SIGHUP",
              ans.startswith("action=prepend Received-SPF: Softfail"), ans)
        with open(conf, "w") as f:
            f.write("Mail_From_reject = Softfail\nAuthserv_Id = mx.rcpt.example\n")
        d.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        b.sendall(req("192.0.2.9", "user@soft.example", "hup.2", helo="x.example"))
        ans = read_answer(b, 5)
        check("a good configuration is applied on SIGHUP",
              ans.startswith("action=550 5.7.23"), ans)

        # SIGTERM drains the request in flight
        with open(conf, "w") as f:
            f.write("Lookup_Time = 1\n")
        d.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        a.setblocking(True)
        a.sendall(req("192.0.2.9", "user@temp.example", "term.1", helo="x.example"))
        time.sleep(0.2)
        d.send_signal(signal.SIGTERM)
        ans = read_answer(a, 5)
        check("SIGTERM lets the request in flight finish", "Temperror" in ans, ans)
        a.close()
        b.close()
        try:
            rc = d.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        check("the daemon exits 0 after SIGTERM", rc == 0, str(rc))
    finally:
        if d.poll() is None:
            d.kill()
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
