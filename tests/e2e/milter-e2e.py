#!/usr/bin/python3
# milter-e2e.py - the scenarios of run-milter-e2e.sh: every scenario once
# through policyd-spf (check_policy_service) and once through spfc-milter
# (smtpd_milters) of the same private Postfix, with the same DNS data and
# configuration; the two must give the same SMTP replies and the same
# header, byte for byte.
#
# For each run it records every reply to MAIL, RCPT and DATA (end of data)
# and, for each delivered copy, the header fields above Postfix's own
# Received: (below the Return-Path, X-Original-To and Delivered-To of
# virtual(8)).  It
# checks that a delivered copy has exactly one SPF field (Received-SPF or
# X-Comment), or none where the scenario says so, and that it sits right
# above Received:.  Postfix words a policy service's reject as
# "<RCPT>: Recipient address rejected: TEXT" and a milter's as "TEXT":
# that prefix is Postfix's, and is removed before the comparison.
#
# Usage: milter-e2e.py DIR   (run-milter-e2e.sh's temporary directory)
# Prints every reply and header per scenario ("ok" or "FAIL" and why),
# then a table policy-vs-milter (RCPT replies, header results, "same": the
# replies and the header bytes equal) and "N passed, M failed"; exit
# status 1 when any scenario failed.  No row is expected to differ.

import glob
import re
import smtplib
import sys
import time

DELIVERY_WAIT = 60
RECEIVER = 'rcpt.example'
SPF_FIELDS = ('received-spf', 'x-comment', 'authentication-results')
PREFIX = re.compile(r'<[^>]*>: Recipient address rejected: ')

# Postfix listeners of run-milter-e2e.sh: (policy port, milter port).
DEFAULT = (2525, 2555)
TEMPDEFER = (2528, 2558)
AUTH = (2529, 2559)
PROTOCOL2 = (2525, 2565)



# A scenario: messages, each (sender, recipients, expect) where expect is
# 'deliver', 'deliver-noheader' or a reply code at RCPT.
SCENARIOS = [
    dict(name='pass', ports=DEFAULT, client='192.0.2.1',
         helo='mail.pass.example',
         msgs=[('user@pass.example', ['alice'], 'deliver')]),
    dict(name='fail', ports=DEFAULT, client='192.0.2.9', helo='x.example',
         msgs=[('user@fail.example', ['alice'], '550')]),
    dict(name='softfail', ports=DEFAULT, client='192.0.2.9',
         helo='x.example',
         msgs=[('user@soft.example', ['alice'], 'deliver')]),
    dict(name='temperror-defer', ports=TEMPDEFER, client='192.0.2.9',
         helo='x.example',
         msgs=[('user@temp.example', ['alice'], '450')]),
    dict(name='authenticated', ports=AUTH, client='192.0.2.9',
         helo='x.example', login='alice',
         msgs=[('user@fail.example', ['alice'], 'deliver-noheader')]),
    dict(name='rset-second-message', ports=DEFAULT, client='192.0.2.1',
         helo='mail.pass.example',
         msgs=[('user@fail.example', ['alice'], '550'), 'RSET',
               ('user@pass.example', ['bob'], 'deliver'),
               ('user@soft.example', ['carol'], 'deliver')]),
    dict(name='two-recipients', ports=DEFAULT, client='192.0.2.1',
         helo='mail.pass.example',
         msgs=[('user@pass.example', ['alice', 'bob'], 'deliver')]),
    dict(name='pass-milter-protocol-2', ports=PROTOCOL2, client='192.0.2.1',
         helo='mail.pass.example',
         msgs=[('user@pass.example', ['carol'], 'deliver')]),
]


def reply(code, text):
    if isinstance(text, bytes):
        text = text.decode('ascii', 'replace')
    return '%d %s' % (code, PREFIX.sub('', text.replace('\n', ' '), count=1))


def message(tag, sender, to):
    return ('From: <%s>\r\nTo: %s\r\nSubject: spfc milter e2e %s\r\n'
            'Message-ID: <%s@e2e.example>\r\nX-E2E-Tag: %s\r\n\r\n'
            'Body of %s.\r\n' % (sender, ', '.join(to), tag, tag, tag, tag))


def session(sc, port, side):
    """Run the scenario's SMTP session; a list of replies and the list of
    (tag, recipient, expect) copies to look for."""
    out, copies = [], []
    s = smtplib.SMTP('127.0.0.1', port, timeout=90)
    try:
        s.ehlo('client.e2e.example')
        attrs = 'ADDR=%s NAME=[UNAVAILABLE]' % sc['client']
        if sc.get('login'):
            attrs += ' LOGIN=' + sc['login']
        code, text = s.docmd('XCLIENT', attrs)
        if code != 220:
            raise RuntimeError('XCLIENT: %s' % reply(code, text))
        s.ehlo(sc['helo'])
        for i, m in enumerate(sc['msgs']):
            if m == 'RSET':
                out.append('RSET ' + reply(*s.docmd('RSET')))
                continue
            sender, rcpts, expect = m
            out.append('MAIL ' + reply(*s.mail(sender)))
            ok = []
            for r in rcpts:
                addr = r + '@' + RECEIVER
                code, text = s.rcpt(addr)
                out.append('RCPT ' + reply(code, text))
                if code == 250:
                    ok.append(addr)
            if not ok:
                continue
            tag = '%s.%d.%s' % (sc['name'], i, side)
            code, text = s.data(message(tag, sender, ok))
            out.append('DATA %d' % code)
            copies += [(tag, a.split('@')[0], expect) for a in ok]
        s.quit()
    finally:
        s.close()
    return out, copies


def delivered(d, tag, box):
    """The delivered copies of TAG in BOX's Maildir, waiting for them."""
    end = time.time() + DELIVERY_WAIT
    while True:
        found = []
        for f in glob.glob('%s/mail/%s/new/*' % (d, box)):
            with open(f, 'rb') as fh:
                data = fh.read()
            if ('X-E2E-Tag: %s\n' % tag).encode() in data:
                found.append(data)
        if found or time.time() > end:
            return found
        time.sleep(0.2)


def fields(data):
    """The header fields of DATA, each as its raw bytes (folding kept)."""
    head = data.split(b'\n\n', 1)[0].split(b'\n')
    out = []
    for line in head:
        if line[:1] in (b' ', b'\t') and out:
            out[-1] += b'\n' + line
        else:
            out.append(line)
    return out


def name(f):
    return f.split(b':', 1)[0].decode('ascii', 'replace').lower()


def top(data, expect):
    """The SPF field above Postfix's Received: ('-' for none), or raise."""
    fs = [f for f in fields(data)
          if name(f) not in ('return-path', 'x-original-to',
                             'delivered-to')]
    spf = [f for f in fs if name(f) in SPF_FIELDS]
    if expect == 'deliver-noheader':
        if spf:
            raise RuntimeError('unexpected %r' % spf)
        if not fs or name(fs[0]) != 'received':
            raise RuntimeError('Received: is not the first field')
        return '-'
    if len(spf) != 1:
        raise RuntimeError('%d SPF fields, not 1' % len(spf))
    if fs[0] is not spf[0] or name(fs[1]) != 'received':
        raise RuntimeError('the SPF field is not right above Received:')
    return spf[0].decode('ascii', 'replace')


def run(d, sc, side, port):
    out, copies = session(sc, port, side)
    heads = []
    for tag, box, expect in copies:
        got = delivered(d, tag, box)
        if len(got) != 1:
            raise RuntimeError('%d copies of %s for %s' % (len(got), tag,
                                                           box))
        heads.append(top(got[0], expect))
    return out, heads


def expected(sc, out):
    """Each message's RCPT replies begin as the scenario says."""
    codes = [r.split()[1] for r in out if r.startswith('RCPT')]
    want = []
    for m in sc['msgs']:
        if m != 'RSET':
            want += ['250' if m[2].startswith('deliver') else m[2]] * \
                len(m[1])
    return codes == want


def short(r):
    """A table cell: the RCPT replies' codes and the headers' results."""
    codes = ','.join(x.split()[1] + ' ' + x.split()[2]
                     for x in r[0] if x.startswith('RCPT'))
    heads = ','.join(h.split()[1] if h != '-' else '-' for h in r[1])
    return '%s | %s' % (codes, heads or 'no copy')


def table(rows):
    print('%-24s %-36s %-36s %s' % ('scenario', 'policy: RCPT | header',
                                    'milter: RCPT | header', 'same'))
    for n, p, m in rows:
        print('%-24s %-36s %-36s %s' % (n, short(p), short(m),
                                        'yes' if p == m else 'NO'))


def main():
    if len(sys.argv) != 2:
        print('usage: milter-e2e.py DIR', file=sys.stderr)
        return 2
    d = sys.argv[1]
    passed = failed = 0
    rows = []
    for sc in SCENARIOS:
        try:
            p = run(d, sc, 'policy', sc['ports'][0])
            m = run(d, sc, 'milter', sc['ports'][1])
            err = None
            if p != m:
                err = 'policy and milter differ'
            elif not expected(sc, p[0]):
                err = 'unexpected replies'
        except (RuntimeError, OSError, smtplib.SMTPException) as e:
            p = m = ([], [])
            err = str(e)
        rows.append((sc['name'], p, m))
        print('%s %s' % ('ok  ' if err is None else 'FAIL', sc['name']))
        for side, r in (('policy', p), ('milter', m)):
            for line in r[0]:
                print('    %-6s reply  %s' % (side, line))
            for h in r[1]:
                print('    %-6s header %s' % (side, h))
        if err is None:
            passed += 1
        else:
            failed += 1
            print('    ' + err)
    table(rows)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
