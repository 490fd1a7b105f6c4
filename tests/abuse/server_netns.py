#!/usr/bin/python3
"""server_netns.py - the inet: access-control checks of test-server.py,
run inside a network namespace of their own.

What it is for: a non-loopback peer is needed to see what an inet:
listener does with a client outside Listen_Allow.  test-server.py runs
this script as `unshare -n python3 server_netns.py POLICYD ZONE`; here,
in the fresh namespace, lo is brought up and 192.0.2.1/24 put on a dummy
interface (on lo when the dummy driver is missing), so a client bound to
192.0.2.1 is a peer that is not loopback.  Nothing outside the namespace
is touched.

Checks (item 6): a client from 192.0.2.1 is closed at once without an
answer by a listener without Listen_Allow, counted (denied=N) and logged
(Listen_Allow, rate-limited); loopback is answered; Listen_Allow naming
192.0.2.0/24 lets it in; binding 0.0.0.0 or [::] logs a "wildcard"
warning, a specific address does not.

Prints the check lines and "N passed, M failed" as test-server.py does;
exit 1 on any failure.  How it fails: a namespace that cannot be set up is
one failed check with the command's error.
"""
import importlib.util
import sys
sys.dont_write_bytecode = True   # nothing written into the source tree
import os
import shutil
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "test_server", os.path.join(HERE, "test-server.py"))
ts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ts)
check = ts.check

PEER = "192.0.2.1"


def sh(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=10)
    return r.returncode == 0, r.stderr.strip()


def setup():
    ok, err = sh("ip", "link", "set", "lo", "up")
    if not ok:
        return False, err
    ok, _ = sh("ip", "link", "add", "spfc0", "type", "dummy")
    dev = "spfc0" if ok else "lo"
    ok, err2 = sh("ip", "addr", "add", PEER + ("/24" if dev != "lo" else "/32"),
                  "dev", dev)
    if not ok:
        return False, err2
    ok, err3 = sh("ip", "link", "set", dev, "up")
    return ok, err3


def run(binary, zone):
    name = "item 6"
    ok, err = setup()
    if not check("%s: network namespace with %s set up" % (name, PEER), ok, err):
        return
    # 1. wildcard bind, no Listen_Allow: loopback only
    d, ok = ts.start(binary, "", ("0.0.0.0", 10025), zone=zone)
    try:
        if not check("%s: daemon listens on 0.0.0.0" % name, ok, d.log()):
            return
        warn = d.wait_log("wildcard", 0, 1)
        check("%s: binding 0.0.0.0 logs a wildcard warning" % name, warn,
              d.log()[-300:])
        m = d.mark()
        s = ts.connect((PEER, 10025), source=PEER)
        t0 = time.monotonic()
        got = ts.ask(s, ts.req(), timeout=2) if s else None
        dt = time.monotonic() - t0
        if s:
            s.close()
        check("%s: a client from %s (not loopback, no Listen_Allow) is closed "
              "at once without an answer" % (name, PEER),
              got == "" and dt < 1.0, "got %r after %.2f s" % (got, dt))
        print("     figure %s: peer %s got %r" % (name, PEER, (got or "")[:40]),
              flush=True)
        a = ts.ask_new(("127.0.0.1", 10025), ts.req())
        check("%s: a loopback client is answered" % name,
              a is not None and a.startswith(ts.PASS), repr(a))
        check("%s: the refusal is logged (Listen_Allow)" % name,
              d.wait_log("Listen_Allow", m, 1), d.since(m)[-3:])
        for _ in range(40):
            s = ts.connect((PEER, 10025), source=PEER, timeout=1)
            if s:
                ts.read_answer(s, 1)
                s.close()
        st = d.stats()
        check("%s: refusals are counted (denied=41)" % name,
              ts.counter(st, "denied") == 41, str(st and st.get("clients")))
        lines = [ln for ln in d.since(m) if "listen_allow" in ln.lower()]
        check("%s: the refusal log is rate-limited (< 10 lines for 41)" % name,
              0 < len(lines) < 10, "%d lines" % len(lines))
        # item 10: SIGHUP applies Listen_Allow at once
        ts.write_conf("Listen_Allow = 192.0.2.0/24\n", d.conf)
        d.hup()
        s = ts.connect((PEER, 10025), source=PEER)
        a = ts.ask(s, ts.req()) if s else None
        if s:
            s.close()
        check("item 10: SIGHUP applies Listen_Allow: %s, refused before, is "
              "answered once it is added" % PEER,
              got == "" and a is not None and a.startswith(ts.PASS),
              "before %r, after %r" % (got, a))
    finally:
        d.stop()
    # 2. Listen_Allow names the peer's network, a specific address
    d, ok = ts.start(binary, "Listen_Allow = 198.51.100.0/24, %s/24\n"
                     % "192.0.2.0", (PEER, 10026), zone=zone)
    try:
        if not check("%s: daemon listens on %s with Listen_Allow" % (name, PEER),
                     ok, d.log()):
            return
        s = ts.connect((PEER, 10026), source=PEER)
        a = ts.ask(s, ts.req()) if s else None
        if s:
            s.close()
        check("%s: Listen_Allow = ..., 192.0.2.0/24 answers a client from %s"
              % (name, PEER), a is not None and a.startswith(ts.PASS), repr(a))
        check("%s: a specific address gives no wildcard warning" % name,
              d.wait_log("wildcard", 0, 0.3) is None, d.log()[-300:])
    finally:
        d.stop()
    # 3. Listen_Allow that does not name the peer
    d, ok = ts.start(binary, "Listen_Allow = 198.51.100.0/24\n", (PEER, 10028),
                     zone=zone)
    try:
        s = ts.connect((PEER, 10028), source=PEER) if ok else None
        got = ts.ask(s, ts.req(), timeout=2) if s else None
        if s:
            s.close()
        check("%s: Listen_Allow = 198.51.100.0/24 closes a client from %s "
              "without an answer" % (name, PEER), got == "", repr(got))
    finally:
        d.stop()
    # 4. [::]
    d, ok = ts.start(binary, "", ("::", 10027), zone=zone)
    try:
        if ok:
            check("%s: binding [::] logs a wildcard warning" % name,
                  d.wait_log("wildcard", 0, 1), d.log()[-300:])
        else:
            ts.skip(name + ": [::]", "no IPv6 here: " + d.log()[-200:])
    finally:
        d.stop()


def main():
    binary, zone = sys.argv[1:3]
    try:
        run(binary, zone)
    except Exception as e:
        check("item 6: namespace checks ran to the end", False,
              "%s: %s" % (type(e).__name__, e))
    finally:
        for d in ts.DAEMONS:
            d.stop(3)
        shutil.rmtree(ts.TMP, ignore_errors=True)
    return ts.harness.summary()


if __name__ == "__main__":
    sys.exit(main())
