#!/usr/bin/python3
"""test-limits.py - RFC 7208 lookup limits under hostile records, counted
at the DNS server.

What it is for: spfcheck --dns runs against dnsserver.py, which serves
records built to make an SPF checker work hard (deep and wide include
trees, redirect loops, hundreds of MX and PTR names, long CNAME chains,
macros that blow names up, void lookups) and counts every query it gets.
Each check asserts the result and the exact (or bounded) queries that
reached the server -- what a hostile domain can make a receiver do.
Last, the wall time of a check whose DNS drops, crawls or answers too late
stays within --timeout + 2 s.

Usage: test-limits.py PATH/TO/spfcheck
How it fails: one "FAIL" line per broken expectation, then
"N passed, M failed", exit status 1.
"""
import os
import re
import sys

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnsserver import Behave, Server, Zone  # noqa: E402
from harness import check, spfcheck, summary  # noqa: E402

CLIENT = "192.0.2.99"          # matches nothing published below
PTR_CLIENT = "192.0.2.7"
# RFC 7208 §4.6.4: 10 DNS-querying terms, 2 void lookups, 10 MX / PTR names.
LOOKUP_LIMIT = 10
VOID_LIMIT = 2
MX_LIMIT = 10
PTR_LIMIT = 10
# The c-ares backend follows a CNAME chain within an answer and asks for
# the end of a chain given without its data once more, no more: a chain
# that does not reach the type is "no data" (docs/rfc-notes.md).
CNAME_QUERIES = 2
# RFC 1035 §2.3.4 / RFC 7208 §7.3.
NAME_MAX = 253
LABEL_MAX = 63
# The budget margin the contract allows.
MARGIN_S = 2.0


def gen(pattern, fn):
    """A generator for names matching pattern: fn(match) -> records."""
    rx = re.compile(pattern)

    def g(name):
        m = rx.fullmatch(name)
        return fn(m) if m else None
    return g


def build_zone():
    z = Zone()
    # deep include chain d0 -> d1 -> ... -> d50 (and beyond, generated)
    z.generate(gen(r"d(\d+)\.deep\.example", lambda m: [
        ("TXT", "v=spf1 include:d%d.deep.example -all" % (int(m.group(1)) + 1))]))
    # wide tree: top includes w0..w29, each wI includes wI-0..wI-29
    z.add("wide.example", "TXT",
          "v=spf1 " + " ".join("include:w%d.wide.example" % i for i in range(30))
          + " -all")
    z.generate(gen(r"w(\d+)\.wide\.example", lambda m: [
        ("TXT", "v=spf1 " + " ".join("include:w%s-%d.wide.example" % (m.group(1), j)
                                     for j in range(30)) + " -all")]))
    z.generate(gen(r"w(\d+)-(\d+)\.wide\.example", lambda m: [
        ("TXT", "v=spf1 ip4:198.51.100.%d -all" % int(m.group(2)))]))
    # redirect loop
    z.add("a.loop.example", "TXT", "v=spf1 redirect=b.loop.example")
    z.add("b.loop.example", "TXT", "v=spf1 redirect=a.loop.example")
    # a three-domain include loop
    z.add("i1.loop.example", "TXT", "v=spf1 include:i2.loop.example -all")
    z.add("i2.loop.example", "TXT", "v=spf1 include:i3.loop.example -all")
    z.add("i3.loop.example", "TXT", "v=spf1 include:i1.loop.example -all")
    # mx with 300 names (over 512 bytes: truncated over UDP, asked again
    # over TCP), and with 11 (fits in UDP): both one too many
    z.add("mx300.example", "TXT", "v=spf1 mx -all")
    for i in range(300):
        z.add("mx300.example", "MX", (i, "m%d.mx300.example" % i))
    z.add("mx11.example", "TXT", "v=spf1 mx -all")
    for i in range(11):
        z.add("mx11.example", "MX", (i, "m%d.mx11.example" % i))
    z.generate(gen(r"m\d+\.mx(300|11|10)\.example", lambda m: [
        ("A", CLIENT)]))
    # exactly 10 MX names, the last one holds the client: a pass
    z.add("mx10.example", "TXT", "v=spf1 mx -all")
    for i in range(10):
        z.add("mx10.example", "MX", (i, "h%d.mx10.example" % i))
    z.add("h9.mx10.example", "A", CLIENT)
    # 10 MX hosts without addresses: NXDOMAIN hosts, and no-data hosts
    z.add("mxnx.example", "TXT", "v=spf1 mx -all")
    z.add("mxnodata.example", "TXT", "v=spf1 mx -all")
    for i in range(10):
        z.add("mxnx.example", "MX", (i, "x%d.mxnx.example" % i))
        z.add("mxnodata.example", "MX", (i, "x%d.mxnodata.example" % i))
        z.add("x%d.mxnodata.example" % i, "TXT", "no address here")
    # three mx terms whose domains have no MX at all: voids
    z.add("mxvoid.example", "TXT",
          "v=spf1 mx:v1.example mx:v2.example mx:v3.example mx:v4.example -all")
    # ptr: 300 PTR names for the client; only p299 is in the domain and
    # points back; p0..p298 point elsewhere
    z.add("ptr.example", "TXT", "v=spf1 ptr -all")
    rev = ".".join(reversed(PTR_CLIENT.split("."))) + ".in-addr.arpa"
    for i in range(300):
        z.add(rev, "PTR", "p%d.ptr.example" % i)
    z.generate(gen(r"p(\d+)\.ptr\.example", lambda m: [
        ("A", PTR_CLIENT if m.group(1) == "299" else "203.0.113.%d" % (int(m.group(1)) % 250))]))
    # a CNAME chain of 20 links c0 -> c1 -> ... -> c20 (TXT at the end),
    # as the top-level record and behind an include; a two-name loop
    z.generate(gen(r"c(\d+)\.cname\.example", lambda m: (
        [("CNAME", "c%d.cname.example" % (int(m.group(1)) + 1))] if int(m.group(1)) < 20
        else [("TXT", "v=spf1 -all")])))
    z.add("inc-cname.example", "TXT", "v=spf1 include:c0.cname.example -all")
    z.add("la.cname.example", "CNAME", "lb.cname.example")
    z.add("lb.cname.example", "CNAME", "la.cname.example")
    # macros that blow names up
    z.add("macro.example", "TXT",
          "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.e.macro.example -all")
    z.add("macro2.example", "TXT",
          "v=spf1 exists:%{l}.%{i}.%{ir}.%{s}.%{d}.%{h}.%{v}.e.macro.example "
          "a:%{l}%{l}%{l}.e.macro.example -all")
    # 15 a: terms, all NXDOMAIN
    z.add("voids.example", "TXT",
          "v=spf1 " + " ".join("a:n%d.voids.example" % i for i in range(1, 16))
          + " -all")
    # time budget: everything dropped; 900 ms per answer along a chain of
    # 20 includes; an answer after the deadline
    z.generate(gen(r"s(\d+)\.slow\.example", lambda m: (
        Behave(delay_ms=900),
        [("TXT", "v=spf1 include:s%d.slow.example -all" % (int(m.group(1)) + 1))])))
    z.behave("drop.example", "drop")
    z.add("drop-inc.example", "TXT",
          "v=spf1 include:drop.example include:drop2.example -all")
    z.behave("drop2.example", "drop")
    z.add("late.example", "TXT", "v=spf1 -all")
    z.behave("late.example", delay_ms=4500)
    return z


def main():
    if len(sys.argv) != 2:
        print("usage: test-limits.py PATH/TO/spfcheck", file=sys.stderr)
        return 2
    spf = sys.argv[1]
    zone = build_zone()
    with Server(zone) as srv:
        def run(sender, ip=CLIENT, timeout=10):
            srv.reset()
            return spfcheck(spf, srv.port, ip, sender, timeout=timeout)

        def base(r, what, result):
            check("%s: exit status 0" % what, r.rc == 0, r)
            check("%s: %s" % (what, result), r.result == result, r)

        # ---- deep include chain
        r = run("u@d0.deep.example")
        base(r, "deep include chain", "permerror")
        txt = srv.entries(qtype="TXT")
        check("deep include chain: exactly 11 TXT queries (top + 10 includes)",
              srv.count(qtype="TXT") == LOOKUP_LIMIT + 1, [e["name"] for e in txt])
        check("deep include chain: d0..d10 each asked once",
              all(srv.count("d%d.deep.example" % i, "TXT") == 1
                  for i in range(LOOKUP_LIMIT + 1)), srv.names())
        check("deep include chain: no query for d11 or deeper",
              not any(int(n.split(".")[0][1:]) > LOOKUP_LIMIT
                      for n in srv.names(transport=None)), srv.names())
        check("deep include chain: no other query",
              srv.count(transport=None) == LOOKUP_LIMIT + 1, srv.names(transport=None))

        # ---- wide include tree
        r = run("u@wide.example")
        base(r, "wide include tree", "permerror")
        names = srv.names(transport=None)
        # RFC bound for include-only records: the top record + 10 terms
        # (the top record is over 512 bytes: its UDP answer is truncated
        # and asked again over TCP, the same lookup)
        check("wide include tree: total lookups (UDP queries) <= 11",
              srv.count() <= LOOKUP_LIMIT + 1, names)
        check("wide include tree: a TCP query only after a truncated UDP one",
              all(srv.count(n, "TXT", "tcp") <= srv.count(n, "TXT")
                  for n in set(names)), names)
        # depth first: top (0 terms), w0 (1), w0-0..w0-8 (2..10); the 11th
        # DNS-querying term is include:w0-9
        check("wide include tree: the 11th term (w0-9) is never queried",
              "w0-9.wide.example" not in names, names)
        check("wide include tree: nothing after the 11th term (w1, w0-10) queried",
              "w1.wide.example" not in names and "w0-10.wide.example" not in names, names)
        check("wide include tree: the 10 terms before it were all queried",
              "w0.wide.example" in names
              and all("w0-%d.wide.example" % j in names for j in range(9)), names)

        # ---- redirect loop and include loop
        r = run("u@a.loop.example")
        base(r, "redirect loop a -> b -> a", "permerror")
        check("redirect loop: <= 11 queries", srv.count(transport=None) <= LOOKUP_LIMIT + 1,
              srv.names(transport=None))
        r = run("u@i1.loop.example")
        base(r, "include loop i1 -> i2 -> i3 -> i1", "permerror")
        check("include loop: <= 11 queries", srv.count(transport=None) <= LOOKUP_LIMIT + 1,
              srv.names(transport=None))

        # ---- mx with too many names
        r = run("u@mx300.example")
        base(r, "mx with 300 MX names", "permerror")
        check("mx 300: exactly 1 TXT query", srv.count("mx300.example", "TXT") == 1,
              srv.names(transport=None))
        check("mx 300: exactly 1 MX lookup (1 UDP query)",
              srv.count("mx300.example", "MX") == 1, srv.names(transport=None))
        check("mx 300: the truncated MX answer asked again over TCP at most once",
              srv.count("mx300.example", "MX", "tcp") <= 1, srv.names(transport=None))
        check("mx 300: no A or AAAA query",
              srv.count(qtype="A", transport=None) == 0
              and srv.count(qtype="AAAA", transport=None) == 0, srv.names(transport=None))
        check("mx 300: nothing else asked", srv.count(transport="udp") == 2,
              srv.names(transport=None))
        r = run("u@mx11.example")
        base(r, "mx with 11 MX names", "permerror")
        check("mx 11: 1 TXT + 1 MX query, no A query",
              srv.count("mx11.example", "TXT") == 1 and srv.count("mx11.example", "MX") == 1
              and srv.count(qtype="A", transport=None) == 0
              and srv.count(transport=None) == 2, srv.names(transport=None))
        r = run("u@mx10.example")
        base(r, "mx with exactly 10 MX names, the last one the client", "pass")
        check("mx 10: 10 A queries, one per host, no AAAA (IPv4 client)",
              srv.count(qtype="A") == MX_LIMIT
              and len(set(srv.names(qtype="A"))) == MX_LIMIT
              and srv.count(qtype="AAAA", transport=None) == 0, srv.names(transport=None))

        # ---- mx hosts without addresses (docs/rfc-notes.md: the address
        # lookups of MX hosts are not void lookups)
        for dom in ("mxnx.example", "mxnodata.example"):
            r = run("u@" + dom)
            what = "mx with 10 hosts without addresses (%s)" % dom
            base(r, what, "fail")
            check("%s: 0 void lookups counted" % what, r.get("void_lookups") == 0, r)
            check("%s: 1 lookup counted" % what, r.get("lookups") == 1, r)
            check("%s: each host asked for A once, no AAAA" % what,
                  srv.count(qtype="A") == MX_LIMIT
                  and len(set(srv.names(qtype="A"))) == MX_LIMIT
                  and srv.count(qtype="AAAA", transport=None) == 0,
                  srv.names(transport=None))
        r = run("u@mxvoid.example")
        base(r, "mx terms whose domains have no MX", "permerror")
        names = srv.names(transport=None)
        check("mx void: the 3rd void mx ends it, v4 never asked",
              "v3.example" in names and "v4.example" not in names
              and r.get("void_lookups") == VOID_LIMIT + 1, (names, r))

        # ---- ptr with 300 names
        r = run("u@ptr.example", ip=PTR_CLIENT)
        base(r, "ptr with 300 PTR names (only the 300th validates)", "fail")
        a = srv.names(qtype="A")
        check("ptr 300: at most 10 names validated (<= 10 A queries)",
              len(a) <= PTR_LIMIT, a)
        check("ptr 300: the 11th and later names are not looked up",
              not any(n in a for n in ("p%d.ptr.example" % i for i in range(10, 300))), a)
        check("ptr 300: exactly 1 PTR lookup",
              srv.count(qtype="PTR") == 1, srv.names(transport=None))

        # ---- CNAME chain of 20 links
        # (no data: no SPF record at the top, an include of no record)
        for sender, what, want in (
                ("u@c0.cname.example", "CNAME chain of 20 links (top)", "none"),
                ("u@inc-cname.example", "CNAME chain of 20 links (include)",
                 "permerror"),
                ("u@la.cname.example", "CNAME loop", "none")):
            r = run(sender)
            check("%s: exit status 0 (no crash)" % what, r.rc == 0, r)
            check("%s: %s, never temperror" % (what, want), r.result == want, r)
            c = [n for n in srv.names(qtype="TXT", transport=None) if n.endswith(".cname.example")]
            check("%s: at most %d queries following the chain" % (what, CNAME_QUERIES),
                  len(c) <= CNAME_QUERIES and len(c) == len(set(c)), c)
            if "c0" in sender:
                check("%s: the end of the chain (c20) never reached" % what,
                      "c20.cname.example" not in c and "c12.cname.example" not in c, c)

        # ---- macro-generated names
        for local, what in (("x" * 60, "60-byte local part"),
                            (".".join(["ab"] * 40), "local part of 40 labels"),
                            ("y" * 64, "64-byte local part"),
                            ("z" * 200, "200-byte local part (one label > 63)")):
            for dom in ("macro.example", "macro2.example"):
                r = run("%s@%s" % (local, dom))
                w = "macro names, %s, %s" % (what, dom)
                check("%s: exit status 0" % w, r.rc == 0, r)
                check("%s: a result (fail or permerror)" % w,
                      r.result in ("fail", "permerror"), r)
                q = srv.entries(transport=None)
                long_names = [e["name"] for e in q
                              if len(".".join(e["labels"])) > NAME_MAX]
                long_labels = [e["name"] for e in q
                               if any(len(l) > LABEL_MAX for l in e["labels"])]
                check("%s: no queried name over 253 bytes" % w, not long_names, long_names)
                check("%s: no label over 63 bytes" % w, not long_labels, long_labels)
                if local.startswith("x") and dom == "macro.example":
                    # 6 x 61 + 15 = 381 bytes: drop labels from the left
                    # until it fits (RFC 7208 §7.3): 3 x-labels remain
                    want = ".".join([local] * 3) + ".e.macro.example"
                    check("%s: the name truncated on the left (3 labels dropped) queried"
                          % w, [e["name"] for e in q if e["type"] == "A"] == [want],
                          [e["name"] for e in q])

        # ---- 15 a: terms, all NXDOMAIN
        r = run("u@voids.example")
        base(r, "15 a: terms all NXDOMAIN", "permerror")
        names = srv.names(transport=None)
        check("voids: the 3rd void lookup ends the check (void_lookups 3)",
              r.get("void_lookups") == VOID_LIMIT + 1, r)
        check("voids: n1..n3 asked, nothing for the 4th term and later",
              all("n%d.voids.example" % i in names for i in (1, 2, 3))
              and not any("n%d.voids.example" % i in names for i in range(4, 16)), names)
        check("voids: 1 TXT + 3 A queries", srv.count() == 4, names)

        # ---- time budget
        for sender, timeout, what in (
                ("u@drop.example", 3, "every query dropped (top record)"),
                ("u@drop-inc.example", 3, "every include dropped"),
                ("u@s0.slow.example", 3, "900 ms per answer, chain of 20 includes"),
                ("u@late.example", 2, "the answer comes after the deadline")):
            r = run(sender, timeout=timeout)
            check("time budget, %s: exit status 0" % what, r.rc == 0, r)
            check("time budget, %s: temperror" % what, r.result == "temperror", r)
            check("time budget, %s: ends within --timeout %d + 2 s" % (what, timeout),
                  r.seconds <= timeout + MARGIN_S, "%.2f s" % r.seconds)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
