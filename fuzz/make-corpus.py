#!/usr/bin/python3
"""make-corpus.py - build the seed corpora of the fuzz targets.

Usage: fuzz/make-corpus.py [SRCDIR]   (SRCDIR defaults to the repository
root, the parent of this script's directory)

Writes fuzz/corpus/<target>/ afresh for record, macro, zone, eval,
dnswire, proto and config, from files in the repository:
  - tests/rfc7208-tests.yml (the openspf RFC 7208 suite): its SPF and TXT
    data become record seeds, the domain-specs and explanations in them
    macro seeds, each document's zonedata a zone seed, and each test (its
    client IP, sender and HELO with its document's zone) an eval seed;
  - the zone files of the tests and the demo: zone and record seeds;
  - tests/golden/*.in (policy requests): proto seeds, each fed both at
    once and in 65-byte pieces (see tests/policyd/proto/README);
  - tests/golden/*.conf, etc/*.conf, tests/policyd/config/*.conf and the
    Per_User files beside them: config seeds;
plus a few hand-made eval seeds that use the binary part of the eval
input (see fuzz/fuzz_eval.c), and hand-made DNS answers and server lists
for dnswire (see fuzz/fuzz_dnswire.c).

Each seed is named by the SHA-1 of its bytes, so a rerun gives the same
files and duplicates collapse.  How it fails: exits non-zero with a Python
traceback when a source file is missing or does not parse; it never writes
outside fuzz/corpus/.
"""

import glob
import hashlib
import os
import shutil
import struct
import sys

import yaml

# Bounds that keep the committed corpora small (fuzz/README.md).
MAX_FILES = 450          # seeds per target
MAX_SEED = 65536         # bytes per seed
TXT_STRING_MAX = 255     # RFC 1035 §3.3


def yaml_bytes(s):
    """The suite's "\\xNN" escapes become code points U+0080..U+00FF in
    YAML; turn each back into the single byte meant (as rfc7208.c does)."""
    out = bytearray()
    for ch in s:
        o = ord(ch)
        if o < 0x100:
            out.append(o)
        else:
            out += ch.encode('utf-8')
    return bytes(out)


def zone_string(b):
    """One TXT character-string in zone-file syntax (docs/zone-format.md)."""
    out = '"'
    for c in b:
        if c == 0x22:
            out += '\\"'
        elif c == 0x5c:
            out += '\\\\'
        elif 0x20 <= c < 0x7f:
            out += chr(c)
        else:
            out += '\\%03d' % c
    return out + '"'


def txt_strings(v):
    """A TXT/SPF entry (text or list of texts) as a list of byte strings,
    each split to 255 bytes."""
    parts = v if isinstance(v, list) else [v]
    out = []
    for p in parts:
        b = yaml_bytes(str(p))
        if not b:
            out.append(b'')
        while b:
            out.append(b[:TXT_STRING_MAX])
            b = b[TXT_STRING_MAX:]
    return out or [b'']


def doc_zone(zonedata):
    """A suite document's zonedata as zone-file text, read as the suite's
    driver reads it (tests/suite/rfc7208.c): SPF entries served as TXT
    unless the name has TXT entries; "NONE" adds nothing; TIMEOUT marks;
    a name with nothing at all exists (EMPTY)."""
    lines = []
    records = []          # (kind, bytes) of every TXT served
    for name, entries in (zonedata or {}).items():
        name = str(name)
        entries = entries or []
        has_txt = any(isinstance(e, dict) and 'TXT' in e for e in entries)
        added = 0
        timeout = False
        for e in entries:
            if e == 'TIMEOUT':
                timeout = True
                continue
            if not isinstance(e, dict):
                continue
            for k, v in e.items():
                if v == 'NONE':
                    continue
                if k in ('SPF', 'TXT'):
                    if k == 'SPF' and has_txt:
                        continue
                    strs = txt_strings(v)
                    lines.append('%s TXT %s' % (
                        name, ' '.join(zone_string(s) for s in strs)))
                    records.append(b''.join(strs))
                elif k in ('A', 'AAAA', 'PTR', 'CNAME'):
                    lines.append('%s %s %s' % (name, k, v))
                elif k == 'MX':
                    lines.append('%s MX %s %s' % (name, v[0], v[1] or '.'))
                else:
                    continue
                added += 1
        if timeout:
            lines.append('%s TIMEOUT' % name)
        elif not added:
            lines.append('%s EMPTY' % name)
    return '\n'.join(lines) + '\n', records


def macro_specs(record):
    """The macro-strings of a record: domain-specs of mechanisms and
    modifiers (after ':' or '=')."""
    out = []
    for term in record.split(b' ')[1:]:
        for sep in (b'=', b':'):
            if sep in term:
                spec = term.split(sep, 1)[1]
                for cut in (b'//', b'/'):
                    if cut in spec and b'%' not in spec.rsplit(cut, 1)[1]:
                        spec = spec.rsplit(cut, 1)[0]
                if spec:
                    out.append(spec)
                break
    return out


MACRO_EXP, MACRO_DOMAIN, FAMILY6 = 1, 2, 4


def macro_seed(flags, spec, v6=False):
    """A fuzz_macro input: flags, address, sender, local-part, sender
    domain, domain, HELO, receiver, PTR name, then the macro-string."""
    ip = b'2001:db8::cb01' if v6 else b'192.0.2.3'
    fields = [bytes([flags | (FAMILY6 if v6 else 0)]), ip,
              b'strong-bad@email.example.com', b'strong-bad',
              b'email.example.com', b'email.example.com',
              b'mx.example.org', b'receiver.example', b'mx.example.org']
    return b'\0'.join(fields) + b'\0' + spec


def eval_seed(host, sender, helo, opts, zone, binary=b''):
    head = '%s\n%s\n%s\n%s\n' % (host, sender, helo, opts)
    data = yaml_bytes(head) + zone.encode('latin-1', 'replace')
    if binary:
        data += b'\0' + binary
    return data


# Binary operations of fuzz_eval.c (op, name index, ...).  Names: 0 the
# sender's domain, 1 HELO, 2 reverse name, 3.. a.example .. h.example,
# 11 _spf.<sender domain>.
OP_TXT, OP_EMPTY_TXT, OP_BIG_TXT, OP_CNAME, OP_OWN_ADDR = 0, 1, 2, 3, 4
OP_A = 5
OP_MX, OP_MANY_MX, OP_MANY_ADDR, OP_PTR = 7, 8, 9, 10
OP_TIMEOUT, OP_SERVFAIL, OP_ASSEMBLE, OP_EXP, OP_CHAIN = 12, 13, 14, 15, 16


def ops(*items):
    return bytes(items)


# Term kinds of an assembled record (fuzz_eval.c assemble()).
T_ALL, T_INCLUDE, T_A, T_MX, T_PTR, T_EXISTS = 0, 1, 2, 4, 6, 8
T_REDIRECT, T_EXP, T_EXISTS_P = 10, 11, 13
Q_PASS, Q_FAIL, Q_SOFT, Q_NEUTRAL = 4, 5, 6, 7   # explicit qualifiers


def spf(owner, *terms):
    """OP_ASSEMBLE: owner, number of terms - 1, (kind, name, qualifier)."""
    out = [OP_ASSEMBLE, owner, len(terms) - 1]
    for t in terms:
        out += list(t)
    return bytes(out)


def handmade_eval():
    s = []
    head = ('192.0.2.3', 'user@s.example', 'helo.example', 'D')
    # a 64 KiB SPF record of a:a.example terms: the lookup limit
    s.append(eval_seed(*head, '', ops(OP_A, 3, 10, 0, 0, 1) +
                       ops(OP_BIG_TXT, 0, 254, 12, 1) + b'a:a.example '))
    # an empty TXT answer and a CNAME loop
    s.append(eval_seed(*head, '', ops(OP_EMPTY_TXT, 0, 0, OP_CNAME, 3, 4,
                                      OP_CNAME, 4, 3)))
    # include chains through the fixed names, each ending in ?all
    s.append(eval_seed(*head, '',
                       spf(0, (T_INCLUDE, 3, 0), (T_ALL, 0, Q_FAIL)) +
                       spf(3, (T_INCLUDE, 4, 0), (T_ALL, 0, Q_NEUTRAL)) +
                       spf(4, (T_A, 5, 0), (T_ALL, 0, Q_SOFT)) +
                       ops(OP_OWN_ADDR, 5)))
    # many MX, each host with many addresses near the client's
    s.append(eval_seed(*head, '',
                       spf(0, (T_MX, 3, 0), (T_ALL, 0, Q_FAIL)) +
                       ops(OP_MANY_MX, 3, 9) +
                       b''.join(ops(OP_MANY_ADDR, i, 20)
                                for i in range(3, 11))))
    # ptr with a PTR answer of several names, %{p} in exists and exp=
    s.append(eval_seed('192.0.2.3', 'user@s.example', 'helo.example', 'DR',
                       '',
                       spf(0, (T_PTR, 0, 0), (T_EXISTS_P, 3, 0),
                           (T_EXP, 5, 0), (T_ALL, 0, Q_FAIL)) +
                       ops(OP_PTR, 2, 0, OP_PTR, 2, 1, OP_PTR, 2, 3,
                           OP_OWN_ADDR, 1, OP_EXP, 5, 1)))
    # time-outs and server failures under a small time budget
    s.append(eval_seed('2001:db8::3', 'user@s.example', 'helo.example',
                       'DT5', '',
                       spf(0, (T_A, 3, 0), (T_MX, 4, 0), (T_INCLUDE, 5, 0),
                           (T_ALL, 0, Q_SOFT)) +
                       ops(OP_TIMEOUT, 3, OP_SERVFAIL, 4, OP_CHAIN, 5, 5)))
    # HELO scope, a caller's own record, a cancelled second run
    s.append(eval_seed('192.0.2.3', '', 'helo.example',
                       'HC1X v=spf1 mx:a.example ~all exp=b.example',
                       'b.example TXT "%{i} %{h}"\n',
                       ops(OP_MX, 3, 10, 1, OP_OWN_ADDR, 1)))
    # redirect= and exp= chains, void lookups
    s.append(eval_seed(*head, '',
                       spf(0, (T_A, 6, 0), (T_EXISTS, 7, 0), (T_MX, 8, 0),
                           (T_REDIRECT, 4, 0)) +
                       spf(4, (T_ALL, 0, Q_FAIL), (T_EXP, 5, 0)) +
                       ops(OP_EXP, 5, 0)))
    return s


# ---- dnswire: DNS answers (RFC 1035 §4.1) and server lists ----------

T_A, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA = 1, 5, 6, 12, 15, 16, 28
# fuzz_dnswire.c's table of question types, by index
DNSWIRE_TYPES = [T_A, T_AAAA, T_MX, T_TXT, T_PTR, T_CNAME, T_SOA]


def wname(name):
    out = b''
    for label in name.split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def rr(owner, rtype, rdata, ttl=300, rclass=1):
    o = owner if isinstance(owner, bytes) else wname(owner)
    return o + struct.pack('>HHIH', rtype, rclass, ttl, len(rdata)) + rdata


def message(qname, qtype, answers=(), authority=(), rcode=0, tc=False):
    head = struct.pack('>HBBHHHH', 0x1234, 0x81 | (0x02 if tc else 0),
                       0x80 | rcode, 1, len(answers), len(authority), 0)
    q = wname(qname) + struct.pack('>HH', qtype, 1)
    return head + q + b''.join(answers) + b''.join(authority)


def soa(owner, minimum=60):
    return rr(owner, T_SOA, wname('ns.' + owner) + wname('host.' + owner) +
              struct.pack('>IIIII', 1, 3600, 600, 86400, minimum), 120)


def question_type(msg):
    """The type of the question of a message made by message()."""
    i = msg.index(b'\0', 12) + 1
    return struct.unpack('>H', msg[i:i + 2])[0]


def dnswire_seed(qtype, msg, links=16):
    return b'\0' + bytes([DNSWIRE_TYPES.index(qtype), links]) + msg


def dnswire_seeds():
    s = []
    e = 'a.example'
    s.append(message(e, T_A, [rr(e, T_A, bytes([192, 0, 2, 1])),
                              rr(e, T_A, bytes([192, 0, 2, 2]))]))
    s.append(message(e, T_AAAA, [rr(e, T_AAAA, bytes(15) + b'\1')]))
    s.append(message(e, T_MX, [rr(e, T_MX, b'\0\x0a' + wname('mx.a.example')),
                               rr(e, T_MX, b'\0\x14' + b'\xc0\x0c')]))
    s.append(message(e, T_TXT, [rr(e, T_TXT, b'\x0ev=spf1 mx -all'),
                                rr(e, T_TXT, b'\x03v=s\x05pf1 a'),
                                rr(e, T_TXT, b''),
                                rr(e, T_TXT, b'\x02\0\xff')]))
    s.append(message('1.2.0.192.in-addr.arpa', T_PTR,
                     [rr('1.2.0.192.in-addr.arpa', T_PTR, wname(e))]))
    # compression pointers: owner is the question name (offset 12)
    s.append(message(e, T_A, [rr(b'\xc0\x0c', T_A, bytes([192, 0, 2, 9]))]))
    # a chain, out of order, then its end's records
    s.append(message(e, T_A, [rr('c.example', T_A, bytes([192, 0, 2, 3])),
                              rr('b.example', T_CNAME, wname('c.example')),
                              rr(e, T_CNAME, wname('b.example'), 30)]))
    # a chain alone (the backend asks its end again), and a loop
    s.append(message(e, T_TXT, [rr(e, T_CNAME, wname('b.example'))]))
    s.append(message(e, T_A, [rr(e, T_CNAME, wname('b.example')),
                              rr('b.example', T_CNAME, wname(e))]))
    # records of other owners and classes, to be ignored
    s.append(message(e, T_A, [rr('x.example', T_A, bytes([192, 0, 2, 5])),
                              rr(e, T_A, bytes([192, 0, 2, 6]), rclass=3)]))
    # no data and NXDOMAIN with a SOA in the authority section
    s.append(message(e, T_TXT, [], [soa('example')]))
    s.append(message(e, T_A, [], [soa('example', 30)], rcode=3))
    s.append(message(e, T_A, [rr(e, T_A, bytes(4))], tc=True))
    # the question only, and a question asking CNAME
    s.append(message(e, T_A))
    s.append(message(e, T_CNAME, [rr(e, T_CNAME, wname('b.example'))]))
    seeds = []
    for m in s:
        seeds.append(dnswire_seed(question_type(m), m))
    seeds.append(dnswire_seed(T_A, s[6], 1))     # chain past the links
    for lst in ('192.0.2.1', '192.0.2.1:5353', '2001:db8::1', '[::1]:53',
                '127.0.0.1:1,[::1]:2,192.0.2.1', '[::1', '[::1]53',
                '127.0.0.1:0', 'example.org', '127.0.0.1,',
                ','.join(['127.0.0.1'] * 17)):
        seeds.append(b'\1' + lst.encode())
    return seeds


def write_corpus(root, target, seeds):
    d = os.path.join(root, 'fuzz', 'corpus', target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for data in seeds:
        if len(data) > MAX_SEED or len(seen) >= MAX_FILES:
            continue
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(d, h), 'wb') as f:
            f.write(data)
    return len(seen)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(here)
    suite = os.path.join(root, 'tests', 'rfc7208-tests.yml')
    with open(suite, encoding='utf-8') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]

    record, macro, zone, evals = [], [], [], []
    for doc in docs:
        ztext, txts = doc_zone(doc.get('zonedata'))
        zone.append(ztext.encode('latin-1', 'replace'))
        for t in txts:
            record.append(t)
            if t.lower().startswith(b'v=spf1'):
                for spec in macro_specs(t):
                    macro.append(macro_seed(MACRO_DOMAIN, spec))
                    if b'%' in spec:
                        macro.append(macro_seed(MACRO_DOMAIN, spec, True))
            elif b'%' in t:
                macro.append(macro_seed(MACRO_EXP, t))
                macro.append(macro_seed(MACRO_EXP, t, True))
        for name, test in sorted((doc.get('tests') or {}).items()):
            evals.append(eval_seed(test.get('host', ''),
                                   test.get('mailfrom', '') or '',
                                   test.get('helo', '') or '',
                                   'D', ztext))

    zone_files = (glob.glob(os.path.join(root, 'tests', '*', '*.zone')) +
                  [os.path.join(root, 'tests', 'golden', 'zone')] +
                  glob.glob(os.path.join(root, 'demo', '*.zone')))
    for zf in sorted(zone_files):
        if not os.path.exists(zf):
            continue
        data = read(zf)
        zone.append(data)
        for line in data.split(b'\n'):
            f = line.split(None, 2)
            if len(f) == 3 and f[1].upper() == b'TXT' and b'v=spf1' in f[2]:
                body = f[2].strip()
                # the zone-file quoting is part of what record sees here;
                # the parser is given the text between the first quotes
                if body.startswith(b'"') and body.count(b'"') >= 2:
                    record.append(body[1:body.index(b'"', 1)])
    evals += handmade_eval()

    proto = []
    for p in sorted(glob.glob(os.path.join(root, 'tests', 'golden',
                                           '*.in'))):
        data = read(p)
        proto.append(b'\0\0' + data)       # all at once (step 0 = 1 byte)
        proto.append(b'A@' + data)         # 65-byte pieces

    config = []
    conf_files = sorted(
        glob.glob(os.path.join(root, 'tests', 'golden', '*.conf')) +
        glob.glob(os.path.join(root, 'etc', '*.conf')) +
        glob.glob(os.path.join(root, 'tests', 'policyd', 'config',
                               '*.conf')))
    users = []
    for u in (os.path.join(root, 'tests', 'golden', 'per-user.txt'),
              os.path.join(root, 'tests', 'policyd', 'config',
                           'users.txt')):
        if os.path.exists(u):
            users.append(read(u))
    for c in conf_files:
        data = read(c)
        config.append(data)
        if b'Per_User' in data:
            for u in users:
                for line in u.split(b'\n'):
                    if line and not line.startswith(b'#'):
                        rcpt = line.split(b',', 1)[0].strip()
                        config.append(data + b'\0' + u + b'\0' + rcpt)

    counts = {
        'record': write_corpus(root, 'record', record),
        'macro': write_corpus(root, 'macro', macro),
        'zone': write_corpus(root, 'zone', zone),
        'eval': write_corpus(root, 'eval', evals),
        'dnswire': write_corpus(root, 'dnswire', dnswire_seeds()),
        'proto': write_corpus(root, 'proto', proto),
        'config': write_corpus(root, 'config', config),
    }
    for k, v in counts.items():
        print('%-7s %d seeds' % (k, v))


if __name__ == '__main__':
    main()
