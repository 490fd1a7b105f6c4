#!/usr/bin/python3
"""test-dns.py - DNS answers and records a hostile or broken zone sends:
CNAME loops and long chains, records of other owners, NUL bytes in TXT.

What it is for: spfcheck --dns runs the real resolver path (c-ares over
loopback UDP/TCP) against tests/hostile/dnsserver.py, taught here to send
crafted answer sections: whole CNAME chains and loops as a recursive
resolver returns them, records of other owners mixed into an answer, and
TXT data holding a NUL byte.  The server counts every query it gets, so
the checks see what a zone can make a receiver ask.

 13. CNAME loops and long chains.  A chain that never reaches the asked
     type is "no data" for that lookup: a void lookup, no match, never
     TempError.  The backend follows a chain within the answer and asks
     at most once more (for the end of a chain given without its data,
     as unbound's local-data answers); it never asks the same name twice
     in one lookup.  Before the fix: 11 identical queries and TempError.
 14. Records whose owner is neither the asked name nor in its CNAME
     chain are not part of the answer.  Before the fix a stray TXT or MX
     record was merged into the record set and changed the result.
 15. `v=spf1 ip4:192.0.2.10\\0 -all` is a syntax error (PermError) on the
     real path, from a zone file (spfcheck --zone) and in --lint; it was
     cut at the NUL and passed.  An exp= explanation holding a NUL is
     ignored (RFC 7208 section 6.2: the default explanation is used), never
     cut into a different text.

Usage: test-dns.py PATH/TO/spfcheck
How it fails: one "FAIL" line per broken expectation, then
"N passed, M failed", exit status 1.
"""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
import dnsserver  # noqa: E402
from dnsserver import Server, Zone  # noqa: E402
from harness import check, spfcheck, summary  # noqa: E402

CLIENT = "192.0.2.10"       # the address the hostile records would allow
OTHER = "192.0.2.99"        # an address nothing allows
TIMEOUT = 4                 # spfcheck's DNS budget per check (s)
# The backend asks at most once more than the first query for one lookup.
FOLLOW_MAX = 1
# Links of a chain longer than any resolver's limit, sent in one answer.
LONG_CHAIN = 40
UDP_MAX = 512               # RFC 1035 section 4.2.1


class Crafted(Server):
    """dnsserver.Server that answers (name, type) pairs listed in
    self.crafted with a hand-made answer section: (rcode, [(owner, type,
    value), ...]) or a function (name) -> that or None.  Everything else
    is answered from the Zone as dnsserver does."""

    def __init__(self, zone):
        super().__init__(zone)
        self.crafted = {}
        self.rules = []

    def craft(self, name, qtype, rcode, records):
        self.crafted[(dnsserver.norm(name), qtype)] = (rcode, records)

    def rule(self, fn):
        self.rules.append(fn)

    def answer(self, q, transport):
        key = (q.name, dnsserver.type_name(q.qtype))
        got = self.crafted.get(key)
        for fn in self.rules:
            if got is None:
                got = fn(q.name, key[1])
        if got is None:
            return super().answer(q, transport)
        rcode, records = got
        rrs = [(o, t, dnsserver.rdata(t, v)) for o, t, v in records]
        msg = dnsserver.build(q, rcode, rrs)
        if transport == "udp" and len(msg) > UDP_MAX:
            msg = dnsserver.build(q, rcode, rrs, tc=True)
        return msg, 0, False


def build(srv):
    z = srv.zone
    # ---- 13: chains
    # a loop, whole in one answer, as a recursive resolver returns it
    z.add("s13a.example", "TXT", "v=spf1 a:loop.s13.example -all")
    srv.craft("loop.s13.example", "A", 0, [
        ("loop.s13.example", "CNAME", "b.loop.s13.example"),
        ("b.loop.s13.example", "CNAME", "loop.s13.example")])
    # a name that is its own CNAME, answered alone
    z.add("s13b.example", "TXT", "v=spf1 a:self.s13.example -all")
    srv.craft("self.s13.example", "A", 0, [
        ("self.s13.example", "CNAME", "self.s13.example")])
    # an endless chain, one link per answer: eN -> eN+1 -> ...
    z.add("s13c.example", "TXT", "v=spf1 a:e0.endless.s13.example -all")

    def endless(name, qtype):
        parts = name.split(".", 1)
        if (len(parts) == 2 and parts[1] == "endless.s13.example"
                and parts[0][:1] == "e" and parts[0][1:].isdigit()):
            n = int(parts[0][1:])
            return 0, [(name, "CNAME", "e%d.endless.s13.example" % (n + 1))]
        return None
    srv.rule(endless)
    # a chain of LONG_CHAIN links in one answer, every answer a new one
    z.add("s13d.example", "TXT", "v=spf1 a:l0.long.s13.example -all")

    def long_chain(name, qtype):
        parts = name.split(".", 1)
        if (len(parts) == 2 and parts[1] == "long.s13.example"
                and parts[0][:1] == "l" and parts[0][1:].isdigit()):
            n = int(parts[0][1:])
            return 0, [("l%d.long.s13.example" % i, "CNAME",
                        "l%d.long.s13.example" % (i + 1))
                       for i in range(n, n + LONG_CHAIN)]
        return None
    srv.rule(long_chain)
    # the record itself behind a loop: no SPF record (None) ...
    srv.craft("s13e.example", "TXT", 0, [
        ("s13e.example", "CNAME", "x.s13e.example"),
        ("x.s13e.example", "CNAME", "s13e.example")])
    # ... and behind an include: PermError (include of no record)
    z.add("s13f.example", "TXT", "v=spf1 include:s13e.example -all")
    # loop across two answers: a -> b (alone), b -> a (alone)
    z.add("s13g.example", "TXT", "v=spf1 a:p.s13.example -all")
    z.add("p.s13.example", "CNAME", "q.s13.example")
    z.add("q.s13.example", "CNAME", "p.s13.example")
    # still working: a whole chain that reaches the data, and a CNAME
    # answered alone whose target is asked once more
    z.add("s13h.example", "TXT", "v=spf1 a:c.s13.example -all")
    srv.craft("c.s13.example", "A", 0, [
        ("c.s13.example", "CNAME", "d.s13.example"),
        ("d.s13.example", "CNAME", "e.s13.example"),
        ("e.s13.example", "A", CLIENT)])
    z.add("s13i.example", "TXT", "v=spf1 a:alias.s13.example -all")
    z.add("alias.s13.example", "CNAME", "real.s13.example")
    z.add("real.s13.example", "A", CLIENT)
    # the chain in an order no resolver uses: still followed by owner
    z.add("s13j.example", "TXT", "v=spf1 a:r1.s13.example -all")
    srv.craft("r1.s13.example", "A", 0, [
        ("r3.s13.example", "A", CLIENT),
        ("r2.s13.example", "CNAME", "r3.s13.example"),
        ("r1.s13.example", "CNAME", "r2.s13.example")])

    # ---- 14: records of other owners
    # the asked name's own record and a stray one: was two SPF records
    srv.craft("s14a.example", "TXT", 0, [
        ("s14a.example", "TXT", "v=spf1 -all"),
        ("evil.example", "TXT", "v=spf1 +all")])
    # no SPF record at the asked name; a stray one would pass anyone
    srv.craft("s14b.example", "TXT", 0, [
        ("s14b.example", "TXT", "hello"),
        ("evil.example", "TXT", "v=spf1 +all")])
    # a stray MX record naming the client's host
    z.add("s14c.example", "TXT", "v=spf1 mx:m.s14.example -all")
    srv.craft("m.s14.example", "MX", 0, [
        ("m.s14.example", "MX", (10, "good.s14.example")),
        ("evil.example", "MX", (10, "evilhost.s14.example"))])
    z.add("good.s14.example", "A", OTHER)
    z.add("evilhost.s14.example", "A", CLIENT)
    # a stray A record
    z.add("s14d.example", "TXT", "v=spf1 a:h.s14.example -all")
    srv.craft("h.s14.example", "A", 0, [
        ("h.s14.example", "A", OTHER),
        ("evil.example", "A", CLIENT)])
    # a stray TXT beside a CNAME chain
    srv.craft("s14e.example", "TXT", 0, [
        ("s14e.example", "CNAME", "t.s14.example"),
        ("t.s14.example", "TXT", "v=spf1 -all"),
        ("evil.example", "TXT", "v=spf1 +all")])
    # records at the asked name beside its CNAME: only the chain's end
    # answers (a name with a CNAME has no other data, RFC 1034 3.6.2)
    srv.craft("s14f.example", "TXT", 0, [
        ("s14f.example", "TXT", "v=spf1 +all"),
        ("s14f.example", "CNAME", "u.s14.example"),
        ("u.s14.example", "TXT", "v=spf1 -all")])

    # ---- 15: NUL bytes
    z.add("s15a.example", "TXT", "v=spf1 ip4:%s\0 -all" % CLIENT)
    z.add("s15b.example", "TXT", ["v=spf1 ip4:%s" % CLIENT, "\0 -all"])
    z.add("s15c.example", "TXT", "v=spf1 a:x\0.s15.example ip4:%s -all"
          % CLIENT)
    z.add("s15d.example", "TXT", "v=spf1 ip6:2001:db8::1\0 ip4:%s -all"
          % CLIENT)
    z.add("s15e.example", "TXT", "v=spf1 include:i.s15.example\0 -all")
    z.add("i.s15.example", "TXT", "v=spf1 +all")
    z.add("s15f.example", "TXT", "v=spf1 -all exp=e.s15.example")
    z.add("e.s15.example", "TXT", "You may not\0 send, %{s}")
    z.add("s15g.example", "TXT", "v=spf1 -all exp=g.s15.example")
    z.add("g.s15.example", "TXT", "Go away, %{s}")
    # the NUL where "v=spf1" must be followed by a space or nothing
    z.add("s15h.example", "TXT", "v=spf1\0 +all")


def run(binary, port, sender, ip=CLIENT, extra=()):
    return spfcheck(binary, port, ip, sender, timeout=TIMEOUT, extra=extra)


def queries(srv, name, qtype):
    return srv.count(name=name, qtype=qtype, transport=None)


def test_chains(binary, srv):
    srv.reset()
    r = run(binary, srv.port, "u@s13a.example")
    check("13 loop in one answer: fail, not temperror", r.result == "fail", r)
    check("13 loop in one answer: a void lookup", r.get("void_lookups") == 1, r)
    n = queries(srv, "loop.s13.example", "A")
    check("13 loop in one answer: 1 query (was 11)", n == 1,
          srv.names(transport=None))
    check("13 loop in one answer: its other name never asked",
          queries(srv, "b.loop.s13.example", "A") == 0,
          srv.names(transport=None))

    srv.reset()
    r = run(binary, srv.port, "u@s13b.example")
    check("13 self-loop: fail, a void lookup",
          r.result == "fail" and r.get("void_lookups") == 1, r)
    check("13 self-loop: 1 query (was 11)",
          queries(srv, "self.s13.example", "A") == 1,
          srv.names(transport=None))

    srv.reset()
    r = run(binary, srv.port, "u@s13c.example")
    check("13 endless chain, a link per answer: fail, a void lookup",
          r.result == "fail" and r.get("void_lookups") == 1, r)
    asked = [n for n in srv.names(transport=None) if "endless" in n]
    check("13 endless chain: at most %d queries (was 11)" % (1 + FOLLOW_MAX),
          len(asked) <= 1 + FOLLOW_MAX, asked)
    check("13 endless chain: no name asked twice",
          len(asked) == len(set(asked)), asked)

    srv.reset()
    r = run(binary, srv.port, "u@s13d.example")
    check("13 %d-link chain in every answer: fail, a void lookup" % LONG_CHAIN,
          r.result == "fail" and r.get("void_lookups") == 1, r)
    asked = [n for n in srv.names(transport="udp") if "long" in n]
    check("13 %d-link chain: 1 query" % LONG_CHAIN, len(asked) == 1, asked)

    srv.reset()
    r = run(binary, srv.port, "u@s13e.example")
    check("13 the record behind a loop: none, not temperror",
          r.result == "none", r)
    check("13 the record behind a loop: 1 query",
          queries(srv, "s13e.example", "TXT") == 1 and
          queries(srv, "x.s13e.example", "TXT") == 0,
          srv.names(transport=None))
    r = run(binary, srv.port, "u@s13f.example")
    check("13 include of a record behind a loop: permerror, not temperror",
          r.result == "permerror", r)

    srv.reset()
    r = run(binary, srv.port, "u@s13g.example")
    check("13 loop over two answers: fail, a void lookup",
          r.result == "fail" and r.get("void_lookups") == 1, r)
    check("13 loop over two answers: each name asked once",
          queries(srv, "p.s13.example", "A") == 1 and
          queries(srv, "q.s13.example", "A") == 1, srv.names(transport=None))

    srv.reset()
    r = run(binary, srv.port, "u@s13h.example")
    check("13 a chain that reaches the data: pass", r.result == "pass", r)
    check("13 a chain that reaches the data: 1 query",
          queries(srv, "c.s13.example", "A") == 1 and
          queries(srv, "e.s13.example", "A") == 0, srv.names(transport=None))
    srv.reset()
    r = run(binary, srv.port, "u@s13i.example")
    check("13 a CNAME answered alone: its target asked once more, pass",
          r.result == "pass" and queries(srv, "alias.s13.example", "A") == 1
          and queries(srv, "real.s13.example", "A") == 1, r)
    r = run(binary, srv.port, "u@s13j.example")
    check("13 a chain listed out of order: pass", r.result == "pass", r)


def test_owners(binary, srv):
    r = run(binary, srv.port, "u@s14a.example")
    check("14 a stray SPF record beside the asked one: fail (was permerror)",
          r.result == "fail", r)
    r = run(binary, srv.port, "u@s14b.example")
    check("14 a stray SPF record alone: none (was pass)",
          r.result == "none", r)
    r = run(binary, srv.port, "u@s14c.example")
    check("14 a stray MX record: fail (was pass)", r.result == "fail", r)
    check("14 a stray MX record: its host never asked",
          queries(srv, "evilhost.s14.example", "A") == 0,
          srv.names(transport=None))
    r = run(binary, srv.port, "u@s14d.example")
    check("14 a stray A record: fail", r.result == "fail", r)
    r = run(binary, srv.port, "u@s14e.example")
    check("14 a stray SPF record beside a CNAME chain: fail",
          r.result == "fail", r)
    r = run(binary, srv.port, "u@s14f.example")
    check("14 data beside a CNAME: the chain's end answers, fail",
          r.result == "fail", r)


def test_nul(binary, srv, tmp):
    for dom, what in (("s15a.example", "NUL before a space"),
                      ("s15b.example", "NUL as a string of its own"),
                      ("s15c.example", "NUL inside an a: domain"),
                      ("s15d.example", "NUL after an ip6: address"),
                      ("s15e.example", "NUL after an include: domain")):
        r = run(binary, srv.port, "u@" + dom)
        check("15 %s (c-ares): permerror" % what, r.result == "permerror", r)
    r = run(binary, srv.port, "u@s15h.example")
    check("15 v=spf1 then NUL is no SPF record (RFC 7208 4.5): none",
          r.result == "none", r)

    r = run(binary, srv.port, "u@s15f.example", extra=("--default-exp", "DEF"))
    check("15 exp= text with a NUL: fail", r.result == "fail", r)
    check("15 exp= text with a NUL: ignored, the default explanation",
          r.get("explanation") == "DEF", r)
    r = run(binary, srv.port, "u@s15f.example")
    check("15 exp= text with a NUL, no default: no explanation",
          r.result == "fail" and r.get("explanation") == "", r)
    r = run(binary, srv.port, "u@s15g.example")
    check("15 exp= text without a NUL: used",
          r.get("explanation") == "Go away, u@s15g.example", r)

    # the same records from a zone file (\000 is a NUL byte there)
    zone = os.path.join(tmp, "nul.zone")
    with open(zone, "w") as f:
        f.write('s15a.example TXT "v=spf1 ip4:%s\\000 -all"\n' % CLIENT)
        f.write('s15b.example TXT "v=spf1 ip4:%s" "\\000 -all"\n' % CLIENT)
        f.write('s15f.example TXT "v=spf1 -all exp=e.s15.example"\n')
        f.write('e.s15.example TXT "You may not\\000 send"\n')
    for dom in ("s15a.example", "s15b.example"):
        p = subprocess.run([binary, "--zone", zone, "--ip", CLIENT,
                            "--sender", "u@" + dom, "--json"],
                           capture_output=True, timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        check("15 %s (zone file): permerror" % dom,
              p.returncode == 0 and '"result": "permerror"' in out, out)
    p = subprocess.run([binary, "--zone", zone, "--ip", CLIENT, "--sender",
                        "u@s15f.example", "--default-exp", "DEF", "--json"],
                       capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    check("15 exp= text with a NUL (zone file): the default explanation",
          '"explanation": "DEF"' in out, out)

    # lint names the term
    p = subprocess.run([binary, "--lint", "s15a.example", "--dns",
                        "127.0.0.1:%d" % srv.port, "--timeout", str(TIMEOUT)],
                       capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    check("15 lint: a syntax error (exit 3)", p.returncode == 3, out)
    check("15 lint: the NUL byte is named", "NUL byte" in out, out)


def main(argv):
    if len(argv) != 2:
        print("usage: test-dns.py PATH/TO/spfcheck", file=sys.stderr)
        return 2
    binary = argv[1]
    srv = Crafted(Zone())
    build(srv)
    with srv, tempfile.TemporaryDirectory() as tmp:
        test_chains(binary, srv)
        test_owners(binary, srv)
        test_nul(binary, srv, tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
