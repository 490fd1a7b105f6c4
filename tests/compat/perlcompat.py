"""Side by side with postfix-policyd-spf-perl: the decisions of our
policyd-spf under etc/perl-compat.conf against the Perl daemon's.

The Perl daemon (Debian's postfix-policyd-spf-perl 2.011, Mail::SPF) has no
configuration: its policy is fixed, and etc/perl-compat.conf writes it down
for ours. Both get the compat corpus (compat.build_corpus()) in the same
network namespace and DNS as the spf-engine comparison. The texts differ by
design (policyd-spf(8), THE PERL DAEMON), so what is compared is the
decision: reject, defer, header with its SPF result, or nothing. Every
answer pair must decide the same, or fall under one of the named rules
below, each of which is a documented difference and is counted; anything
else fails the test.
"""

import os
import re
import time

import compat

PERL = '/usr/sbin/postfix-policyd-spf-perl'
PRESET = os.path.join(os.path.dirname(compat.HERE), '..', 'etc',
                      'perl-compat.conf')

# Mail::SPF retries a silent server for about 10 s a query: requests whose
# names time out would take minutes and show nothing SERVFAIL does not.
WAIT = 60

def decision(answer):
    """What an answer decides: ('reject',), ('defer',), ('header', RESULT),
    ('skip',) or ('dunno',); None for an unreadable answer."""
    if answer is None:
        return None
    m = re.match(r'action=(\S+)\s*(.*)$', answer, re.S)
    if not m:
        return None
    verb, rest = m.group(1).lower(), m.group(2)
    if verb in ('reject', '550', '554') or re.match(r'5\d\d$', verb):
        return ('reject',)
    if verb == 'defer_if_permit':
        return ('defer',)
    if verb == 'dunno':
        return ('dunno',)
    if verb == 'prepend':
        h = re.match(r'Received-SPF: (\w+)', rest)
        if h:
            return ('header', h.group(1).lower())
        if re.match(r'Authentication-Results: [^;]+; none', rest) or \
                rest.startswith('X-Comment: SPF '):
            return ('skip',)
        h = re.match(r'Authentication-Results: [^;]+; spf=(\w+)', rest)
        if h:
            return ('header', h.group(1).lower())
    return None


UNRESERVED = re.compile(r'[A-Za-z0-9._~-]*$')


def rule_for(req, zone, p, o, otext, seen):
    """The documented difference (policyd-spf(8), THE PERL DAEMON) that
    explains decisions p (Perl) and o (ours) for req, or None."""
    helo = req.get('helo_name')
    sender = req.get('sender') or ''
    client = req.get('client_address')
    local, _, domain = sender.rpartition('@')
    # P1: Mail::SPF refuses to build a request (no or empty HELO name, a
    # sender without a domain, no client address) and the Perl daemon then
    # answers DUNNO without checking anything, MAIL FROM included. Ours
    # checks what can be checked (an empty HELO leaves the MAIL FROM check).
    if p == ('dunno',) and (not helo or client is None or
                            (sender and not local)):
        return 'p1-request-refused'
    # P2: a loopback client of a message seen before: the Perl daemon adds
    # its "not checked" field for every recipient, ours once per message.
    if p == ('skip',) and o == ('dunno',) and req.get('instance') in seen:
        return 'p2-skip-field-once'
    # P3: the sender's domain has no SPF record: both accept, and ours
    # shows the HELO result in the header field (as spf-engine does),
    # the Perl daemon the MAIL FROM None.
    if p == ('header', 'none') and o and o[0] == 'header' and \
            'identity=helo' in otext and sender:
        return 'p3-helo-field-for-none'
    # P4: the sender's domain is a CNAME: ours follows it to the TXT
    # record (RFC 1034 section 3.6.2), Mail::SPF finds no record (None).
    if p == ('header', 'none') and zone.get(domain, 'CNAME'):
        return 'p4-cname-followed'
    # P5: an upper-case macro letter URL-escapes every character outside
    # RFC 3986's unreserved set (RFC 7208 section 7.3), "+" included;
    # Mail::SPF leaves "+" as it is and so looks up another name.
    txt = b''.join(b''.join(t) for t in zone.get(domain, 'TXT'))
    if re.search(rb'%\{[SL]', txt) and not UNRESERVED.match(local):
        return 'p5-macro-url-escape'
    # P6: MX hosts without an address of the client's family are not void
    # lookups for ours (policyd-spf(8) DIFFERENCES 14); Mail::SPF counts
    # each and gives PermError.
    if 'void-mx' in req.tags and p == ('header', 'permerror'):
        return 'p6-void-mx'
    # P7: a HELO name over 253 characters is not a domain name: ours skips
    # the HELO check (RFC 7208 section 4.3: None), Mail::SPF sends the
    # query, gets an error and defers (TempError).
    if helo and len(helo) > 253 and p == ('defer',):
        return 'p7-overlong-helo'
    return None


def run(args, zone):
    """Returns a compat.Result for the whole corpus."""
    res = compat.Result('perl-compat')
    t0 = time.monotonic()
    logs = os.path.join(args.work, 'logs')
    conf = os.path.abspath(PRESET)
    perl = compat.Daemon('perl', args.netns_prefix + [PERL],
                         os.path.join(logs, 'perl.stderr'))
    ours = compat.Daemon('ours', args.netns_prefix +
                         [args.ours, '--dns', '127.0.0.1', conf],
                         os.path.join(logs, 'perl.ours.stderr'))
    corpus = [r for r in compat.build_corpus() if 'timeout' not in r.tags]
    rows = []
    seen = set()
    try:
        for req in corpus:
            data = req.wire()
            ok_p, ok_o = perl.send(data), ours.send(data)
            p, perr = perl.answer(WAIT) if ok_p else (None, 'stdin closed')
            o, oerr = ours.answer(WAIT) if ok_o else (None, 'stdin closed')
            rows.append((req, p, o, perr, oerr))
    finally:
        perl.stop()
        ours.stop()
    with open(os.path.join(args.work, 'answers', 'perl-compat.txt'), 'w',
              encoding='utf-8') as f:
        for req, p, o, perr, oerr in rows:
            f.write('%s\t%s\t%r\t%r\n' % (req.key, req.describe(),
                                            p if p is not None else perr,
                                            o if o is not None else oerr))
    for req, p, o, perr, oerr in rows:
        res.requests += 1
        dp, do = decision(p), decision(o)
        inst = req.get('instance')
        if dp is not None and dp == do:
            res.identical += 1
        else:
            rule = rule_for(req, zone, dp, do, o, seen) if dp and do else None
            if rule:
                res.allowed += 1
                res.rules[rule] = res.rules.get(rule, 0) + 1
            else:
                res.fail(compat.failure_text('perl-compat', req, p, o, perr, oerr)
                         .replace('spf-engine:', 'perl:      ')
                         + '\n  decisions: perl %s, ours %s' % (dp, do))
        seen.add(inst)
    res.engine_busy, res.ours_busy = perl.busy, ours.busy
    res.seconds = time.monotonic() - t0
    return res
