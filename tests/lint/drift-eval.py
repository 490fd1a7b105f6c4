#!/usr/bin/env python3
# drift-eval.py - spfcheck --lint --against checked against the library's
# evaluation, which the comparison does not use.
#
# usage: drift-eval.py SPFCHECK_BINARY [FIRST_SEED LAST_SEED]
#
# For each seed, a small tree (a top record with nested includes, mixed
# qualifiers, sometimes redirect=, IPv4 and IPv6) and a "published" record
# are generated into a zone in a temporary directory.  The drift report
# (--json) must list exactly the addresses whose results differ: every
# boundary of every network in the zone (first, last, one before, one
# after) and two addresses outside them all are checked with
# `spfcheck --ip` against the tree and against the published record; a
# differing result must be in a listed change with the same "was" and
# "now", or be the listed change of all; an equal result must not be in
# any listed range.  Exits 1 on any mismatch.
import ipaddress
import json
import os
import random
import re
import subprocess
import sys
import tempfile

QUALS = ['', '', '', '-', '~', '?']


def term(r):
    q = r.choice(QUALS)
    if r.random() < 0.8:
        return '%sip4:198.51.%d.%d/%d' % (q, r.randrange(4), r.randrange(256),
                                         r.randrange(22, 33))
    return '%sip6:2001:db8::%x/%d' % (q, r.randrange(16), r.randrange(120, 129))


def record(r, n, includes=()):
    terms = [term(r) for _ in range(n)]
    for inc in includes:
        terms.insert(r.randrange(len(terms) + 1),
                     r.choice(['', '', '-', '~']) + 'include:' + inc)
    end = r.choice(['-all', '~all', '?all', '+all', '', ''])
    return ' '.join(['v=spf1'] + terms + ([end] if end else []))


def zone_of(r):
    top = record(r, 3, ['b.drift.test', 'a.drift.test'])
    if r.random() < 0.3:
        top = re.sub(r' [-~?+]?all$', '', top) + ' redirect=a.drift.test'
    pub = record(r, 4, ['a.drift.test'] if r.random() < 0.3 else [])
    return {
        'a.drift.test': record(r, 3),
        'b.drift.test': record(r, 3, ['a.drift.test']),
        'top.drift.test': top,
        'pub.drift.test': pub,
    }


def samples(zone):
    out = {ipaddress.ip_address('10.0.0.1'), ipaddress.ip_address('2001:db9::1')}
    for fam, addr, bits in re.findall(r'ip([46]):([0-9a-f.:]+)/(\d+)',
                                      ' '.join(zone.values())):
        net = ipaddress.ip_network(addr + '/' + bits, strict=False)
        for a in (net.network_address, net.broadcast_address):
            for delta in (-1, 0, 1):
                try:
                    out.add(a + delta)
                except ValueError:
                    pass
    return sorted(out, key=lambda a: (a.version, int(a)))


def result(spfcheck, zfile, ip, domain):
    p = subprocess.run([spfcheck, '--zone', zfile, '--receiver', 'r.test',
                        '--ip', str(ip), '--sender', 'x@' + domain,
                        '--helo', 'h.drift.test'],
                       capture_output=True, text=True)
    return p.stdout.split('\n')[0]


def check(spfcheck, seed, tmp):
    r = random.Random(seed)
    zone = zone_of(r)
    zfile = os.path.join(tmp, 'drift.zone')
    with open(zfile, 'w') as f:
        for name, txt in zone.items():
            f.write('%s TXT "%s"\n' % (name, txt))
    p = subprocess.run([spfcheck, '--zone', zfile, '--receiver', 'r.test',
                        '--lint', 'top.drift.test', '--against',
                        'pub.drift.test', '--json'],
                       capture_output=True, text=True)
    d = json.loads(p.stdout)['drift']
    nets, all_change = [], None
    for c in d['changes']:
        if c['change'] == 'all':
            all_change = (c['was'], c['now'])
        for t in c['ranges']:
            nets.append((ipaddress.ip_network(t[4:]), c['was'], c['now']))
    want = 1 if d['changes'] else 0
    bad = 0
    if p.returncode != want:
        print('seed %d: exit %d, expected %d' % (seed, p.returncode, want))
        bad = 1
    for a in samples(zone):
        was = result(spfcheck, zfile, a, 'pub.drift.test')
        now = result(spfcheck, zfile, a, 'top.drift.test')
        listed = [(w, n) for net, w, n in nets
                  if net.version == a.version and a in net]
        if was == now and listed:
            print('seed %d: %s gets %s from both, but the drift lists it'
                  % (seed, a, now))
            bad = 1
        elif was != now and listed != [(was, now)] and \
                not (not listed and all_change == (was, now)):
            print('seed %d: %s: %s -> %s, the drift lists %s'
                  % (seed, a, was, now, listed or all_change))
            bad = 1
    if bad:
        for name, txt in zone.items():
            print('  %s TXT "%s"' % (name, txt))
    return bad


def main():
    if len(sys.argv) not in (2, 4):
        print('usage: %s SPFCHECK_BINARY [FIRST_SEED LAST_SEED]'
              % sys.argv[0], file=sys.stderr)
        return 2
    spfcheck = os.path.abspath(sys.argv[1])
    first, last = (int(sys.argv[2]), int(sys.argv[3])) \
        if len(sys.argv) == 4 else (1, 24)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, last + 1):
            bad |= check(spfcheck, seed, tmp)
    print('%d trees, %s' % (last - first + 1, 'mismatches' if bad else 'ok'))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
