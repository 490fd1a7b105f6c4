#!/usr/bin/python3
"""genzone.py - the benchmark's DNS zone and Postfix policy requests.

Writes, into OUTDIR:
  bench.zone     one zone "bench." for nsd: mail providers with shared
                 include chains two and three deep (ip4/ip6 lists, a/mx
                 inside includes), hosting companies that many domains
                 redirect to, and sender domains whose SPF records are a
                 realistic mix: include of one or two providers, ip4/ip6
                 lists, mx (one to five MX hosts with A/AAAA), a, redirect,
                 exists with a macro, -all / ~all / ?all, no SPF record at
                 all, several kinds of permerror; every domain also has A and
                 MX records and often unrelated TXT records.  Names under
                 servfail.bench are sender domains whose zone nsd is
                 configured for but cannot load: nsd answers SERVFAIL.
  warm.req       requests over WARM domains, repeated (a new message each);
                 the unauthorized clients come from a fixed pool, so
                 every DNS answer a warm request needs has been seen before
  cold.req       one request per cold domain: a unique domain each time
  multi.req      messages with several recipients: one request per
                 recipient, same instance (Postfix sends one per RCPT TO)
  mxprobe.req    one request for mxprobe.bench: "v=spf1 mx -all", 5 MX hosts
  startup.req    one request (a warm domain)
  meta.json      what was generated (counts per record kind)

Requests are shaped like Postfix 3.7's (all attributes, RCPT stage).  The
client address is, three times in four, one the domain authorizes (a
provider's sending address with its HELO name, an MX host, an ip4 entry),
otherwise a random address with a made-up HELO name (fail / softfail /
neutral paths walk the whole record).  Deterministic for a given seed.

Usage: genzone.py OUTDIR [--cold N] [--warm N] [--warm-requests N]
                         [--multi-messages N] [--seed S]
Fails with a Python traceback on a bad argument or an unwritable OUTDIR.
"""
import argparse
import ipaddress
import json
import os
import random

ZONE = "bench"
SERVFAIL_ZONE = "servfail.bench"
TTL = 3600
WARM_STRANGERS = 200     # unauthorized clients of the warm workload, repeated
TXT_CHUNK = 250          # < 255, the limit of one character-string (RFC 1035 3.3)

WORDS = ["acme", "blue", "cedar", "delta", "ember", "fjord", "granite", "harbor",
         "indigo", "juniper", "kestrel", "lumen", "maple", "nimbus", "orchid",
         "pioneer", "quartz", "raven", "summit", "tundra", "umber", "vertex",
         "willow", "xenon", "yonder", "zephyr", "atlas", "beacon", "cobalt",
         "dune", "echo", "falcon", "glacier", "helix", "iris", "jade", "koala",
         "lotus", "meadow", "nova"]

# Record kinds of sender domains and their share (percent).
KINDS = [
    ("esp", 30),        # include of one or two mail providers
    ("ip", 13),         # ip4 / ip6 lists
    ("mx", 10),         # mx with its own 1-5 MX hosts
    ("amx", 8),         # a mx (+ ip4)
    ("redirect", 8),    # redirect=_spf.hostingN
    ("mixed", 8),       # mx a ip4 include
    ("neutral", 4),     # ?all
    ("macro", 1),       # exists:%{i}._spf.%{d}
    ("none", 10),       # no SPF record
    ("permerror", 5),   # broken record
    ("servfail", 3),    # the zone answers SERVFAIL
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.lines = []
        self.kinds = {}

    # ---- addresses -----------------------------------------------------------
    def ip4(self):
        while True:
            a = self.r.randrange(11, 224)
            if a not in (100, 127, 169, 172, 192, 198, 203):
                return "%d.%d.%d.%d" % (a, self.r.randrange(256), self.r.randrange(256),
                                        self.r.randrange(1, 255))

    def net4(self, plen):
        net = ipaddress.ip_network("%s/%d" % (self.ip4(), plen), strict=False)
        return net

    def ip6(self):
        return str(ipaddress.IPv6Address((0x2a00 << 112) | self.r.getrandbits(100)))

    def net6(self, plen):
        return ipaddress.ip_network("%s/%d" % (self.ip6(), plen), strict=False)

    def host_in(self, net):
        size = net.num_addresses
        off = self.r.randrange(1, size - 1) if size > 2 else 0
        return str(net.network_address + off)

    # ---- zone lines ---------------------------------------------------------
    def rr(self, name, rtype, data):
        self.lines.append("%s\t%d\tIN\t%s\t%s" % (name, TTL, rtype, data))

    def txt(self, name, text):
        chunks = [text[i:i + TXT_CHUNK] for i in range(0, len(text), TXT_CHUNK)] or [""]
        self.rr(name, "TXT", " ".join('"%s"' % c for c in chunks))

    def decoys(self, name):
        if self.r.random() < 0.4:
            self.txt(name, "google-site-verification=%032x" % self.r.getrandbits(128))
        if self.r.random() < 0.2:
            self.txt(name, "MS=ms%08d" % self.r.randrange(10 ** 8))


def make_providers(g, n):
    """Mail providers: returns a list of dicts with the include target, the
    addresses they send from (with HELO names) and their MX hosts."""
    provs = []
    for i in range(n):
        p = "p%d.%s" % (i, ZONE)
        kind = i % 4
        send = []        # (ip, helo)
        mxhosts = []
        g.rr(p + ".", "A", g.ip4())
        for k in (1, 2):
            ip = g.ip4()
            g.rr("mx%d.%s." % (k, p), "A", ip)
            mxhosts.append("mx%d.%s" % (k, p))
        g.rr(p + ".", "MX", "10 mx1.%s." % p)
        g.rr(p + ".", "MX", "20 mx2.%s." % p)
        if kind == 0:     # google-like: _spf -> _netblocks{,2,3} (two deep)
            target = "_spf." + p
            n1 = [g.net4(g.r.choice((16, 18, 19, 20, 24))) for _ in range(10)]
            n2 = [g.net6(g.r.choice((32, 36, 48))) for _ in range(6)]
            n3 = [g.net4(g.r.choice((20, 22, 24))) for _ in range(6)]
            g.txt(target + ".", "v=spf1 include:_netblocks.%s include:_netblocks2.%s "
                  "include:_netblocks3.%s ~all" % (p, p, p))
            g.txt("_netblocks.%s." % p, "v=spf1 " + " ".join("ip4:%s" % x for x in n1) + " ~all")
            g.txt("_netblocks2.%s." % p, "v=spf1 " + " ".join("ip6:%s" % x for x in n2) + " ~all")
            g.txt("_netblocks3.%s." % p, "v=spf1 " + " ".join("ip4:%s" % x for x in n3) + " ~all")
            nets = n1 + n3
            nets6 = n2
        elif kind == 1:   # outlook-like: spf.protection -> spfa -> ipa (three deep)
            target = "spf.protection." + p
            na = [g.net4(g.r.choice((14, 15, 16, 17, 19))) for _ in range(8)]
            nb = [g.net4(g.r.choice((20, 22, 24))) for _ in range(6)]
            nb6 = [g.net6(g.r.choice((32, 48))) for _ in range(3)]
            g.txt(target + ".", "v=spf1 include:spfa.%s include:spfb.%s -all" % (p, p))
            g.txt("spfa.%s." % p, "v=spf1 include:ipa.%s ip4:%s -all" % (p, g.net4(24)))
            g.txt("ipa.%s." % p, "v=spf1 " + " ".join("ip4:%s" % x for x in na) + " -all")
            g.txt("spfb.%s." % p, "v=spf1 " + " ".join("ip4:%s" % x for x in nb) + " " +
                  " ".join("ip6:%s" % x for x in nb6) + " -all")
            nets = na + nb
            nets6 = nb6
        elif kind == 2:   # a flat list
            target = "spf." + p
            nets = [g.net4(g.r.choice((20, 21, 22, 23, 24))) for _ in range(7)]
            nets6 = [g.net6(40)]
            g.txt(target + ".", "v=spf1 " + " ".join("ip4:%s" % x for x in nets) +
                  " ip6:%s -all" % nets6[0])
        else:             # a and mx inside the include
            target = "_spf." + p
            outs = [g.ip4() for _ in range(4)]
            for ip in outs:
                g.rr("out.%s." % p, "A", ip)
            nets = [g.net4(24) for _ in range(3)]
            nets6 = []
            g.txt(target + ".", "v=spf1 a:out.%s mx:%s " % (p, p) +
                  " ".join("ip4:%s" % x for x in nets) + " ~all")
            for k, ip in enumerate(outs):
                send.append((ip, "out%d.%s" % (k, p)))
                g.rr("out%d.%s." % (k, p), "A", ip)
        # outbound hosts with HELO names; kinds 1 and 3 publish a HELO record
        for k in range(6):
            net = g.r.choice(nets)
            ip = g.host_in(net)
            helo = "o%d.%s" % (k, p)
            g.rr(helo + ".", "A", ip)
            if kind in (1, 3):
                g.txt(helo + ".", "v=spf1 a -all")
            send.append((ip, helo))
        for net in nets6[:2]:
            ip = g.host_in(net)
            helo = "o6-%d.%s" % (len(send), p)
            g.rr(helo + ".", "AAAA", ip)
            send.append((ip, helo))
        provs.append({"name": p, "target": target, "send": send, "mx": mxhosts})
    return provs


def make_hosting(g, n, provs):
    """Hosting companies whose _spf record many customer domains redirect to."""
    hosts = []
    for i in range(n):
        h = "hosting%d.%s" % (i, ZONE)
        nets = [g.net4(g.r.choice((22, 24, 26))) for _ in range(4)]
        prov = g.r.choice(provs)
        g.txt("_spf.%s." % h, "v=spf1 " + " ".join("ip4:%s" % x for x in nets) +
              " include:%s ~all" % prov["target"])
        send = []
        for k in range(4):
            ip = g.host_in(g.r.choice(nets))
            helo = "smtp%d.%s" % (k, h)
            g.rr(helo + ".", "A", ip)
            send.append((ip, helo))
        hosts.append({"name": h, "send": send + prov["send"][:2]})
    return hosts


def pick_kind(r):
    x = r.uniform(0, 100)
    for k, w in KINDS:
        if x < w:
            return k
        x -= w
    return KINDS[0][0]


def make_domain(g, name, provs, hosting):
    """Zone records of one sender domain; returns (kind, authorized senders)."""
    r = g.r
    kind = pick_kind(r)
    g.kinds[kind] = g.kinds.get(kind, 0) + 1
    if kind == "servfail":
        name = name.replace("." + ZONE, "." + SERVFAIL_ZONE)
        return name, kind, []
    d = name + "."
    allq = r.choice(["-all", "~all", "~all", "?all"]) if kind != "neutral" else "?all"
    a_ip = g.ip4()
    g.rr(d, "A", a_ip)
    senders = []
    # MX: own hosts or a provider's
    own_mx = []
    prov_mx = None
    if kind in ("esp",) and r.random() < 0.5:
        prov_mx = r.choice(provs)
        for k, h in enumerate(prov_mx["mx"]):
            g.rr(d, "MX", "%d %s." % (10 * (k + 1), h))
    else:
        nmx = r.choice((1, 1, 2, 2, 2, 3, 4, 5)) if kind == "mx" else r.choice((1, 2, 2, 3))
        for k in range(nmx):
            h = "mx%d.%s" % (k + 1, name)
            ip = g.ip4()
            g.rr(h + ".", "A", ip)
            own_mx.append((ip, h))
            if r.random() < 0.5:
                ip6 = g.ip6()
                g.rr(h + ".", "AAAA", ip6)
                own_mx.append((ip6, h))
            g.rr(d, "MX", "%d %s." % (10 * (k + 1), h))
    g.decoys(d)
    if kind == "esp":
        chosen = r.sample(provs, r.choice((1, 1, 2)))
        pre = "mx " if r.random() < 0.3 else ""
        g.txt(d, "v=spf1 " + pre + " ".join("include:%s" % p["target"] for p in chosen) +
              " " + allq)
        for p in chosen:
            senders += p["send"]
        if pre:
            senders += own_mx
    elif kind == "ip":
        nets = [g.net4(r.choice((24, 27, 28, 29, 32))) for _ in range(r.randrange(1, 6))]
        nets6 = [g.net6(r.choice((48, 56, 64))) for _ in range(r.choice((0, 0, 1, 2)))]
        g.txt(d, "v=spf1 " + " ".join(
            ("ip4:%s" % n.network_address) if n.prefixlen == 32 else "ip4:%s" % n
            for n in nets) + "".join(" ip6:%s" % n for n in nets6) + " " + allq)
        for n in nets + nets6:
            ip = g.host_in(n)
            senders.append((ip, "smtp.%s" % name))
            g.rr("smtp.%s." % name, "AAAA" if ":" in ip else "A", ip)
    elif kind == "mx":
        g.txt(d, "v=spf1 mx " + allq)
        senders += own_mx
    elif kind == "amx":
        extra = " ip4:%s" % g.net4(28) if r.random() < 0.4 else ""
        g.txt(d, "v=spf1 a mx" + extra + " " + allq)
        senders += own_mx + [(a_ip, name)]
    elif kind == "redirect":
        h = r.choice(hosting)
        g.txt(d, "v=spf1 redirect=_spf.%s" % h["name"])
        senders += h["send"]
    elif kind == "mixed":
        p = r.choice(provs)
        g.txt(d, "v=spf1 mx a ip4:%s include:%s %s" % (g.net4(26), p["target"], allq))
        senders += own_mx + p["send"]
    elif kind == "neutral":
        if r.random() < 0.5:
            g.txt(d, "v=spf1 ?all")
        else:
            p = r.choice(provs)
            g.txt(d, "v=spf1 include:%s ?all" % p["target"])
            senders += p["send"]
    elif kind == "macro":
        g.txt(d, "v=spf1 exists:%{i}._spf.%{d} " + allq)
        ip = g.ip4()
        g.rr("%s._spf.%s." % (ip, name), "A", "127.0.0.2")
        senders.append((ip, "smtp.%s" % name))
        g.rr("smtp.%s." % name, "A", ip)
    elif kind == "none":
        senders += own_mx
    elif kind == "permerror":
        v = r.randrange(5)
        if v == 0:
            g.txt(d, "v=spf1 ip4:192.0.2.300 " + allq)
        elif v == 1:
            g.txt(d, "v=spf1 mx include:nonexistent-%s -all" % name)
        elif v == 2:
            g.txt(d, "v=spf1 a redirect=_spf.%s redirect=_spf.%s" %
                  (hosting[0]["name"], hosting[1]["name"]))
        elif v == 3:
            g.txt(d, "v=spf1 mx ~all")
            g.txt(d, "v=spf1 a -all")
        else:
            g.txt(d, "v=spf1 a:%s mx ipv4:%s -all" % (name, g.ip4()))
        senders += own_mx
    return name, kind, senders


class Requests:
    def __init__(self, r):
        self.r = r
        self.n = 0

    def instance(self):
        self.n += 1
        return "%x.%x.%x.0" % (self.r.getrandbits(20), 0x61d5d3d0 + self.n,
                               self.r.getrandbits(20))

    def stranger(self):
        """A client the domain did not authorize, with a made-up HELO name."""
        r = self.r
        a = "%d.%d.%d.%d" % (r.randrange(11, 224), r.randrange(256), r.randrange(256),
                             r.randrange(1, 255))
        return a, "host-%s.dyn.isp%d.%s" % (a.replace(".", "-"), r.randrange(20), ZONE)

    def client(self, senders, strangers=None):
        """Three times in four an authorized sender, else a stranger (from
        the fixed pool when given: the warm workload repeats everything)."""
        r = self.r
        if senders and r.random() < 0.75:
            return r.choice(senders)
        return r.choice(strangers) if strangers else self.stranger()

    def one(self, domain, ip, helo, inst, rcpt_no):
        r = self.r
        local = r.choice(("info", "news", "billing", "alice", "bob", "noreply", "support"))
        return ("request=smtpd_access_policy\n"
                "protocol_state=RCPT\n"
                "protocol_name=ESMTP\n"
                "client_address=%s\n"
                "client_name=%s\n"
                "client_port=%d\n"
                "reverse_client_name=%s\n"
                "server_address=192.0.2.25\n"
                "server_port=25\n"
                "helo_name=%s\n"
                "sender=%s@%s\n"
                "recipient=user%d@receiver.example\n"
                "recipient_count=%d\n"
                "queue_id=\n"
                "instance=%s\n"
                "size=%d\n"
                "etrn_domain=\n"
                "stress=\n"
                "sasl_method=\n"
                "sasl_username=\n"
                "sasl_sender=\n"
                "ccert_subject=\n"
                "ccert_issuer=\n"
                "ccert_fingerprint=\n"
                "ccert_pubkey_fingerprint=\n"
                "encryption_protocol=TLSv1.3\n"
                "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
                "encryption_keysize=256\n"
                "policy_context=\n"
                "compatibility_level=3.6\n"
                "mail_version=3.7.11\n"
                "\n" % (ip, helo, r.randrange(1024, 65535), helo, helo, local, domain,
                        r.randrange(1000), rcpt_no, inst, r.randrange(2000, 200000)))

    def message(self, domain, senders, nrcpt=1, strangers=None):
        ip, helo = self.client(senders, strangers)
        inst = self.instance()
        return "".join(self.one(domain, ip, helo, inst, k) for k in range(nrcpt))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--cold", type=int, default=100000)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--warm-requests", type=int, default=110000)
    ap.add_argument("--multi-messages", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7208)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    g = Gen(a.seed)
    g.lines += ["$ORIGIN %s." % ZONE, "$TTL %d" % TTL,
                "@\tIN\tSOA\tns.%s. hostmaster.%s. 1 3600 600 86400 300" % (ZONE, ZONE),
                "@\tIN\tNS\tns.%s." % ZONE, "ns\tIN\tA\t127.0.0.1"]
    provs = make_providers(g, 12)
    hosting = make_hosting(g, 5, provs)

    # the mx probe: five MX hosts, the client is the last one
    mxips = []
    for k in range(5):
        ip = g.ip4()
        g.rr("mx%d.mxprobe.%s." % (k + 1, ZONE), "A", ip)
        g.rr("mxprobe.%s." % ZONE, "MX", "%d mx%d.mxprobe.%s." % (10 * (k + 1), k + 1, ZONE))
        mxips.append(ip)
    g.txt("mxprobe.%s." % ZONE, "v=spf1 mx -all")
    g.rr("probe-helo.%s." % ZONE, "A", g.ip4())

    def domains(prefix, n):
        out = []
        for i in range(n):
            name = "%s%s-%d.%s" % (prefix, WORDS[i % len(WORDS)], i, ZONE)
            out.append(make_domain(g, name, provs, hosting))
        return out

    warm = domains("w", a.warm)
    warm_kinds = dict(g.kinds)
    g.kinds = {}
    cold = domains("", a.cold)
    cold_kinds = dict(g.kinds)

    with open(os.path.join(a.outdir, "bench.zone"), "w") as f:
        f.write("\n".join(g.lines) + "\n")

    rq = Requests(random.Random(a.seed + 1))
    strangers = [rq.stranger() for _ in range(WARM_STRANGERS)]
    with open(os.path.join(a.outdir, "warm.req"), "w") as f:
        for _ in range(a.warm_requests):
            name, kind, senders = rq.r.choice(warm)
            f.write(rq.message(name, senders, strangers=strangers))
    order = list(range(len(cold)))
    rq.r.shuffle(order)
    with open(os.path.join(a.outdir, "cold.req"), "w") as f:
        for i in order:
            name, kind, senders = cold[i]
            f.write(rq.message(name, senders))
    rq.r.shuffle(order)
    nmsg = 0
    with open(os.path.join(a.outdir, "multi.req"), "w") as f:
        for i in order[:a.multi_messages]:
            name, kind, senders = cold[i]
            n = rq.r.choice((2, 2, 3, 3, 4, 5, 6, 8))
            nmsg += n
            f.write(rq.message(name, senders, n))
    with open(os.path.join(a.outdir, "mxprobe.req"), "w") as f:
        f.write(rq.one("mxprobe." + ZONE, mxips[-1], "probe-helo." + ZONE, rq.instance(), 0))
    with open(os.path.join(a.outdir, "startup.req"), "w") as f:
        name, kind, senders = warm[0]
        f.write(rq.message(name, senders))
    meta = {"seed": a.seed, "zone_records": len(g.lines) - 5, "providers": len(provs),
            "hosting": len(hosting), "warm_domains": a.warm, "cold_domains": a.cold,
            "warm_requests": a.warm_requests, "multi_messages": a.multi_messages,
            "multi_requests": nmsg, "warm_kinds": warm_kinds, "cold_kinds": cold_kinds,
            "mxprobe_client": mxips[-1]}
    with open(os.path.join(a.outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
