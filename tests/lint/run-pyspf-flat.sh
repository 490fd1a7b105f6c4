#!/bin/sh
# run-pyspf-flat.sh SPFCHECK SRCDIR - the flattened records and chains of
# `spfcheck --lint D --flatten` checked by an independent evaluator:
# pyspf (Debian python3-spf) evaluates the original tree and the flat
# record (or the chain's top record, its _spfN records served by DNS)
# over the same DNS data, the flatten block of lint.zone served by a real
# unbound on a free 127.0.0.1 port, for the first, last, one before and
# one after of every network and host address of the records, and both
# must agree for every address.  pyspf asks DNS through dnspython or
# pydns (python3-dns), whichever it found; both are pointed at unbound.
# Skipped (77) only when pyspf is missing; fails when unbound is missing
# or does not come up.
set -u

spfcheck=${1:?usage: run-pyspf-flat.sh SPFCHECK SRCDIR}
srcdir=${2:?usage: run-pyspf-flat.sh SPFCHECK SRCDIR}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import spf' 2>/dev/null; then
	echo "run-pyspf-flat.sh: pyspf missing (apt-get install python3-spf)" >&2
	exit 77
fi
unbound_bin=$(PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v unbound) || {
	echo "run-pyspf-flat.sh: unbound is not installed (apt-get install unbound)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spfc-flat.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

domains="mixed incall mxredir existsyes existsno overlap bigmixed bigflat merge"
for d in $domains; do
	"$spfcheck" --receiver receiver.example --zone "$srcdir/lint.zone" \
		--lint "$d.example" --flatten --json >"$tmp/$d.json"
	case $? in
	0 | 1 | 3) ;;
	*) echo "FAIL: spfcheck --lint $d.example --flatten --json"; exit 1 ;;
	esac
done

exec "$py" - "$unbound_bin" "$srcdir/lint.zone" "$tmp" $domains <<'PY'
import ipaddress, json, os, random, re, subprocess, sys, time
import spf

unbound, zonefile, tmp, domains = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

# The zone data from "# ---- Flatten" on, as unbound local-data.
data, records, hosts = [], [], []
on = False
for line in open(zonefile, encoding="utf-8"):
    if line.startswith("# ---- Flatten"):
        on = True
    if not on or not line.strip() or line.startswith("#"):
        continue
    name, rtype, rest = line.split(None, 2)
    rest = rest.strip()
    if rtype == "MX":
        pref, ex = rest.split()
        rest = "%s %s." % (pref, ex)
    elif rtype == "TXT":
        records.append("".join(re.findall(r'"([^"]*)"', rest)))
    elif rtype in ("A", "AAAA"):
        hosts.append(rest)
    data.append("%s. 3600 IN %s %s" % (name, rtype, rest))

flat = {}
for d in domains:
    fl = json.load(open(os.path.join(tmp, d + ".json")))["flatten"]
    if fl["record"]:
        flat[d] = fl["record"]
        proof = fl["equivalence"]
    else:
        ch = fl["chain"]
        assert ch and ch["within_limit"], d
        flat[d] = ch["records"][0]["record"]
        for r in ch["records"][1:]:
            data.append(r["zone_line"])	# published as printed
            records.append(r["record"])
        proof = ch["equivalence"]
    assert proof["equivalent"], (d, proof)
    records.append(flat[d])

def conf(port):
    lines = ["server:", "interface: 127.0.0.1@%d" % port, "port: %d" % port,
             "do-daemonize: no", 'username: ""', 'chroot: ""',
             'directory: "%s"' % tmp, 'pidfile: "%s/unbound.pid"' % tmp,
             "use-syslog: no", 'logfile: ""', "verbosity: 0", "num-threads: 1",
             "do-ip6: no", "access-control: 127.0.0.0/8 allow",
             'module-config: "iterator"', 'local-zone: "example." static',
             'local-data: "example. 3600 IN SOA ns.example. h.example. 1 3600 600 86400 60"']
    lines += ["local-data: '%s'" % x for x in data]
    with open(os.path.join(tmp, "unbound.conf"), "w") as f:
        f.write("\n\t".join(lines) + "\n")

# pyspf's DNS module, pointed at 127.0.0.1:port.
if spf.DNSLookup.__name__ == "DNSLookup_dnspython":
    import dns.resolver
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    dns.resolver.default_resolver = res
    def use_port(port):
        res.port = port
else:
    import DNS
    DNS.defaults["server"] = ["127.0.0.1"]
    def use_port(port):
        DNS.defaults["port"] = port
proc = None
for attempt in range(10):
    port = 20000 + random.randrange(40000)
    conf(port)
    proc = subprocess.Popen([unbound, "-d", "-c", os.path.join(tmp, "unbound.conf")],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "unbound.log"), "w"))
    use_port(port)
    up = False
    for i in range(50):
        if proc.poll() is not None:
            break
        try:
            up = any(spf.DNSLookup("mixed.example", "TXT", True, 1))
        except Exception:
            pass
        if up:
            break
        time.sleep(0.1)
    if up:
        break
    proc.kill()
    proc.wait()
    proc = None
if proc is None:
    sys.stderr.write(open(os.path.join(tmp, "unbound.log")).read())
    print("run-pyspf-flat.sh: unbound did not come up", file=sys.stderr)
    sys.exit(1)

# The boundaries of every network and host address of the records.
addrs = set()
def edges(net):
    for a in (net.network_address, net.broadcast_address):
        for x in (int(a) - 1, int(a), int(a) + 1):
            if 0 <= x < 2 ** net.max_prefixlen:
                addrs.add(ipaddress.ip_address(x) if net.version == 4
                          else ipaddress.IPv6Address(x))
for r in records:
    for m in re.finditer(r"ip([46]):([0-9A-Fa-f:.]+(/[0-9]+)?)", r):
        edges(ipaddress.ip_network(m.group(2), strict=False))
for h in hosts:
    edges(ipaddress.ip_network(h))
addrs |= {ipaddress.ip_address(x) for x in ("0.0.0.0", "255.255.255.255", "::", "2001:db8:ffff::1")}

fails = 0
try:
    for d in domains:
        dom = d + ".example"
        n = 0
        for a in sorted(addrs, key=lambda x: (x.version, int(x))):
            q = lambda: spf.query(i=str(a), s="postmaster@" + dom, h=dom, querytime=20)
            orig = q().check()[0]
            cand = q().check(spf=flat[d])[0]
            n += 1
            if orig != cand:
                print("FAIL: %s from %s: the original gives %s, the flat record %s"
                      % (dom, a, orig, cand))
                fails += 1
                break
        else:
            print("ok: %s: pyspf agrees over %d addresses" % (dom, n))
finally:
    proc.kill()
    proc.wait()
sys.exit(1 if fails else 0)
PY
