#!/usr/bin/python3
# e2e.py - the scenarios of the Postfix end-to-end test.
#
# What it is for: run-e2e.sh sets up a network namespace with unbound on
# 127.0.0.1:53, a private Postfix instance (smtpd on 127.0.0.1:2525-2528
# for spawn mode, 2535-2538 for listen mode) and the listen-mode
# policyd-spf daemons, then runs this script inside the namespace.  Every
# scenario sends one SMTP transaction with swaks, from loopback, using
# XCLIENT to present a documentation address (192.0.2.0/24, 2001:db8::/32)
# as the client, and checks
#   - the SMTP replies: 250 for every recipient and the message queued, or
#     the expected reject/defer code, enhanced status code and text at RCPT;
#   - the delivered copies (one Maildir per recipient): exactly one copy per
#     recipient, exactly one SPF header field (Received-SPF,
#     Authentication-Results or X-Comment) with the expected text, placed
#     above the message, and the message as sent (header block and body)
#     byte for byte below what Postfix and the policy service prepended.
# Each scenario runs once per mode (spawn, listen); the scenarios of the
# default configuration run a third time (mode chroot) through the second
# Postfix instance, whose master.cf is Debian's stock one (smtpd chrooted on
# port 25), decided by the listen-mode daemon it reaches as
# unix:private/policy-spf.  One more check sends to that instance's
# chrooted listener on 2546, whose policy socket is outside the chroot:
# every recipient gets 451 4.3.5, as with the set-up documented before.
# A last check waits for both queues to drain and accounts for every
# delivered file: nothing delivered for a rejected scenario, nothing
# delivered twice.
#
# The test message is message.txt with @NAME@ (scenario.mode, also the
# Message-ID), @FROM@ and @TO@ filled in; it has In-Reply-To and a
# References field folded with a tab and with spaces.
#
# Usage: e2e.py DIR MESSAGE-TEMPLATE   (DIR: run-e2e.sh's temporary directory)
# How it fails: one line per scenario, "ok   NAME" or "FAIL NAME: why" with
# the swaks transcript; then "N passed, M failed"; exit status 1 when any
# scenario failed, 2 on bad usage.

import glob
import os
import re
import subprocess
import sys
import time

# Postfix listeners (master.cf.in): spawn-mode ports; listen mode adds
# LISTEN_PORT_OFFSET.
SPAWN_PORTS = {'default': 2525, 'ar': 2526, 'permerror': 2527,
               'tempdefer': 2528}
LISTEN_PORT_OFFSET = 10
MODES = ('spawn', 'listen', 'chroot')
# The stock instance (run-e2e.sh's DIR/c): smtpd chrooted on port 25 with
# check_policy_service unix:private/policy-spf; and on 2546 with a socket
# outside the chroot.
CHROOT_PORT = 25
OUTSIDE_CHROOT_PORT = 2546
CHROOT_CONF = 'default'
# How long a delivery may take to show up in a Maildir, and the queue to
# drain at the end (seconds).  Generous: only reached on failure.
DELIVERY_WAIT = 60
# One swaks run may take this long (the time-out scenarios take about
# Lookup_Time = 2 seconds; see default.conf).
SWAKS_TIMEOUT = 90
RECEIVER = 'rcpt.example'
SPF_FIELDS = ('received-spf', 'authentication-results', 'x-comment')


def rcpt(local):
    return local + '@' + RECEIVER


def why(scope, ident, ip):
    return ('Please see http://www.openspf.net/Why?s=%s;id=%s;ip=%s;r=%s'
            % (scope, ident, ip, RECEIVER))


def received_spf(result, comment, scope, ip, helo, sender):
    return ('Received-SPF: %s (%s) identity=%s; client-ip=%s; helo=%s; '
            'envelope-from=%s; receiver=%s ' % (result, comment, scope, ip,
                                                helo, sender, RECEIVER))


def mfrom_header(result, ip, helo, sender):
    return received_spf(result, 'mailfrom', 'mailfrom', ip, helo, sender)


def reject_fail(scope, ident, ip):
    return ('550', '5.7.23', re.escape(
        'Message rejected due to: SPF fail - not authorized. '
        + why(scope, ident, ip)))


# The scenarios.  'client': the XCLIENT address (None: the real loopback
# client); 'expect': ('deliver', header field) or ('reject', code,
# enhanced code, regex the reply text after Postfix's "<rcpt>: Recipient
# address rejected: " must match in full).
SCENARIOS = [
    dict(name='pass', conf='default', client='192.0.2.1',
         helo='mail.pass.example', sender='user@pass.example',
         expect=('deliver', mfrom_header('Pass', '192.0.2.1',
                                         'mail.pass.example',
                                         'user@pass.example'))),
    dict(name='fail', conf='default', client='192.0.2.9', helo='x.example',
         sender='user@fail.example',
         expect=('reject',) + reject_fail('mfrom', 'user@fail.example',
                                          '192.0.2.9')),
    dict(name='softfail', conf='default', client='192.0.2.9',
         helo='x.example', sender='user@soft.example',
         expect=('deliver', mfrom_header('Softfail', '192.0.2.9',
                                         'x.example', 'user@soft.example'))),
    dict(name='neutral', conf='default', client='192.0.2.9',
         helo='x.example', sender='user@neutral.example',
         expect=('deliver', mfrom_header('Neutral', '192.0.2.9', 'x.example',
                                         'user@neutral.example'))),
    dict(name='none', conf='default', client='192.0.2.9', helo='x.example',
         sender='user@none.example',
         expect=('deliver', mfrom_header('None', '192.0.2.9', 'x.example',
                                         'user@none.example'))),
    dict(name='permerror', conf='default', client='192.0.2.9',
         helo='x.example', sender='user@perm.example',
         expect=('deliver', mfrom_header('Permerror', '192.0.2.9',
                                         'x.example', 'user@perm.example'))),
    dict(name='permerror-reject', conf='permerror', client='192.0.2.9',
         helo='x.example', sender='user@perm.example',
         expect=('reject', '550', '5.7.24', re.escape(
             'Message rejected due to: SPF Permanent Error: ')
             + r'[ -~]*foo[ -~]*' + re.escape(
             '. ' + why('mfrom', 'user@perm.example', '192.0.2.9')))),
    dict(name='servfail', conf='default', client='192.0.2.9',
         helo='x.example', sender='user@servfail.example',
         expect=('deliver', mfrom_header('Temperror', '192.0.2.9',
                                         'x.example',
                                         'user@servfail.example'))),
    dict(name='servfail-defer', conf='tempdefer', client='192.0.2.9',
         helo='x.example', sender='user@servfail.example',
         expect=('reject', '450', '4.7.24', re.escape(
             'Message deferred due to: SPF Temporary Error: ')
             + r'[ -~]*server failure[ -~]*servfail\.example' + re.escape(
             '. ' + why('mfrom', 'user@servfail.example', '192.0.2.9')))),
    dict(name='timeout', conf='default', client='192.0.2.9',
         helo='x.example', sender='user@temp.example',
         expect=('deliver', mfrom_header('Temperror', '192.0.2.9',
                                         'x.example', 'user@temp.example'))),
    dict(name='timeout-defer', conf='tempdefer', client='192.0.2.9',
         helo='x.example', sender='user@temp.example',
         expect=('reject', '450', '4.7.24', re.escape(
             'Message deferred due to: SPF Temporary Error: ')
             + r'[ -~]*time[ -~]*' + re.escape(
             '. ' + why('mfrom', 'user@temp.example', '192.0.2.9')))),
    dict(name='null-sender-helo-pass', conf='default', client='192.0.2.1',
         helo='mail.pass.example', sender='',
         expect=('deliver', received_spf(
             'Pass', 'sender SPF authorized', 'helo', '192.0.2.1',
             'mail.pass.example', '<>'))),
    dict(name='null-sender-helo-fail', conf='default', client='192.0.2.9',
         helo='helo-fail.example', sender='',
         expect=('reject',) + reject_fail('helo', 'helo-fail.example',
                                          '192.0.2.9')),
    dict(name='three-recipients', conf='default', client='192.0.2.1',
         helo='mail.pass.example', sender='user@pass.example',
         rcpts=['alice', 'bob', 'carol'],
         expect=('deliver', mfrom_header('Pass', '192.0.2.1',
                                         'mail.pass.example',
                                         'user@pass.example'))),
    dict(name='ipv6-pass', conf='default', client='IPV6:2001:db8::1',
         helo='x.example', sender='user@pass.example',
         expect=('deliver', mfrom_header('Pass', '2001:db8::1', 'x.example',
                                         'user@pass.example'))),
    dict(name='ipv6-fail', conf='default', client='IPV6:2001:db8::99',
         helo='x.example', sender='user@pass.example',
         expect=('reject',) + reject_fail('mfrom', 'user@pass.example',
                                          '2001:db8::99')),
    dict(name='whitelisted-client', conf='default', client='192.0.2.77',
         helo='x.example', sender='user@fail.example',
         expect=('deliver',
                 'X-Comment: SPF skipped for whitelisted relay - '
                 'client-ip=192.0.2.77; helo=x.example; '
                 'envelope-from=user@fail.example; receiver=%s ' % RECEIVER)),
    dict(name='loopback-client', conf='default', client=None,
         helo='x.example', sender='user@fail.example',
         expect=('deliver',
                 'X-Comment: SPF check N/A for local connections - '
                 'client-ip=127.0.0.1; helo=x.example; '
                 'envelope-from=user@fail.example; receiver=%s ' % RECEIVER)),
    dict(name='header-ar-pass', conf='ar', client='192.0.2.1',
         helo='mail.pass.example', sender='user@pass.example',
         expect=('deliver',
                 'Authentication-Results: mx.rcpt.example; spf=pass '
                 '(sender SPF authorized) smtp.mailfrom=pass.example '
                 '(client-ip=192.0.2.1; helo=mail.pass.example; '
                 'envelope-from=user@pass.example; receiver=%s)' % RECEIVER)),
    dict(name='header-ar-softfail', conf='ar', client='192.0.2.9',
         helo='x.example', sender='user@soft.example',
         expect=('deliver',
                 'Authentication-Results: mx.rcpt.example; spf=softfail '
                 '(domain owner discourages use of this host) '
                 'smtp.mailfrom=soft.example (client-ip=192.0.2.9; '
                 'helo=x.example; envelope-from=user@soft.example; '
                 'receiver=%s)' % RECEIVER)),
]


class Failure(Exception):
    pass


# ---- SMTP through swaks ----------------------------------------------

def parse_transcript(text):
    """[(command, [reply lines])] from swaks' transcript: ' -> ' lines are
    what the client sent, '<- ' / '<** ' lines the server's replies."""
    steps = []
    for line in text.splitlines():
        m = re.match(r'^ *(->|<-|<\*\*) (.*)$', line)
        if not m:
            continue
        kind, rest = m.group(1), m.group(2).strip()
        if kind == '->':
            steps.append([rest, []])
        elif steps:
            steps[-1][1].append(rest)
    return steps


def replies_to(steps, prefix):
    return [r for c, r in steps if c.upper().startswith(prefix)]


def message_bytes(template, name, sender, rcpts):
    text = (template.replace('@NAME@', name)
            .replace('@FROM@', sender or 'mailer-daemon@mail.pass.example')
            .replace('@TO@', ', '.join(rcpts)))
    return text.encode('ascii')


def send(s, mode, rcpts, msgfile):
    port = SPAWN_PORTS[s['conf']]
    if mode == 'listen':
        port += LISTEN_PORT_OFFSET
    elif mode == 'chroot':
        port = s.get('port', CHROOT_PORT)
    cmd = ['swaks', '--server', '127.0.0.1', '--port', str(port),
           '--ehlo', s['helo'], '--from', s['sender'] or '<>',
           '--to', ','.join(rcpts), '--data', '@' + msgfile,
           '--timeout', str(SWAKS_TIMEOUT)]
    if s['client']:
        cmd += ['--xclient-addr', s['client'],
                '--xclient-name', '[UNAVAILABLE]']
    if s['expect'][0] in ('reject', 'reply'):
        cmd += ['--quit-after', 'RCPT']
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=SWAKS_TIMEOUT + 30)
    return p.stdout.decode('utf-8', 'replace')


def check_smtp(s, steps, rcpts):
    if s['client']:
        x = replies_to(steps, 'XCLIENT')
        if not x or not all(r and r[0].startswith('220') for r in x):
            raise Failure('XCLIENT not accepted: %r' % (x,))
    mail = replies_to(steps, 'MAIL FROM')
    if len(mail) != 1 or not mail[0] or not mail[0][0].startswith('250'):
        raise Failure('MAIL FROM not accepted: %r' % (mail,))
    rr = replies_to(steps, 'RCPT TO')
    if len(rr) != len(rcpts):
        raise Failure('%d RCPT replies for %d recipients'
                      % (len(rr), len(rcpts)))
    exp = s['expect']
    if exp[0] == 'deliver':
        for addr, r in zip(rcpts, rr):
            if not r or not r[0].startswith('250 2.1.5'):
                raise Failure('RCPT %s: %r, expected 250 2.1.5' % (addr, r))
        data = replies_to(steps, '.')
        if len(data) != 1 or not data[0] \
                or not data[0][0].startswith('250 2.0.0 Ok: queued as '):
            raise Failure('end of DATA: %r, expected 250 queued' % (data,))
        return
    if exp[0] == 'reply':
        for addr, r in zip(rcpts, rr):
            if len(r) != 1 or not re.fullmatch(exp[1], r[0]):
                raise Failure('RCPT %s: %r, expected %r' % (addr, r, exp[1]))
        if replies_to(steps, 'DATA'):
            raise Failure('DATA was sent after a refused RCPT')
        return
    _, code, enh, text_re = exp
    for addr, r in zip(rcpts, rr):
        if len(r) != 1:
            raise Failure('RCPT %s: %r, expected a one-line reply' % (addr, r))
        want = '%s %s <%s>: Recipient address rejected: ' % (code, enh, addr)
        if not r[0].startswith(want):
            raise Failure('RCPT %s: %r, expected %r...' % (addr, r[0], want))
        if not re.fullmatch(text_re, r[0][len(want):]):
            raise Failure('RCPT %s: %r, text does not match %r'
                          % (addr, r[0], text_re))
    if replies_to(steps, 'DATA'):
        raise Failure('DATA was sent after a rejected RCPT')


# ---- delivered copies -------------------------------------------------

def maildir_files(base):
    out = []
    for sub in ('new', 'cur', 'tmp'):
        out += glob.glob(os.path.join(base, '*', sub, '*'))
    return sorted(out)


def message_id(data):
    m = re.search(rb'^Message-ID: <([^>]*)>$', data, re.M | re.I)
    return m.group(1).decode('ascii', 'replace') if m else None


def header_fields(block):
    """Split a header block (bytes, LF line ends) into [(name, raw)] with
    continuation lines kept in raw."""
    fields = []
    for line in block.split(b'\n'):
        if line[:1] in (b' ', b'\t') and fields:
            fields[-1][1] += b'\n' + line
        elif line:
            name = line.split(b':', 1)[0].decode('ascii', 'replace')
            fields.append([name, line])
    return fields


def wait_for_copies(mail, rcpts, msgid):
    deadline = time.monotonic() + DELIVERY_WAIT
    while True:
        found = {}
        for local in rcpts:
            found[local] = [f for f in glob.glob(os.path.join(
                mail, local, 'new', '*')) if message_id(read(f)) == msgid]
        if all(found.values()) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def check_copies(mail, s, rcpts, msgid, original):
    found = wait_for_copies(mail, rcpts, msgid)
    want = s['expect'][1].encode('ascii')
    for local in rcpts:
        files = found[local]
        if len(files) != 1:
            raise Failure('%d copies delivered to %s, expected 1'
                          % (len(files), local))
        data = read(files[0])
        if not data.endswith(original):
            raise Failure('copy for %s does not end with the message as sent '
                          '(header block and body byte for byte):\n%s'
                          % (local, data.decode('ascii', 'replace')))
        prefix = data[:len(data) - len(original)]
        if prefix and not prefix.endswith(b'\n') or b'\n\n' in prefix:
            raise Failure('what was prepended for %s is not a header block'
                          % local)
        added = header_fields(prefix.rstrip(b'\n'))
        names = [n.lower() for n, _ in added]
        # virtual(8) adds Return-Path, X-Original-To and Delivered-To;
        # smtpd the policy service's field and its Received field.
        expected_names = ['return-path', 'x-original-to', 'delivered-to',
                          SPF_FIELDS, 'received']
        ok = len(names) == len(expected_names) and all(
            n in e if isinstance(e, tuple) else n == e
            for n, e in zip(names, expected_names))
        if not ok:
            raise Failure('fields prepended for %s: %r, expected Return-Path,'
                          ' X-Original-To, Delivered-To, the SPF field,'
                          ' Received'
                          % (local, names))
        spf = [raw for n, raw in added if n.lower() in SPF_FIELDS]
        if spf[0] != want:
            raise Failure('copy for %s: SPF field %r, expected %r'
                          % (local, spf[0], want))
        orig_block = original.split(b'\n\n', 1)[0]
        if any(n.lower() in SPF_FIELDS
               for n, _ in header_fields(orig_block)):
            raise Failure('test message carries an SPF field itself')
        if dict(added)['Delivered-To'] != b'Delivered-To: ' \
                + rcpt(local).encode('ascii'):
            raise Failure('copy for %s delivered as %r'
                          % (local, dict(added)['Delivered-To']))


def queue_empty(qdir):
    for sub in ('maildrop', 'incoming', 'active', 'deferred', 'hold'):
        for _, _, files in os.walk(os.path.join(qdir, sub)):
            if files:
                return False
    return True


# ---- driver -----------------------------------------------------------

def main():
    if len(sys.argv) != 3:
        print('usage: e2e.py DIR MESSAGE-TEMPLATE', file=sys.stderr)
        return 2
    top, template_path = sys.argv[1], sys.argv[2]
    with open(template_path, 'r', encoding='ascii') as f:
        template = f.read()
    # Where each mode's Postfix instance delivers and queues.
    mails = {'spawn': os.path.join(top, 'mail'),
             'listen': os.path.join(top, 'mail'),
             'chroot': os.path.join(top, 'c', 'mail')}
    queues = [os.path.join(top, 'queue'), os.path.join(top, 'c', 'queue')]
    msgdir = os.path.join(top, 'msg')
    os.makedirs(msgdir, exist_ok=True)
    passed = failed = 0
    delivered = {}   # message id -> number of copies expected
    rejected = set()
    outside = dict(name='socket-outside-chroot', conf=CHROOT_CONF,
                   port=OUTSIDE_CHROOT_PORT, client='192.0.2.1',
                   helo='mail.pass.example', sender='user@pass.example',
                   rcpts=['alice', 'bob'],
                   expect=('reply', r'451 4\.3\.5 <[^>]+>: Recipient address '
                           r'rejected: Server configuration problem'))
    for mode in MODES:
        if mode == 'chroot':
            scenarios = [s for s in SCENARIOS if s['conf'] == CHROOT_CONF]
            scenarios.append(outside)
        else:
            scenarios = SCENARIOS
        mail = mails[mode]
        for s in scenarios:
            name = '%s.%s' % (s['name'], mode)
            rcpts = [rcpt(r) for r in s.get('rcpts', ['alice'])]
            original = message_bytes(template, name, s['sender'], rcpts)
            msgfile = os.path.join(msgdir, name + '.eml')
            # swaks ends the data with CRLF . CRLF after what it is given,
            # so the file holds the message without its last line end.
            with open(msgfile, 'wb') as f:
                f.write(original[:-1])
            msgid = name + '@e2e.example'
            transcript = ''
            try:
                transcript = send(s, mode, rcpts, msgfile)
                check_smtp(s, parse_transcript(transcript), rcpts)
                if s['expect'][0] == 'deliver':
                    delivered[msgid] = len(rcpts)
                    check_copies(mail, s, s.get('rcpts', ['alice']), msgid,
                                 original)
                else:
                    rejected.add(msgid)
                print('ok   %-6s %s' % (mode, s['name']), flush=True)
                passed += 1
            except (Failure, subprocess.TimeoutExpired, OSError) as e:
                print('FAIL %-6s %s: %s' % (mode, s['name'], e))
                for line in transcript.splitlines():
                    print('     | ' + line)
                sys.stdout.flush()
                failed += 1

    # Every file in every Maildir is accounted for once the queue is empty.
    name = 'no other deliveries'
    deadline = time.monotonic() + DELIVERY_WAIT
    while not all(queue_empty(q) for q in queues) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    counts = {}
    for mail in sorted(set(mails.values())):
        for path in maildir_files(mail):
            mid = message_id(read(path))
            counts[mid] = counts.get(mid, 0) + 1
    problems = []
    for q in queues:
        if not queue_empty(q):
            problems.append('the queue %s did not drain' % q)
    for mid, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        if mid in rejected:
            problems.append('%s was rejected but delivered' % mid)
        elif delivered.get(mid) != n:
            problems.append('%s: %d copies, expected %s'
                            % (mid, n, delivered.get(mid, 0)))
    if problems:
        print('FAIL %s: %s' % (name, '; '.join(problems)))
        failed += 1
    else:
        print('ok   %s (%d files)' % (name, sum(counts.values())))
        passed += 1
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
