#!/usr/bin/python3
"""test-faults.py - broken DNS servers and hostile policy clients.

What it is for:
 1. spfcheck --dns and policyd-spf (spawn mode, --dns) against a DNS server
    that is down (nothing listens), refuses, fails, answers garbage,
    answers truncated and refuses TCP, answers after the deadline, or
    answers with a mismatched message ID.  spfcheck must say temperror
    (exit 0); policyd-spf must prepend "Received-SPF: Temperror" by default
    and answer "defer_if_permit 4.7.24" with TempError_Defer = True; never
    a fail or reject, never a crash: it answers the next request, and exits
    0 when its input ends.
 2. policyd-spf --listen with --dns: while one client's check waits on a
    hostile server (no answer, a wrong message ID, junk), another client
    is answered at once, and the hostile check still ends within its
    Lookup_Time + 2 s.
 3. Hostile clients against policyd-spf --listen unix:PATH (zone
    tests/golden/zone, config tests/golden/default.conf): a client that
    hangs up mid-request or before reading its answer, a request sent one
    byte at a time, 10 MB without a newline (resident memory stays
    bounded), NUL and 8-bit bytes in values, oversized requests, 200
    clients at once.  After each abuse a well-behaved client, connected
    from the start, still gets the right answer.  Last, SIGTERM while that
    client stays connected and idle ends the daemon (status 0).

Usage: test-faults.py PATH/TO/spfcheck PATH/TO/policyd-spf ZONE CONF
How it fails: one "FAIL" line per broken expectation, then
"N passed, M failed", exit status 1.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnsserver import Server, Zone  # noqa: E402
from harness import Spawn, check, request, spfcheck, summary  # noqa: E402

CLIENT = "192.0.2.9"
MARGIN_S = 2.0            # the contract's margin over a time budget
LOOKUP_TIME = 2           # Lookup_Time of the configurations below
STALL_LOOKUP_TIME = 5     # ... and of the listen-mode stall test
# How much a hostile client may make the daemon grow (task contract).
RSS_GROWTH_MAX_KB = 8 * 1024
FLOOD_BYTES = 10 * 1024 * 1024
CLIENTS_AT_ONCE = 200

# fault name -> (how the zone misbehaves for the sender domain, fast?)
FAULTS = {
    "refused": ("refused", 0, True),
    "servfail": ("servfail", 0, True),
    "garbage": ("garbage", 0, False),
    "short": ("short", 0, False),
    "tc-no-tcp": ("truncate", 0, True),
    "late": (None, 4500, False),
    "badid": ("badid", 0, False),
    "drop": ("drop", 0, False),
}


def fault_zone():
    z = Zone()
    z.add("good.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    z.add("helo.good.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    for name, (action, delay, _) in FAULTS.items():
        dom = "%s.example" % name
        z.add(dom, "TXT", "v=spf1 -all")
        z.behave(dom, action, delay)
        # the same fault one include down
        z.add("inc-%s.example" % name, "TXT", "v=spf1 include:%s -all" % dom)
    return z


def dead_port():
    """A port on which nothing listens (bound, then closed)."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    u.close()
    return port


def no_bad_action(ans):
    a = ans or b""
    return not (a.startswith(b"action=5") or a.startswith(b"action=reject")
                or b"Received-SPF: Fail" in a or b"Received-SPF: Softfail" in a)


def dns_faults(spf, policyd, tmp):
    zone = fault_zone()
    conf_default = os.path.join(tmp, "default.conf")
    conf_short = os.path.join(tmp, "short.conf")
    conf_defer = os.path.join(tmp, "defer.conf")
    with open(conf_default, "w") as f:
        f.write("# spf-engine's defaults\n")
    with open(conf_short, "w") as f:
        f.write("Lookup_Time = %d\n" % LOOKUP_TIME)
    with open(conf_defer, "w") as f:
        f.write("Lookup_Time = %d\nTempError_Defer = True\n" % LOOKUP_TIME)

    # ---- spfcheck
    down = dead_port()
    r = spfcheck(spf, down, CLIENT, "u@good.example", timeout=LOOKUP_TIME)
    check("spfcheck, server down: exit 0", r.rc == 0, r)
    check("spfcheck, server down: temperror", r.result == "temperror", r)
    check("spfcheck, server down: within the budget",
          r.seconds <= LOOKUP_TIME + MARGIN_S, "%.2f s" % r.seconds)
    with Server(zone) as srv:
        for name in FAULTS:
            for dom in ("%s.example" % name, "inc-%s.example" % name):
                r = spfcheck(spf, srv.port, CLIENT, "u@" + dom, timeout=LOOKUP_TIME)
                w = "spfcheck, %s (%s)" % (name, dom)
                check("%s: exit 0" % w, r.rc == 0, r)
                check("%s: temperror" % w, r.result == "temperror", r)
                check("%s: within the budget" % w,
                      r.seconds <= LOOKUP_TIME + MARGIN_S, "%.2f s" % r.seconds)
        # TC=1 and TCP refused outright (nothing accepted on the port)
        srv.tcp_enabled = False
        r = spfcheck(spf, srv.port, CLIENT, "u@tc-no-tcp.example", timeout=LOOKUP_TIME)
        check("spfcheck, TC=1 and TCP connection closed at once: temperror",
              r.rc == 0 and r.result == "temperror", r)
        srv.tcp_enabled = True

        # ---- policyd-spf, spawn mode
        seq = [0]

        def ask(sp, sender, helo="helo.good.example"):
            seq[0] += 1
            return sp.ask(request(ip=CLIENT, sender=sender, helo=helo,
                                  instance="f.%d" % seq[0]), timeout=60)

        for conf, label, budget in ((conf_default, "default config", 20),
                                    (conf_short, "Lookup_Time = 2", LOOKUP_TIME),
                                    (conf_defer, "TempError_Defer = True", LOOKUP_TIME)):
            sp = Spawn(policyd, srv.port, conf)
            defer = conf == conf_defer
            for name, (_, _, fast) in FAULTS.items():
                if budget > LOOKUP_TIME and not fast:
                    continue    # 20 s budgets: only the faults that fail fast
                for dom in ("%s.example" % name, "inc-%s.example" % name):
                    w = "policyd-spf (%s), %s (%s)" % (label, name, dom)
                    t0 = time.monotonic()
                    ans = ask(sp, "u@" + dom)
                    took = time.monotonic() - t0
                    if defer:
                        check("%s: defer_if_permit 4.7.24" % w,
                              ans is not None and ans.startswith(
                                  b"action=defer_if_permit 4.7.24 "), ans)
                    else:
                        check("%s: Received-SPF: Temperror prepended" % w,
                              ans is not None and ans.startswith(
                                  b"action=prepend Received-SPF: Temperror "), ans)
                    check("%s: never a fail or reject" % w, no_bad_action(ans), ans)
                    check("%s: within the budget" % w, took <= budget + MARGIN_S,
                          "%.2f s" % took)
                    ans = ask(sp, "u@good.example")
                    check("%s: the next request is answered (Pass)" % w,
                          ans is not None and ans.startswith(
                              b"action=prepend Received-SPF: Pass "), ans)
            rc = sp.close()
            check("policyd-spf (%s): exits 0 at the end of input" % label, rc == 0,
                  "%s %r" % (rc, sp.stderr[-500:]))

    # ---- policyd-spf with the server down
    for conf, label in ((conf_default, "default config"),
                        (conf_defer, "TempError_Defer = True")):
        sp = Spawn(policyd, dead_port(), conf)
        for i in range(2):
            w = "policyd-spf (%s), server down, request %d" % (label, i + 1)
            ans = ask(sp, "u@good.example", helo="helo.good.example")
            if conf == conf_defer:
                ok = ans is not None and ans.startswith(b"action=defer_if_permit 4.7.24 ")
                check("%s: defer_if_permit 4.7.24" % w, ok, ans)
            else:
                ok = ans is not None and ans.startswith(
                    b"action=prepend Received-SPF: Temperror ")
                check("%s: Received-SPF: Temperror prepended" % w, ok, ans)
            check("%s: never a fail or reject" % w, no_bad_action(ans), ans)
        rc = sp.close()
        check("policyd-spf (%s), server down: exits 0" % label, rc == 0,
              "%s %r" % (rc, sp.stderr[-500:]))


def concurrent_checks(policyd, tmp):
    """The MAIL FROM check starts beside the HELO check (its lookups do not
    wait for the HELO answer), yet the answer is the one the two checks
    give one after the other: a HELO result that rejects still decides,
    and nothing is asked for a MAIL FROM check that will not run."""
    slow_ms = 700
    z = Zone()
    z.add("slowhelo.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    z.behave("slowhelo.example", None, slow_ms)
    z.add("slowmf.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    z.behave("slowmf.example", None, slow_ms)
    z.add("failhelo.example", "TXT", "v=spf1 -all")
    z.add("mf-after-fail.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    z.add("deadhelo.example", "TXT", "v=spf1 -all")
    z.behave("deadhelo.example", "drop")
    z.add("deadmf.example", "TXT", "v=spf1 -all")
    z.behave("deadmf.example", "drop")
    z.add("nocheck.example", "TXT", "v=spf1 -all")
    z.add("helo.good.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    z.add("good.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    conf = os.path.join(tmp, "concurrent.conf")
    with open(conf, "w") as f:
        f.write("Lookup_Time = %d\n" % LOOKUP_TIME)
    nocheck = os.path.join(tmp, "nocheck.conf")
    with open(nocheck, "w") as f:
        f.write("Mail_From_reject = No_Check\n")
    w = "concurrent HELO and MAIL FROM checks"
    with Server(z) as srv:
        sp = Spawn(policyd, srv.port, conf)
        ans = sp.ask(request(ip=CLIENT, sender="u@slowmf.example",
                             helo="slowhelo.example", instance="c.1"), timeout=60)
        check("%s: both slow, the MAIL FROM Pass is prepended" % w,
              ans is not None and ans.startswith(
                  b"action=prepend Received-SPF: Pass (mailfrom) identity=mailfrom;"), ans)
        h = srv.entries("slowhelo.example", "TXT")
        m = srv.entries("slowmf.example", "TXT")
        gap = m[0]["time"] - h[0]["time"] if h and m else None
        check("%s: the MAIL FROM query is sent before the HELO answer "
              "(held %d ms) comes back" % (w, slow_ms),
              gap is not None and gap < slow_ms / 2000.0,
              "gap %s s" % gap)

        ans = sp.ask(request(ip=CLIENT, sender="u@mf-after-fail.example",
                             helo="failhelo.example", instance="c.2"), timeout=60)
        check("%s: a HELO Fail still rejects, for the HELO identity" % w,
              ans is not None and ans.startswith(b"action=550 5.7.23 ")
              and b"s=helo;id=failhelo.example;" in ans, ans)

        # a sender no check can take (over 1,024 bytes): the MAIL FROM
        # check cannot start early, and the HELO Fail still decides
        ans = sp.ask(request(ip=CLIENT, sender="a" * 1100 + "@mf-after-fail.example",
                             helo="failhelo.example", instance="c.2b"), timeout=60)
        check("%s: an uncheckable sender does not hide a HELO Fail" % w,
              ans is not None and ans.startswith(b"action=550 5.7.23 ")
              and b"s=helo;id=failhelo.example;" in ans, ans)

        t0 = time.monotonic()
        ans = sp.ask(request(ip=CLIENT, sender="u@good.example",
                             helo="deadhelo.example", instance="c.3"), timeout=60)
        took = time.monotonic() - t0
        check("%s: HELO never answered, MAIL FROM Pass prepended" % w,
              ans is not None and ans.startswith(
                  b"action=prepend Received-SPF: Pass (mailfrom) identity=mailfrom;"), ans)
        check("%s: HELO never answered: within one Lookup_Time" % w,
              took <= LOOKUP_TIME + MARGIN_S, "%.2f s" % took)

        ans = sp.ask(request(ip=CLIENT, sender="u@deadmf.example",
                             helo="deadhelo.example", instance="c.4"), timeout=60)
        check("%s: neither answered: Temperror prepended" % w,
              ans is not None and ans.startswith(
                  b"action=prepend Received-SPF: Temperror "), ans)
        check("%s: neither answered: never a fail or reject" % w,
              no_bad_action(ans), ans)
        rc = sp.close()
        check("%s: exits 0" % w, rc == 0, "%s %r" % (rc, sp.stderr[-500:]))

        srv.reset()
        sp = Spawn(policyd, srv.port, nocheck)
        ans = sp.ask(request(ip=CLIENT, sender="u@nocheck.example",
                             helo="helo.good.example", instance="c.5"), timeout=60)
        check("%s: Mail_From_reject = No_Check: the HELO Pass is prepended" % w,
              ans is not None and ans.startswith(
                  b"action=prepend Received-SPF: Pass (sender SPF authorized) identity=helo;"),
              ans)
        check("%s: Mail_From_reject = No_Check: the sender's domain is not asked" % w,
              srv.count("nocheck.example") == 0, srv.names())
        ans = sp.ask(request(ip=CLIENT, sender="", helo="helo.good.example",
                             instance="c.6"), timeout=60)
        check("%s: null sender: the HELO Pass is prepended" % w,
              ans is not None and b"Received-SPF: Pass" in ans, ans)
        rc = sp.close()
        check("%s (No_Check): exits 0" % w, rc == 0, "%s %r" % (rc, sp.stderr[-500:]))


def listen_dns_stall(policyd, tmp):
    """Listen mode with --dns: one client's check against a hostile server
    (no answer, an answer with a wrong ID, junk) must not hold up another
    client whose domain answers at once.  Asserted as an order, not a
    time: the other client is answered while the hostile check is still
    pending, and the hostile check ends in TempError later."""
    sock = os.path.join(tmp, "stall.sock")
    conf = os.path.join(tmp, "stall.conf")
    with open(conf, "w") as f:
        f.write("Lookup_Time = %d\n" % STALL_LOOKUP_TIME)
    zone = fault_zone()
    with Server(zone) as srv:
        d = subprocess.Popen([policyd, "--dns", "127.0.0.1:%d" % srv.port,
                              "--listen", "unix:" + sock, conf],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            a = connect(sock)
            b = connect(sock)
            for n, name in enumerate(("drop", "badid", "short", "garbage", "tc-no-tcp")):
                w = "listen mode, --dns, %s for one client" % name
                t0 = time.monotonic()
                a.sendall(request(ip=CLIENT, sender="u@%s.example" % name,
                                  helo="helo.good.example", instance="sa.%d" % n))
                # the other client asks twice: soon, and after the first
                # c-ares retry (2 s), both well before the hostile check's
                # 5 s budget ends
                early = b""
                for m, pause in enumerate((0.3, 2.2)):
                    time.sleep(pause)
                    b.sendall(request(ip=CLIENT, sender="u@good.example",
                                      helo="helo.good.example",
                                      instance="sb.%d.%d" % (n, m)))
                    ans_b = read_answer(b, 30)
                    a.setblocking(False)
                    try:
                        early += a.recv(4096)
                    except BlockingIOError:
                        pass
                    a.setblocking(True)
                    check("%s: another client is answered (Pass), request %d" % (w, m + 1),
                          ans_b is not None and ans_b.startswith(
                              b"action=prepend Received-SPF: Pass "), ans_b)
                    if FAULTS[name][2]:
                        break
                    check("%s: ... while the hostile check is still pending, request %d"
                          % (w, m + 1), early == b"", early)
                ans_a = early if b"\n\n" in early else early + (read_answer(a, 30) or b"")
                took = time.monotonic() - t0
                check("%s: the hostile check ends in TempError" % w,
                      b"Received-SPF: Temperror" in ans_a, ans_a)
                check("%s: ... within its Lookup_Time + 2 s" % w,
                      took <= STALL_LOOKUP_TIME + MARGIN_S, "%.2f s" % took)
            a.close()
            b.close()
        finally:
            d.terminate()
            try:
                d.wait(30)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()


# ---- hostile policy clients ---------------------------------------------

GOOD = dict(ip="192.0.2.1", sender="user@pass.example", helo="mail.pass.example")
GOOD_PREFIX = (b"action=prepend Received-SPF: Pass (mailfrom) identity=mailfrom; "
               b"client-ip=192.0.2.1; helo=mail.pass.example; "
               b"envelope-from=user@pass.example; receiver=rcpt.example \n\n")


def connect(path, timeout=10):
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def read_answer(s, timeout=10):
    """An answer (bytes up to "\\n\\n"); b"" on EOF or reset; None on time-out."""
    s.settimeout(timeout)
    buf = b""
    try:
        while b"\n\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return buf
            buf += chunk
    except socket.timeout:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return buf
    return buf


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def hostile_clients(policyd, zone, conf, tmp):
    sock = os.path.join(tmp, "policy.sock")
    d = subprocess.Popen([policyd, "--zone", zone, "--listen", "unix:" + sock, conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seq = [0]

    def good_req(**kw):
        seq[0] += 1
        args = dict(GOOD)
        args.update(kw)
        return request(instance="g.%d" % seq[0], **args)

    try:
        good = connect(sock)

        def still_good(after):
            alive = d.poll() is None
            check("after %s: the daemon is alive" % after, alive, d.returncode)
            if not alive:
                return
            try:
                good.sendall(good_req())
                ans = read_answer(good)
            except OSError as e:
                ans = repr(e).encode()
            check("after %s: a well-behaved client gets the right answer" % after,
                  ans == GOOD_PREFIX, ans)

        still_good("start-up")

        # a client that hangs up mid-request, and one that hangs up before
        # reading its answer
        for cut in (10, 60, len(good_req()) - 1):
            c = connect(sock)
            c.sendall(good_req()[:cut])
            c.close()
        c = connect(sock)
        c.sendall(good_req() * 5)
        c.close()
        c = connect(sock)
        c.sendall(good_req(sender="user@temp.example", helo="x.example"))  # hangs
        c.close()
        still_good("clients that hang up mid-request or before their answer")

        # one-byte pieces
        c = connect(sock)
        whole = good_req()
        for i in range(len(whole)):
            c.send(whole[i:i + 1])
            if i % 16 == 0:
                time.sleep(0.002)
        ans = read_answer(c)
        check("a request sent in one-byte pieces: same answer as sent whole",
              ans == GOOD_PREFIX, ans)
        c.sendall(good_req())
        check("the same connection then answers a whole request",
              read_answer(c) == GOOD_PREFIX)
        c.close()
        still_good("a request in one-byte pieces")

        # 10 MB without a newline, then as one attribute's value, then as
        # many short lines with no blank line
        floods = (("10 MB without a newline", b"A" * FLOOD_BYTES),
                  ("a 10 MB helo_name value",
                   b"request=smtpd_access_policy\nhelo_name=" + b"h" * FLOOD_BYTES),
                  ("10 MB of short lines (a request of 10 MB)",
                   b"request=smtpd_access_policy\n" + b"x=y\n" * (FLOOD_BYTES // 4)),
                  ("100000 attributes", b"".join(b"a%d=b\n" % i for i in range(100000))))
        # each ends with the blank line that ends a request
        ends = {False: b"\n\n", True: b"\n"}
        for what, data in floods:
            before = rss_kb(d.pid)
            c = connect(sock)
            sent_all = True
            try:
                c.sendall(data)
                c.sendall(ends[data.endswith(b"\n")])
            except OSError:
                sent_all = False
            ans = read_answer(c, 20)
            after = rss_kb(d.pid)
            c.close()
            check("%s: answered dunno or closed" % what,
                  ans in (b"", b"action=dunno\n\n") or (not sent_all and ans is not None),
                  "%r sent_all=%s" % (ans[:200] if ans else ans, sent_all))
            check("%s: resident memory grew < 8 MB (%d -> %d kB)" % (what, before, after),
                  after - before < RSS_GROWTH_MAX_KB, "%d -> %d kB" % (before, after))
            still_good(what)

        # NUL bytes and non-UTF-8 in values
        weird = (("NUL in helo_name", dict(helo=b"mail.pass\x00.example")),
                 ("NUL in sender", dict(sender=b"user@pass.example\x00evil")),
                 ("8-bit sender", dict(sender=b"us\xff\xfeer@pass.example")),
                 ("overlong UTF-8 in helo_name", dict(helo=b"mail.\xc0\xae.example")),
                 ("NUL in client_address", dict(ip=b"192.0.2.1\x00")),
                 ("CR in values", dict(helo=b"mail.pass.example\r", sender=b"u\r@pass.example")),
                 ("8-bit attribute name", dict()))
        for what, kw in weird:
            c = connect(sock)
            req = good_req(**kw)
            if what == "8-bit attribute name":
                req = req.replace(b"size=0", b"s\xffize\x00=0")
            c.sendall(req)
            ans = read_answer(c)
            check("%s: answered with one action line" % what,
                  ans is not None and ans.startswith(b"action=") and ans.count(b"\n") == 2
                  and all(0x20 <= b < 0x7f for b in ans[:-2]), ans)
            check("%s: not a Pass for the garbled identity" % what,
                  what == "8-bit attribute name" or ans != GOOD_PREFIX, ans)
            c.close()
            still_good(what)

        # 200 clients at once
        clients = []
        errors = []
        for i in range(CLIENTS_AT_ONCE):
            try:
                clients.append(connect(sock))
            except OSError as e:
                errors.append(repr(e))
        check("%d clients connect at once" % CLIENTS_AT_ONCE,
              len(clients) == CLIENTS_AT_ONCE, errors[:3])
        answers = [None] * len(clients)

        def talk(i, c):
            try:
                c.sendall(good_req())
                answers[i] = read_answer(c, 30)
            except OSError as e:
                answers[i] = repr(e).encode()

        threads = [threading.Thread(target=talk, args=(i, c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        bad = [a for a in answers if a != GOOD_PREFIX]
        check("%d clients at once: every one gets the right answer" % CLIENTS_AT_ONCE,
              not bad, bad[:3])
        for c in clients:
            c.close()
        still_good("%d clients at once" % CLIENTS_AT_ONCE)

        # SIGTERM while the well-behaved client stays connected, idle (as
        # Postfix keeps policy connections open): policyd-spf(8) says it
        # lets the requests in flight finish and exits.  A check whose
        # client hung up may still run to its end (Lookup_Time 20 s, for
        # HELO and MAIL FROM): the bound below allows for that.
        d.terminate()
        try:
            rc = d.wait(2 * 20 + 5)
        except subprocess.TimeoutExpired:
            rc = "still running"
        check("SIGTERM with an idle client connected: the daemon exits 0", rc == 0, rc)
        check("SIGTERM with an idle client connected: the client sees the end",
              rc != "still running" and read_answer(good, 5) == b"")
        good.close()
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()


def main():
    if len(sys.argv) != 5:
        print("usage: test-faults.py SPFCHECK POLICYD ZONE CONF", file=sys.stderr)
        return 2
    spf, policyd, zone, conf = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as tmp:
        dns_faults(spf, policyd, tmp)
        concurrent_checks(policyd, tmp)
        listen_dns_stall(policyd, tmp)
        hostile_clients(policyd, zone, conf, tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
