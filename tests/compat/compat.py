#!/usr/bin/python3
"""Side-by-side compatibility test: spfc's policyd-spf against spf-engine.

Runs the reference daemon (spf-engine 3.0.4, /usr/bin/policyd-spf) and ours
on the same stream of Postfix policy requests, one process of each per
configuration in configs/, inside a network namespace whose only name server
is an unbound serving zone.txt (run-compat.sh sets that up). Every answer of
ours must equal spf-engine's, except where one of the deliberate differences
of policyd-spf(8) (DIFFERENCES FROM SPF-ENGINE) applies; each of those is a named rule below, and every
use of a rule is counted. Anything else is a failure, printed with the
configuration, the request and both answers.

Usage (normally through run-compat.sh):
  compat.py --netns NS --work DIR (--ours BINARY | --self) [--jobs N]
            [--only NAME[,NAME...]] [--engine PATH]
  compat.py --check-rules        unit checks of the difference rules
  compat.py --dump-corpus        print the request corpus and exit

How it fails: exit status 1 when any answer differs outside the rules, when a
daemon dies or stays silent (each is a failure of the request it was given;
the daemon is restarted for the rest), or when a rule's own checks fail;
exit status 2 on bad usage or a missing file.
"""

import argparse
import concurrent.futures
import ipaddress
import os
import queue
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zone2unbound  # noqa: E402

ENGINE = '/usr/bin/policyd-spf'

# spf-engine's built-in defaults that matter to the harness
# (spf_engine/policydspfsupp.py, defaultConfigData).
DEFAULT_LOOKUP_TIME = 20
DEFAULT_WHITELIST_LOOKUP_TIME = 10
DEFAULT_REASON = 'Message {rejectdefer} due to: {spf}. Please see {url}'

# Requests whose names time out cost up to Lookup_Time seconds per identity:
# they are sent only to configurations whose Lookup_Time is at most this.
TIMEOUT_MAX_LOOKUP_TIME = 2

# Printed failures per configuration (the count is always complete).
MAX_FAILURES_SHOWN = 25

# A daemon that stays silent this many times in one configuration is given
# up: the rest of that configuration's requests fail without being sent, so
# that a hanging daemon cannot hold the test past its time limit.
MAX_SILENCES = 3

# Seconds to wait for the answer to a malformed request (no DNS involved).
MALFORMED_WAIT = 15

# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------
GOOD4 = '192.0.2.10'
BAD4 = '203.0.113.66'
GOOD6 = '2001:db8::10'
BAD6 = '2001:db8:bad::66'
CLIENTS = (GOOD4, BAD4, GOOD6, BAD6)
HELO_NONE = 'mta.none.example'       # no such name: HELO result None
HELO_PASS = 'pass-all.example'       # +all: HELO result Pass for anyone
RCPT = 'bob@rcpt.example'

# MAIL FROM domains: (domain, local part or None for "user", tags)
MFROM_DOMAINS = [
    ('fail.example', None, ()), ('softfail.example', None, ()),
    ('neutral.example', None, ()), ('nodefault.example', None, ()),
    ('pass-all.example', None, ()), ('none.example', None, ()),
    ('nospf-a.example', None, ()), ('nx.example', None, ()),
    ('a.example', None, ()), ('mx.example', None, ()),
    ('include.example', None, ()), ('include-soft.example', None, ()),
    ('redirect.example', None, ()), ('ptr.example', None, ()),
    ('exists.example', None, ()), ('cidr.example', None, ()),
    ('ip6only.example', None, ()), ('aaaa.example', None, ()),
    ('cname.example', None, ()), ('split.example', None, ()),
    ('upper.example', None, ()), ('macro-l.example', 'alice', ()),
    ('macro-l.example', 'bob', ()), ('macro-h.example', None, ()),
    ('macro-ir.example', None, ()), ('macro-p.example', None, ()),
    ('macro-url.example', 'a+b', ()),
    ('perm-syntax.example', None, ()), ('perm-ip.example', None, ()),
    ('perm-two.example', None, ()), ('perm-include-none.example', None, ()),
    ('perm-redirect-nx.example', None, ()), ('perm-macro.example', None, ()),
    ('perm-crt.example', None, ()), ('perm-lookups.example', None, ()),
    ('lookups-after.example', None, ()), ('perm-nested.example', None, ()),
    ('void2.example', None, ()), ('void3.example', None, ()),
    ('void-mx.example', None, ('void-mx',)),
    ('servfail.example', None, ('servfail',)),
    ('sf-include.example', None, ('servfail',)),
    ('sf-a.example', None, ('servfail',)),
    ('sf-mx.example', None, ('servfail',)),
    ('sf-redirect.example', None, ('servfail',)),
    ('sf-exp.example', None, ()),
    # the PTR name of 192.0.2.77 lies in the SERVFAIL zone
    ('sf-ptr.example', None, ('servfail',)),
    ('sf-p.example', None, ('servfail',)),
    ('exp.example', None, ()), ('exp-soft.example', None, ()),
    ('exp-c.example', 'carol', ()), ('exp-r.example', None, ()),
    ('exp-multi.example', None, ()), ('exp-nx.example', None, ()),
    ('exp-redirect.example', None, ()), ('exp-long.example', None, ('long-exp',)),
    ('exp-tab.example', None, ('outside-text',)),
    ('exp-utf8.example', None, ('outside-text',)),
    ('nomail.example', None, ()), ('nomail-split.example', None, ()),
    ('nomail-second.example', None, ()), ('sub.softfail.example', None, ()),
    ('x.neutral.example', None, ()), ('helo-wl.example', None, ()),
    ('relays.example', None, ()),
]

# HELO names checked with a null sender.
HELO_DOMAINS = [
    'fail.example', 'softfail.example', 'neutral.example', 'pass-all.example',
    'none.example', 'nx.example', 'a.example', 'mx.example', 'include.example',
    'ptr.example', 'perm-syntax.example', 'perm-two.example', 'void3.example',
    'exp.example', 'exp-r.example', 'nomail.example', 'nomail-split.example',
    'nomail-second.example', 'helo-wl.example', 'relays.example',
    'servfail.example', 'sf-a.example', '[192.0.2.10]', 'localhost',
]
SERVFAIL_NAMES = ('servfail.example', 'sf-include.example', 'sf-a.example',
                  'sf-mx.example', 'sf-redirect.example')

# Requests that make spf-engine die (reference section 5.1): only ours is
# asked, and it must answer action=dunno. Each is followed by a normal probe.
CRASH_CASES = [
    ('no helo_name attribute', dict(client=BAD4, helo=None,
                                    sender='user@fail.example')),
    ('client_address not an address', dict(client='not-an-address',
                                           helo='fail.example',
                                           sender='user@fail.example')),
    ('client_address out of range', dict(client='192.0.2.300',
                                         helo='fail.example',
                                         sender='user@fail.example')),
    ('space after "="', dict(client=' ' + BAD4, helo='fail.example',
                             sender='user@fail.example')),
    ('whitespace-only line before sender', dict(client=BAD4,
                                                helo='fail.example',
                                                sender='user@fail.example',
                                                cut=True)),
]


class Request:
    """One policy request: ordered attributes plus what the rules need."""

    def __init__(self, key, attrs, tags=(), twin=None, d1=None, cut=False):
        self.key = key
        self.attrs = attrs
        self.tags = set(tags)
        self.twin = twin
        self.d1 = d1            # regex ours' sanitized text must match
        self.cut = cut

    def get(self, name, default=None):
        for k, v in self.attrs:
            if k == name:
                return v
        return default

    def wire(self):
        lines = []
        for k, v in self.attrs:
            if self.cut and k == 'sender':
                lines.append(' ')
            lines.append('%s=%s' % (k, v))
        return ('\n'.join(lines) + '\n\n').encode('utf-8')

    def describe(self):
        return ' '.join('%s=%s' % (k, v) for k, v in self.attrs
                        if k in ('client_address', 'helo_name', 'sender',
                                 'recipient', 'instance')) or '(empty)'


class CorpusBuilder:
    def __init__(self):
        self.requests = []
        self.n = 0
        self.messages = 0

    def instance(self):
        self.messages += 1
        return '%x.%x.%x.0' % (0x3c2a, 0x6571a000 + self.messages, self.messages)

    def add(self, client, helo, sender, recipient=RCPT, instance=None,
            tags=(), twin=None, d1=None, key=None, omit=(), cut=False):
        self.n += 1
        key = key or 'r%04d' % self.n
        if instance is None:
            instance = self.instance()
        attrs = [('request', 'smtpd_access_policy'), ('protocol_state', 'RCPT'),
                 ('protocol_name', 'ESMTP')]
        if helo is not None:
            attrs.append(('helo_name', helo))
        attrs += [('queue_id', ''), ('sender', sender)]
        if recipient is not None:
            attrs.append(('recipient', recipient))
        attrs += [('recipient_count', '0')]
        if client is not None:
            attrs.append(('client_address', client))
        name = 'mail.ptr.example' if client == GOOD4 else 'unknown'
        attrs += [('client_name', name), ('reverse_client_name', name),
                  ('instance', instance), ('sasl_method', ''),
                  ('sasl_username', ''), ('sasl_sender', ''), ('size', '0'),
                  ('ccert_subject', ''), ('ccert_issuer', ''),
                  ('ccert_fingerprint', ''), ('ccert_pubkey_fingerprint', ''),
                  ('encryption_protocol', 'TLSv1.3'),
                  ('encryption_cipher', 'TLS_AES_256_GCM_SHA384'),
                  ('encryption_keysize', '256'), ('etrn_domain', ''),
                  ('stress', ''), ('policy_context', ''),
                  ('server_address', '198.18.0.25'), ('server_port', '25'),
                  ('compatibility_level', '3.6'), ('mail_version', '3.7.11')]
        attrs = [(k, v) for k, v in attrs if k not in omit]
        req = Request(key, attrs, tags, twin, d1, cut)
        self.requests.append(req)
        return req


def build_corpus():
    """The request corpus sent through every configuration. Deterministic."""
    b = CorpusBuilder()

    # 1. every MAIL FROM policy, from an authorized and an unauthorized
    #    client, IPv4 and IPv6, behind a HELO without SPF or a passing one.
    for domain, local, tags in MFROM_DOMAINS:
        for i, client in enumerate(CLIENTS):
            helo = HELO_NONE if i in (0, 3) else HELO_PASS
            d1 = None
            if domain == 'exp-tab.example':
                d1 = r'Not.{0,4}allowed from [0-9a-f.:]+|SPF fail - not authorized'
            elif domain == 'exp-utf8.example':
                d1 = r'Refus.{0,8} pour [0-9a-f.:]+|SPF fail - not authorized'
            b.add(client, helo, '%s@%s' % (local or 'user', domain),
                  tags=tags, d1=d1)

    # 2. every HELO policy with a null sender (the HELO identity decides).
    for helo in HELO_DOMAINS:
        tags = ('servfail',) if helo in SERVFAIL_NAMES else ()
        for client in CLIENTS:
            b.add(client, helo, '', tags=tags)

    # 3. HELO policy with a sender whose own result is None (the HELO header
    #    is the one prepended) or Pass.
    for helo in ('fail.example', 'softfail.example', 'neutral.example',
                 'pass-all.example', 'perm-syntax.example', 'exp.example',
                 'nomail.example'):
        for client in (GOOD4, BAD4):
            b.add(client, helo, 'user@none.example')
            b.add(client, helo, 'user@a.example')

    # 4. time-outs (temperror): sent only where the DNS budget is small.
    t = ('timeout',)
    for client in (GOOD4, BAD4):
        b.add(client, HELO_NONE, 'user@slow.example', tags=t)
        b.add(client, HELO_NONE, 'user@temp-a.example', tags=t)
    b.add(BAD4, HELO_NONE, 'user@temp-include.example', tags=t)
    b.add(BAD4, 'slow.example', '', tags=t)
    b.add(GOOD4, 'slow.example', 'user@a.example', tags=t)

    # 5. IPv4-mapped IPv6 and loopback clients.
    for client in ('::ffff:192.0.2.10', '::ffff:203.0.113.66'):
        for domain in ('fail.example', 'a.example', 'mx.example',
                       'exp.example', 'none.example', 'ip6only.example'):
            b.add(client, HELO_NONE, 'user@' + domain)
        b.add(client, 'fail.example', '')
    for client in ('127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'):
        b.add(client, 'fail.example', 'user@fail.example')
    b.add('127.0.0.1', 'localhost', '')
    b.add('::1', '', '')

    # 6. upper case everywhere (spf-engine lower-cases every value).
    b.add(BAD4, HELO_NONE, 'User@FAIL.Example')
    b.add(GOOD4, HELO_NONE, 'ALICE@MACRO-L.EXAMPLE')
    b.add(BAD4, 'FAIL.EXAMPLE', '')
    b.add('2001:DB8:BAD::66', 'Mta.None.Example', 'user@Fail.Example')
    b.add(GOOD4, 'Pass-All.Example', 'Someone@Exp-R.Example')

    # 7. missing or odd identities.
    b.add(BAD4, '', 'user@fail.example')          # empty HELO: sender domain
    b.add(GOOD4, '', 'user@fail.example')
    b.add(BAD4, '', '')                           # nothing to check
    b.add(BAD4, 'fail.example', 'bounce')         # sender without a domain
    b.add(BAD4, HELO_NONE, '@fail.example')       # empty local part
    b.add(None, 'fail.example', 'user@fail.example')      # no client_address
    b.add(BAD4, HELO_NONE, 'user@fail.example', recipient=None)
    b.add(BAD4, HELO_NONE, 'user@fail.example', recipient='postmaster')
    b.add(BAD4, HELO_NONE, 'user@softfail.example', recipient='lax@rcpt.example')
    b.add(BAD4, 'fail.example', '', recipient='lax@rcpt.example')
    b.add(BAD4, HELO_NONE, 'user@neutral.example', recipient='strict@rcpt.example')
    long_helo = '.'.join(['h' * 60] * 5) + '.example'
    b.add(GOOD4, long_helo, 'user@a.example', tags=('outside-text',),
          d1=r'h[h.]*(\.example)?(\.\.\.)?')

    # 8. a trailing dot on the domain: compared with the same request
    #    without the dot (deliberate difference 12).
    for client, helo, sender in ((BAD4, HELO_NONE, 'user@fail.example'),
                                 (GOOD4, HELO_NONE, 'user@softfail.example'),
                                 (BAD4, 'fail.example', ''),
                                 (GOOD4, 'a.example', '')):
        twin = b.add(client, helo, sender)
        dotted_helo = helo + '.' if not sender else helo
        dotted_sender = sender + '.' if sender else sender
        b.add(client, dotted_helo, dotted_sender, tags=('trailing-dot',),
              twin=twin.key)

    # 9. whitelist clients (each whitelist option has its own config).
    b.add('198.51.100.5', 'relay.example', 'user@fail.example')
    b.add('198.51.100.5', 'relay.example', '')
    b.add('2001:db8:1:5::5', 'relay.example', 'user@fail.example')
    b.add('198.51.100.20', 'helo-wl.example', 'user@fail.example')
    b.add('198.51.100.20', 'other.example', 'user@fail.example')
    b.add('2001:db8:1::20', 'helo-wl.example', 'user@fail.example')
    b.add('2001:db8:1::20', 'helo-wl.example', '')
    b.add('198.51.100.30', HELO_NONE, 'user@fail.example')
    b.add('2001:db8:1::30', HELO_NONE, 'user@fail.example')
    b.add('198.51.100.31', HELO_NONE, 'user@fail.example')
    for last in (40, 41, 42, 43, 44):
        b.add('198.51.100.%d' % last, HELO_NONE, 'user@fail.example')
    b.add('198.51.100.40', HELO_NONE, '')
    b.add('192.0.2.77', HELO_NONE, 'user@sf-ptr.example', tags=('servfail',))
    b.add('192.0.2.77', HELO_NONE, 'user@sf-p.example', tags=('servfail',))

    # 10. multi-recipient messages: the same instance three times.
    for client, helo, sender in ((BAD4, HELO_NONE, 'user@fail.example'),
                                 (GOOD4, HELO_NONE, 'user@fail.example'),
                                 (BAD4, HELO_NONE, 'user@softfail.example'),
                                 (BAD4, HELO_NONE, 'user@none.example'),
                                 (BAD4, HELO_NONE, 'user@perm-syntax.example'),
                                 (BAD4, HELO_NONE, 'user@exp.example'),
                                 (BAD4, HELO_PASS, 'user@neutral.example'),
                                 (GOOD4, HELO_PASS, 'user@a.example'),
                                 (BAD4, 'fail.example', ''),
                                 ('198.51.100.5', 'relay.example', 'user@fail.example'),
                                 ('127.0.0.1', 'localhost', 'user@fail.example'),
                                 ('198.51.100.40', HELO_NONE, 'user@fail.example')):
        inst = b.instance()
        for rcpt in ('first@rcpt.example', 'strict@rcpt.example',
                     'other@second.example'):
            b.add(client, helo, sender, recipient=rcpt, instance=inst)
    return b.requests


def build_crash_corpus():
    """(malformed request, probe) pairs for the ours-only check."""
    b = CorpusBuilder()
    pairs = []
    for i, (what, spec) in enumerate(CRASH_CASES):
        bad = b.add(spec['client'], spec['helo'], spec['sender'],
                    cut=spec.get('cut', False), key='crash%d' % i)
        bad.what = what
        probe = b.add(GOOD4, HELO_NONE, 'probe-%d@pass-all.example' % i,
                      key='probe%d' % i)
        pairs.append((bad, probe))
    return pairs


# --------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------
class Config:
    """A configuration file, read both as spf-engine reads it and strictly
    (a value may contain '='), plus the harness directives (#@ name: value)."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len('.conf')]
        with open(path, encoding='utf-8') as f:
            self.text = f.read()
        self.engine = {}
        self.strict = {}
        self.directives = {}
        for line in self.text.split('\n'):
            m = re.match(r'#@\s*([\w-]+)\s*:\s*(.*?)\s*$', line)
            if m:
                self.directives[m.group(1)] = m.group(2)
                continue
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split('=')]
            if len(parts) == 2:
                self.engine[parts[0]] = parts[1]
            if len(parts) >= 2:
                name, value = line.split('=', 1)
                self.strict[name.strip()] = value.strip()

    def opt(self, name, default=None):
        return self.engine.get(name, default)

    def int_opt(self, name, default):
        try:
            return int(self.engine.get(name, default))
        except ValueError:
            return default

    def materialize(self, workdir, name=None):
        """Write the config with @COMPAT_DIR@ replaced; return its path."""
        out = os.path.join(workdir, 'configs', (name or self.name) + '.conf')
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, 'w', encoding='utf-8') as f:
            f.write(self.text.replace('@COMPAT_DIR@', HERE))
        return out

    def timeouts(self):
        return self.int_opt('Lookup_Time', DEFAULT_LOOKUP_TIME) <= TIMEOUT_MAX_LOOKUP_TIME

    def answer_timeout(self):
        """Seconds to wait for one answer: both identities' DNS budgets,
        the whitelist budgets, and slack for a loaded machine."""
        return (2 * self.int_opt('Lookup_Time', DEFAULT_LOOKUP_TIME)
                + 2 * self.int_opt('Whitelist_Lookup_Time',
                                   DEFAULT_WHITELIST_LOOKUP_TIME) + 15)


# --------------------------------------------------------------------------
# The zone, as the rules need it
# --------------------------------------------------------------------------
class Zone:
    def __init__(self, path):
        with open(path, 'rb') as f:
            records = zone2unbound.parse(f.read().decode('latin-1'))
        self.rr = {}
        for name, rtype, _, raw in records:
            self.rr.setdefault((name.rstrip('.'), rtype), []).append(raw)

    def get(self, name, rtype):
        return self.rr.get((name.lower().rstrip('.'), rtype), [])

    def ptr_names(self, ip):
        rev = ipaddress.ip_address(ip).reverse_pointer
        return [n.rstrip('.') for n in self.get(rev, 'PTR')]

    def addresses(self, name, ip):
        rtype = 'A' if ipaddress.ip_address(ip).version == 4 else 'AAAA'
        return [ipaddress.ip_address(a) for a in self.get(name, rtype)]

    def nomail_engine_view(self, domain):
        """spf-engine: the first string of the first TXT record."""
        txt = self.get(domain, 'TXT')
        return bool(txt) and txt[0][0] == b'v=spf1 -all'

    def nomail_spf_view(self, domain):
        """The domain's SPF record is 'v=spf1 -all'."""
        spf = [b''.join(t) for t in self.get(domain, 'TXT')
               if re.match(rb'(?i)v=spf1( |$)', b''.join(t))]
        return len(spf) == 1 and spf[0].lower() == b'v=spf1 -all'

    def ptr_wl_engine_view(self, ip, domains):
        """spf-engine: first PTR name only, not validated, string suffix."""
        names = self.ptr_names(ip)
        return bool(names) and any(names[0].endswith(d) for d in domains)

    def ptr_wl_rfc_view(self, ip, domains):
        """ptr-mechanism rules: validated names, label boundaries."""
        addr = ipaddress.ip_address(ip)
        for name in self.ptr_names(ip)[:10]:    # RFC 7208 section 4.6.4
            if addr not in self.addresses(name, ip):
                continue
            for d in domains:
                if name == d or name.endswith('.' + d):
                    return True
        return False


# --------------------------------------------------------------------------
# The deliberate differences (policyd-spf(8), DIFFERENCES FROM SPF-ENGINE;
# rule dN is difference N), one rule each.
# --------------------------------------------------------------------------
ERROR_DETAIL = re.compile(r'(SPF (?:Permanent|Temporary) Error: )')
TEMP_MARK = re.compile(r'Received-SPF: Temperror |spf=temperror |'
                       r'SPF Temporary Error: ')
PERM_MARK = re.compile(r'Received-SPF: Permerror |spf=permerror |'
                       r'SPF Permanent Error: ')
REASON_DEFAULT_RX = re.compile(
    r'^action=(550(?: 5\.7\.2[34])?|defer_if_permit(?: 4\.7\.24)?) '
    r'Message (rejected|deferred) due to: (.*)\. Please see '
    r'(http://www\.openspf\.net/Why\?\S*)$', re.S)
PRINTABLE = re.compile(r'[\x20-\x7e]*')


class Context:
    def __init__(self, config, zone, engine_answers):
        self.config = config
        self.zone = zone
        self.engine_answers = engine_answers
        terms = set()
        for opts in (config.engine, config.strict):
            msg = opts.get('Reason_Message', DEFAULT_REASON)
            if '{spf}' in msg:
                tail = msg.split('{spf}', 1)[1].split('{', 1)[0]
                if tail:
                    terms.add(tail)
        terms.update([') identity=', ') smtp.helo=', ') smtp.mailfrom='])
        alts = '|'.join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        self.detail_rx = re.compile(r'(SPF (?:Permanent|Temporary) Error: )'
                                    r'(.*?)(?=' + alts + r'|$)', re.S)

    def mask(self, text):
        return self.detail_rx.sub(r'\1<detail>', text) if text else text


def diff_region(e, o):
    """(prefix, engine middle, ours middle, suffix) of two strings."""
    p = len(os.path.commonprefix([e, o]))
    s = 0
    while s < len(e) - p and s < len(o) - p and e[-1 - s] == o[-1 - s]:
        s += 1
    return e[:p], e[p:len(e) - s], o[p:len(o) - s], e[len(e) - s:]


def rule_d1(ctx, req, e, o):
    """1: outside text sanitized: printable ASCII, bounded length. Ours must
    be printable ASCII, differ from spf-engine in one place only, and show
    there what the request's pattern allows (the cleaned text, or the
    default explanation when the text was refused)."""
    if 'outside-text' not in req.tags or not req.d1:
        return False
    if not PRINTABLE.fullmatch(o):
        return False
    return any(re.fullmatch(req.d1, cand) for cand in _widen(e, o))


def _widen(e, o):
    """Ours' differing text extended to the separators around it, for
    regexes written against whole values."""
    pre, _, om, suf = diff_region(e, o)
    left = re.search(r'[^ =;:(\[]*$', pre).group(0)
    right = re.match(r'[^ ;)\]]*', suf).group(0)
    cands = [left + om + right, left + om, om + right]
    # the explanation sits between 'due to: ' and '. Please see '
    m = re.search(r'due to: (.*?)(?:\. Please see |$)', o, re.S)
    if m:
        cands.append(m.group(1))
    return cands


def rule_d2(ctx, req, e, o):
    """2: strict config parser: a value may contain '=' (Reason_Message)."""
    msg = ctx.config.strict.get('Reason_Message')
    if not msg or 'Reason_Message' in ctx.config.engine:
        return False
    m = REASON_DEFAULT_RX.match(e)
    if not m:
        return False
    code, rejectdefer, spf, url = m.groups()
    try:
        expect = 'action=%s %s' % (code, msg.format(rejectdefer=rejectdefer,
                                                     spf=spf, url=url))
    except (KeyError, IndexError, ValueError):
        return False
    return expect == o


def rule_d3(ctx, req, e, o):
    """3: Domain_Whitelist_PTR follows the ptr mechanism's rules."""
    domains = ctx.config.opt('Domain_Whitelist_PTR')
    if not domains:
        return False
    ip = ctx.config.opt('Prospective') or req.get('client_address')
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return False
    domains = domains.split(',')
    ev = ctx.zone.ptr_wl_engine_view(ip, domains)
    rv = ctx.zone.ptr_wl_rfc_view(ip, domains)
    mark = 'SPF skipped for PTR whitelisted relay domain - '
    return ev != rv and (mark in e) == ev and (mark in o) == rv


def rule_d5(ctx, req, e, o):
    """5: %{r} is the receiving host's name, not 'unknown'."""
    rx = re.compile(r'Refused at \[([^\]]*)\]')
    me, mo = rx.search(e or ''), rx.search(o or '')
    if not me or not mo or me.group(1) != 'unknown':
        return False
    if not re.fullmatch(r'[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?', mo.group(1)) \
            or mo.group(1) == 'unknown':
        return False
    return rx.sub('Refused at [R]', e) == rx.sub('Refused at [R]', o)


def shows_no_header(config):
    """The configuration answers dunno where a header would be prepended."""
    return bool(config.opt('Prospective') or config.opt('Header_Type') == 'None'
                or config.opt('TestOnly') == '0')


def rule_d6(ctx, req, e, o):
    """6: a DNS server failure is TempError (spf-engine: no data)."""
    if 'servfail' not in req.tags or TEMP_MARK.search(e):
        return False
    if TEMP_MARK.search(o):
        return True
    # configurations that show a prepend as dunno
    if shows_no_header(ctx.config) and o == 'action=dunno':
        return True
    # spf-engine counted the failed lookup as void and hit Void_Limit; ours
    # skips it (RFC 7208 §5.5: a failed validation lookup is not a match)
    if 'Permerror' in e and 'Permerror' not in o and 'Permanent Error' not in o:
        return True
    # MAIL FROM is TempError for ours: a passing HELO's restriction class
    # answers instead of MAIL FROM's (spf-engine saw MAIL FROM pass)
    helo_pass = ctx.config.opt('HELO_pass_restriction')
    return bool(helo_pass) and o == 'action=' + helo_pass


def rule_d14(ctx, req, e, o):
    """14: void lookups are counted per term: an MX host without an address
    of the client's family is not one (spf-engine counts each)."""
    if 'void-mx' not in req.tags:
        return False
    if PERM_MARK.search(o) or TEMP_MARK.search(o) or TEMP_MARK.search(e):
        return False
    ip = req.get('client_address', '')
    domain = req.get('sender', '').rpartition('@')[2]
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return False
    addrs = [ctx.zone.addresses(str(raw).split()[-1], ip)
             for raw in ctx.zone.get(domain, 'MX')]
    if sum(1 for a in addrs if not a) <= 2:
        return False        # spf-engine had no void lookup limit to hit
    matched = any(ipaddress.ip_address(ip) in a for a in addrs)
    # ours shows the result the record gives (v=spf1 mx -all) ...
    if matched and re.search(r'Received-SPF: Fail |spf=fail |^action=550 ', o):
        return False
    if not matched and re.search(r'Received-SPF: Pass |spf=pass ', o):
        return False
    # ... where spf-engine shows its PermError,
    if PERM_MARK.search(e):
        return True
    # or answers dunno in a configuration that shows no header,
    if shows_no_header(ctx.config) and e == 'action=dunno':
        return True
    # or answers the passing HELO's class where ours saw MAIL FROM pass too.
    helo_pass = ctx.config.opt('HELO_pass_restriction')
    mfrom_pass = ctx.config.opt('Mail_From_pass_restriction')
    return (matched and bool(helo_pass) and bool(mfrom_pass)
            and e == 'action=' + helo_pass and o == 'action=' + mfrom_pass)


def rule_d10(ctx, req, e, o):
    """10: HELO_pass_restriction with both identities passing."""
    name = ctx.config.opt('HELO_pass_restriction')
    return bool(name) and e == 'action=None' and o == 'action=' + name


def rule_d11(ctx, req, e, o):
    """11: No_Mail looks at the SPF record, not the first TXT record."""
    if ctx.config.opt('No_Mail') != 'True':
        return False
    sender = req.get('sender') or ''
    helo = req.get('helo_name') or ''
    domains = [helo] if helo else []
    if '@' in sender:
        domains.append(sender.split('@', 1)[1])
    if not any(ctx.zone.nomail_engine_view(d) != ctx.zone.nomail_spf_view(d)
               for d in domains):
        return False
    return e.startswith('action=550') != o.startswith('action=550')


def rule_d12_dot(ctx, req, e, o):
    """12: a trailing dot on the sender or HELO domain is ignored: ours
    answers as spf-engine does for the request without the dot."""
    if 'trailing-dot' not in req.tags or req.twin not in ctx.engine_answers:
        return False
    twin = ctx.engine_answers[req.twin]
    if twin is None:
        return False
    norm = o
    values = [req.get('helo_name'), req.get('sender')]
    values += [v.split('@', 1)[1] for v in values if v and '@' in v]
    for value in values:
        if value and value.endswith('.'):
            undotted = value[:-1].lower()
            norm = re.sub(r'(?<![A-Za-z0-9@.-])' + re.escape(undotted)
                          + r'\.(?![A-Za-z0-9-])', lambda m: undotted, norm,
                          flags=re.I)
    return norm == twin or ctx.mask(norm) == ctx.mask(twin)


def rule_d12_exp(ctx, req, e, o):
    """12: over-long expansions: exp= text is never truncated (spf-engine
    drops everything up to its first dot)."""
    if 'long-exp' not in req.tags:
        return False
    d = len(o) - len(e)
    if d <= 0:
        return False
    for i in range(len(e) + 1):
        if o[:i] != e[:i]:
            break
        cut = o[i:i + d]
        if o[i + d:] == e[i:] and cut.endswith('.') and cut.count('.') == 1:
            return True
    return False


REPLY_TEXT_MAX = 495   # src/policyd/policy.c POLICY_REPLY_TEXT_MAX


def rule_d1_reply_cut(ctx, req, e, o):
    """1: bounded length: a reject/defer text is cut so the SMTP reply
    line stays within RFC 5321's 512 octets (spf-engine sends any length).
    Same action, ours exactly at the bound, spf-engine's text over it or
    an over-long exp= (whose expansion spf-engine cuts differently)."""
    rx = r'^action=(550(?: 5\.7\.2[34])?|defer_if_permit(?: 4\.7\.24)?) (.*)$'
    mo, me = re.match(rx, o, re.S), re.match(rx, e, re.S)
    if not mo or not me or mo.group(1) != me.group(1):
        return False
    ot, et = mo.group(2), me.group(2)
    if len(ot) != REPLY_TEXT_MAX or not PRINTABLE.fullmatch(o):
        return False
    if len(et) <= REPLY_TEXT_MAX and 'long-exp' not in req.tags:
        return False
    if ctx.config.strict.get('Reason_Message') and \
            'Reason_Message' not in ctx.config.engine:
        return True     # with difference 2: ours' own message, cut
    head = len(os.path.commonprefix([ot, et]))
    return head >= len('Message rejected due to: ') or et.startswith(ot)


RULES = [
    ('d1-sanitized-text', rule_d1),
    ('d1-reply-line-bounded', rule_d1_reply_cut),
    ('d2-strict-config', rule_d2),
    ('d3-ptr-whitelist', rule_d3),
    ('d5-receiver-macro', rule_d5),
    ('d6-dns-server-failure', rule_d6),
    ('d10-helo-pass-restriction', rule_d10),
    ('d11-no-mail-spf-record', rule_d11),
    ('d12-trailing-dot', rule_d12_dot),
    ('d12-exp-not-truncated', rule_d12_exp),
    ('d14-void-per-term', rule_d14),
]
# Differences with no comparison rule: 4 (bounded cache: not observable in a
# corpus), 8 (malformed requests: checked on ours alone, see CRASH_CASES),
# 9 (Mock: spf-engine never answers; checked on ours alone, configs/mock.conf).
RULE_D7 = 'd7-error-detail'


def undo_reason(ctx, o):
    """Difference 2 combined with another: ours' answer in a config whose
    Reason_Message spf-engine refused, rewritten into spf-engine's default
    message, so the other rules can judge the rest.  None if it does not
    fit ours' template."""
    msg = ctx.config.strict.get('Reason_Message')
    if not msg or 'Reason_Message' in ctx.config.engine or not o:
        return None
    m = re.match(r'^action=(550(?: 5\.7\.2[34])?|defer_if_permit(?: 4\.7\.24)?) (.*)$',
                 o, re.S)
    if not m:
        return None
    parts = re.split(r'(\{rejectdefer\}|\{spf\}|\{url\})', msg)
    rx, names = '', []
    for part in parts:
        if part in ('{rejectdefer}', '{spf}', '{url}'):
            rx += '(rejected|deferred)' if part == '{rejectdefer}' else '(.*)'
            names.append(part[1:-1])
        else:
            rx += re.escape(part)
    mm = re.fullmatch(rx, m.group(2), re.S)
    if not mm:
        return None
    vals = dict(zip(names, mm.groups()))
    if not {'rejectdefer', 'spf', 'url'} <= set(vals):
        return None
    return 'action=%s Message %s due to: %s. Please see %s' % (
        m.group(1), vals['rejectdefer'], vals['spf'], vals['url'])


def classify(ctx, req, e, o):
    """('identical' | 'allowed' | 'failed', [rule names])."""
    if e is None or o is None:
        return 'failed', []
    if e == o:
        return 'identical', []
    em, om = ctx.mask(e), ctx.mask(o)
    if em == om:
        return 'allowed', [RULE_D7]
    for name, rule in RULES:
        if rule(ctx, req, e, o):
            return 'allowed', [name]
    for name, rule in RULES:
        if rule(ctx, req, em, om):
            return 'allowed', [name, RULE_D7]
    o2 = undo_reason(ctx, o)
    if o2 is not None and o2 != o:
        verdict, names = classify(ctx, req, e, o2)
        if verdict != 'failed':
            return verdict if verdict == 'allowed' else 'allowed', \
                ['d2-strict-config'] + names
    return 'failed', []


# --------------------------------------------------------------------------
# Running the daemons
# --------------------------------------------------------------------------
class Daemon:
    """One policy daemon in spawn mode; answers are read by a thread."""

    def __init__(self, label, argv, stderr_path):
        self.label = label
        self.argv = argv
        self.stderr_path = stderr_path
        self.busy = 0.0
        self.answers = 0
        self.restarts = 0
        self.silences = 0
        self.start()

    def start(self):
        self.err = open(self.stderr_path, 'ab')
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err)
        self.q = queue.Queue()
        t = threading.Thread(target=self._reader, args=(self.proc, self.q),
                             daemon=True)
        t.start()

    @staticmethod
    def _reader(proc, q):
        lines = []
        for raw in iter(proc.stdout.readline, b''):
            line = raw.decode('utf-8', 'backslashreplace').rstrip('\n')
            if line == '':
                q.put(('answer', '\n'.join(lines), time.monotonic()))
                lines = []
            else:
                lines.append(line)
        q.put(('eof', '\n'.join(lines), time.monotonic()))

    def send(self, data):
        self.sent_at = time.monotonic()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def answer(self, timeout):
        """(text, None) or (None, error)."""
        try:
            kind, text, at = self.q.get(timeout=timeout)
        except queue.Empty:
            self.silences += 1
            self.restart()
            return None, 'no answer within %d s (restarted)' % timeout
        if kind == 'eof':
            status = self.proc.wait()
            self.restart()
            return None, 'exited with status %s%s (restarted)' % (
                status, ', partial output %r' % text if text else '')
        self.busy += at - self.sent_at
        self.answers += 1
        return text, None

    def restart(self):
        self.stop()
        self.restarts += 1
        self.start()

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()


def engine_shim(work):
    """A directory whose `dns` package fails to import: pyspf then uses
    pydns (python3-dns, the package's own dependency), the DNS library the
    reference behaviour was taken with, even where python3-dnspython is
    installed (pyspf prefers it, and it reads CNAME chains and server
    failures differently)."""
    shim = os.path.join(work, 'pyshim')
    os.makedirs(os.path.join(shim, 'dns'), exist_ok=True)
    with open(os.path.join(shim, 'dns', '__init__.py'), 'w') as f:
        f.write('raise ImportError("pydns is the reference: dnspython hidden")\n')
    return shim


def engine_argv(args, conf_path):
    return args.netns_prefix + ['env', 'PYTHONPATH=' + engine_shim(args.work),
                                args.engine, conf_path]


def ours_argv(args, conf_path):
    if args.self_test:
        return engine_argv(args, conf_path)
    return args.netns_prefix + [args.ours, '--dns', '127.0.0.1', conf_path]


class Result:
    def __init__(self, name):
        self.name = name
        self.requests = 0
        self.identical = 0
        self.allowed = 0
        self.rules = {}
        self.failures = []
        self.nfailed = 0
        self.checks = 0          # ours-only checks
        self.check_rule = ''     # the deliberate difference they stand for
        self.seconds = 0.0
        self.engine_busy = 0.0
        self.ours_busy = 0.0
        self.note = ''

    def fail(self, text):
        self.nfailed += 1
        if len(self.failures) < MAX_FAILURES_SHOWN:
            self.failures.append(text)


def failure_text(config, req, e, o, eerr=None, oerr=None):
    lines = ['FAIL config %s, request %s: %s' % (config, req.key, req.describe())]
    if req.tags:
        lines.append('  tags: ' + ', '.join(sorted(req.tags)))
    lines.append('  spf-engine: %s' % (repr(e) if e is not None else eerr))
    lines.append('  ours:       %s' % (repr(o) if o is not None else oerr))
    return '\n'.join(lines)


def run_config(args, config, zone, corpus):
    res = Result(config.name)
    t0 = time.monotonic()
    workdir = args.work
    ours_conf = config.materialize(workdir)
    ref = config.directives.get('engine-config')
    if ref:
        engine_conf = Config(os.path.join(HERE, 'configs', ref)).materialize(
            workdir, config.name + '.engine')
    else:
        engine_conf = ours_conf
    if args.self_test:
        ours_conf = engine_conf
    only = config.directives.get('ours-only')
    if only is not None:
        return run_ours_only(args, config, only, ours_conf, corpus, res, t0)

    reqs = [r for r in corpus if config.timeouts() or 'timeout' not in r.tags]
    wait = config.answer_timeout()
    logs = os.path.join(workdir, 'logs')
    eng = Daemon('spf-engine', engine_argv(args, engine_conf),
                 os.path.join(logs, config.name + '.engine.stderr'))
    ours = Daemon('ours', ours_argv(args, ours_conf),
                  os.path.join(logs, config.name + '.ours.stderr'))
    answers = []
    try:
        for req in reqs:
            if max(eng.silences, ours.silences) >= MAX_SILENCES:
                why = 'not sent: a daemon stayed silent %d times' % MAX_SILENCES
                answers.append((req, None, None, why, why))
                continue
            data = req.wire()
            ok_e = eng.send(data)
            ok_o = ours.send(data)
            e, eerr = eng.answer(wait) if ok_e else (None, 'stdin closed')
            o, oerr = ours.answer(wait) if ok_o else (None, 'stdin closed')
            answers.append((req, e, o, eerr, oerr))
    finally:
        eng.stop()
        ours.stop()
    with open(os.path.join(workdir, 'answers', config.name + '.txt'), 'w',
              encoding='utf-8') as f:
        for req, e, o, eerr, oerr in answers:
            f.write('%s\t%s\t%r\t%r\n' % (req.key, req.describe(),
                                            e if e is not None else eerr,
                                            o if o is not None else oerr))
    engine_answers = {req.key: e for req, e, _, _, _ in answers}
    ctx = Context(config, zone, engine_answers)
    for req, e, o, eerr, oerr in answers:
        res.requests += 1
        status, rules = classify(ctx, req, e, o)
        if status == 'identical':
            res.identical += 1
        elif status == 'allowed':
            res.allowed += 1
            for r in rules:
                res.rules[r] = res.rules.get(r, 0) + 1
        else:
            res.fail(failure_text(config.name, req, e, o, eerr, oerr))
    res.engine_busy, res.ours_busy = eng.busy, ours.busy
    if eng.restarts or ours.restarts:
        res.note = 'restarts: spf-engine %d, ours %d' % (eng.restarts, ours.restarts)
    res.seconds = time.monotonic() - t0
    return res


def run_ours_only(args, config, expect, conf, corpus, res, t0):
    """A configuration spf-engine cannot answer: ours alone, fixed answer."""
    res.check_rule = 'd9-mock-answered'
    if args.self_test:
        res.note = 'skipped in self-test (spf-engine cannot answer it)'
        return res
    ours = Daemon('ours', ours_argv(args, conf),
                  os.path.join(args.work, 'logs', config.name + '.ours.stderr'))
    try:
        for req in corpus[:40]:
            res.checks += 1
            o, oerr = ours.answer(config.answer_timeout()) if ours.send(req.wire()) \
                else (None, 'stdin closed')
            if o != expect:
                res.fail(failure_text(config.name, req, expect, o, None, oerr)
                         .replace('spf-engine:', 'expected:  '))
    finally:
        ours.stop()
    res.ours_busy = ours.busy
    res.seconds = time.monotonic() - t0
    return res


def run_crashes(args, zone):
    """Malformed requests (deliberate difference 8): ours answers dunno and
    goes on; the probe after each is compared with spf-engine's answer."""
    res = Result('malformed-requests')
    res.check_rule = 'd8-malformed-request'
    t0 = time.monotonic()
    if args.self_test:
        res.note = 'skipped in self-test (spf-engine dies on these)'
        return res
    config = Config(os.path.join(HERE, 'configs', 'default.conf'))
    conf = config.materialize(args.work, 'malformed-requests')
    logs = os.path.join(args.work, 'logs')
    eng = Daemon('spf-engine', engine_argv(args, conf),
                 os.path.join(logs, 'malformed-requests.engine.stderr'))
    ours = Daemon('ours', ours_argv(args, conf),
                  os.path.join(logs, 'malformed-requests.ours.stderr'))
    wait = config.answer_timeout()
    ctx = Context(config, zone, {})
    give_up = False
    try:
        for bad, probe in build_crash_corpus():
            res.checks += 1
            ok = ours.send(bad.wire()) and ours.send(probe.wire())
            eng.send(probe.wire())
            e, eerr = eng.answer(wait)
            extra, o, oerr = [], None, None if ok else 'stdin closed'
            while ok and not give_up:
                text, oerr = ours.answer(MALFORMED_WAIT)
                give_up = ours.silences >= MAX_SILENCES
                if text is None:
                    break
                if 'probe-' in text:
                    o = text
                    break
                extra.append(text)
            if not extra or any(x != 'action=dunno' for x in extra):
                res.fail('FAIL malformed request (%s): %s\n  expected: '
                         "'action=dunno'\n  ours:     %s" % (
                             bad.what, bad.wire().decode(errors='replace')
                             .replace('\n', '\\n')[:300],
                             repr(extra) if extra else oerr))
            res.requests += 1
            status, rules = classify(ctx, probe, e, o)
            if status == 'identical':
                res.identical += 1
            elif status == 'allowed':
                res.allowed += 1
                for r in rules:
                    res.rules[r] = res.rules.get(r, 0) + 1
            else:
                res.fail(failure_text('malformed-requests (probe after %s)'
                                      % bad.what, probe, e, o, eerr, oerr))
    finally:
        eng.stop()
        ours.stop()
    res.engine_busy, res.ours_busy = eng.busy, ours.busy
    res.seconds = time.monotonic() - t0
    return res


# --------------------------------------------------------------------------
# Unit checks of the rules (run before every comparison)
# --------------------------------------------------------------------------
def check_rules(zone):
    """Each rule accepts the difference it documents and nothing else."""
    failures = []

    def conf(lines):
        c = Config.__new__(Config)
        c.name, c.path, c.directives = 'unit', '', {}
        c.text = '\n'.join(lines)
        c.engine, c.strict = {}, {}
        for line in lines:
            parts = [p.strip() for p in line.split('=')]
            if len(parts) == 2:
                c.engine[parts[0]] = parts[1]
            name, value = line.split('=', 1)
            c.strict[name.strip()] = value.strip()
        return c

    def expect(cfg, req, e, o, want, answers=None):
        got = classify(Context(cfg, zone, answers or {}), req, e, o)
        if (got[0], got[1]) != want:
            failures.append('rule check: %s vs %s: got %s, want %s'
                            % (e, o, got, want))

    b = CorpusBuilder()
    plain = b.add(BAD4, HELO_NONE, 'user@fail.example')
    default = conf([])
    url = 'http://www.openspf.net/Why?s=mfrom;id=user@x.example;ip=%s;r=rcpt.example' % BAD4
    perm_e = ('action=550 5.7.24 Message rejected due to: SPF Permanent Error: '
              'Unknown mechanism found: foo:bar. Please see ' + url)
    perm_o = ('action=550 5.7.24 Message rejected due to: SPF Permanent Error: '
              'unknown mechanism "foo:bar". Please see ' + url)
    expect(default, plain, perm_e, perm_e, ('identical', []))
    expect(default, plain, perm_e, perm_o, ('allowed', [RULE_D7]))
    expect(default, plain, perm_e, perm_o.replace('550 5.7.24', '550 5.7.23'),
           ('failed', []))
    hdr_e = ('action=prepend Received-SPF: Temperror (SPF Temporary Error: DNS Timeout) '
             'identity=helo; client-ip=%s; helo=slow.example; envelope-from=<>; '
             'receiver=rcpt.example ' % BAD4)
    hdr_o = hdr_e.replace('DNS Timeout', 'lookup of slow.example TXT timed out')
    expect(default, plain, hdr_e, hdr_o, ('allowed', [RULE_D7]))
    expect(default, plain, hdr_e, hdr_o.replace('helo=slow', 'helo=fast'), ('failed', []))

    # d6: only for requests touching the SERVFAIL zone
    sf = b.add(BAD4, HELO_NONE, 'user@servfail.example', tags=('servfail',))
    none_e = ('action=prepend Received-SPF: None (mailfrom) identity=mailfrom; '
              'client-ip=%s; helo=%s; envelope-from=user@servfail.example; '
              'receiver=rcpt.example ' % (BAD4, HELO_NONE))
    temp_o = none_e.replace('None (mailfrom)', 'Temperror (mailfrom)')
    expect(default, sf, none_e, temp_o, ('allowed', ['d6-dns-server-failure']))
    expect(default, plain, none_e, temp_o, ('failed', []))
    expect(default, sf, none_e, none_e.replace('None', 'Fail'), ('failed', []))

    # d14: only for the void-mx requests, only ours' per-term result
    vm_good = b.add(GOOD6, HELO_NONE, 'user@void-mx.example', tags=('void-mx',))
    vm_bad = b.add(BAD6, HELO_NONE, 'user@void-mx.example', tags=('void-mx',))
    vm_v4 = b.add(BAD4, HELO_NONE, 'user@void-mx.example', tags=('void-mx',))
    vm_hdr = ('action=prepend Received-SPF: %s (mailfrom) identity=mailfrom; '
              'client-ip=%s; helo=%s; envelope-from=user@void-mx.example; '
              'receiver=rcpt.example ')
    vm_url = ('http://www.openspf.net/Why?s=mfrom;id=user@void-mx.example;ip=%s;'
              'r=rcpt.example' % BAD6)
    vm_fail = ('action=550 5.7.23 Message rejected due to: SPF fail - not '
               'authorized. Please see ' + vm_url)
    vm_perm = vm_hdr % ('Permerror', BAD6, HELO_NONE)
    d14 = ('allowed', ['d14-void-per-term'])
    expect(default, vm_good, vm_hdr % ('Permerror', GOOD6, HELO_NONE),
           vm_hdr % ('Pass', GOOD6, HELO_NONE), d14)
    expect(default, vm_good, vm_hdr % ('Permerror', GOOD6, HELO_NONE),
           vm_hdr % ('Fail', GOOD6, HELO_NONE), ('failed', []))
    expect(default, vm_bad, vm_perm, vm_fail, d14)
    expect(default, vm_bad, vm_perm, vm_hdr % ('Pass', BAD6, HELO_NONE), ('failed', []))
    expect(default, vm_bad, vm_perm, vm_hdr % ('Temperror', BAD6, HELO_NONE),
           ('failed', []))
    # IPv4: every host has an A record, spf-engine has no void lookup to count
    expect(default, vm_v4, vm_hdr % ('Permerror', BAD4, HELO_NONE),
           vm_fail.replace(BAD6, BAD4), ('failed', []))
    expect(default, plain, vm_perm, vm_fail, ('failed', []))
    quiet = conf(['Header_Type = None'])
    expect(quiet, vm_bad, 'action=dunno', vm_fail, d14)
    expect(default, vm_bad, 'action=dunno', vm_fail, ('failed', []))
    both = conf(['HELO_pass_restriction = hp', 'Mail_From_pass_restriction = mp'])
    expect(both, vm_good, 'action=hp', 'action=mp', d14)
    expect(both, vm_bad, 'action=hp', 'action=mp', ('failed', []))

    # d10
    hpr = conf(['HELO_pass_restriction = helo_passed'])
    expect(hpr, plain, 'action=None', 'action=helo_passed',
           ('allowed', ['d10-helo-pass-restriction']))
    expect(hpr, plain, 'action=None', 'action=other', ('failed', []))
    expect(default, plain, 'action=None', 'action=helo_passed', ('failed', []))

    # d5
    r_e = 'action=550 5.7.23 Message rejected due to: Refused at [unknown] for a@b. Please see x'
    expect(default, plain, r_e, r_e.replace('[unknown]', '[mx.rcpt.example]'),
           ('allowed', ['d5-receiver-macro']))
    expect(default, plain, r_e, r_e.replace('[unknown]', '[mx.rcpt.example]')
           .replace('a@b', 'c@d'), ('failed', []))

    # d2
    eq = conf(['Reason_Message = {rejectdefer} ({spf}) see {url}&lang=en'])
    fail_e = ('action=550 5.7.23 Message rejected due to: SPF fail - not authorized. '
              'Please see ' + url)
    fail_o = 'action=550 5.7.23 rejected (SPF fail - not authorized) see %s&lang=en' % url
    expect(eq, plain, fail_e, fail_o, ('allowed', ['d2-strict-config']))
    expect(default, plain, fail_e, fail_o, ('failed', []))
    expect(eq, plain, fail_e, fail_o.replace('rejected (', 'deferred ('), ('failed', []))

    # d12: trailing dot, compared with the twin without the dot
    twin = b.add(BAD4, 'fail.example', '')
    dotted = b.add(BAD4, 'fail.example.', '', tags=('trailing-dot',), twin=twin.key)
    twin_e = ('action=550 5.7.23 Message rejected due to: SPF fail - not authorized. '
              'Please see http://www.openspf.net/Why?s=helo;id=fail.example;ip=%s;'
              'r=rcpt.example' % BAD4)
    none_helo = ('action=prepend Received-SPF: None (no SPF record) identity=helo; '
                 'client-ip=%s; helo=fail.example.; envelope-from=<>; '
                 'receiver=rcpt.example ' % BAD4)
    expect(default, dotted, none_helo, twin_e.replace('id=fail.example;', 'id=fail.example.;'),
           ('allowed', ['d12-trailing-dot']), {twin.key: twin_e})
    expect(default, dotted, none_helo, twin_e, ('allowed', ['d12-trailing-dot']),
           {twin.key: twin_e})
    expect(default, dotted, none_helo, twin_e.replace('5.7.23', '5.7.24'), ('failed', []),
           {twin.key: twin_e})

    # d12: exp text not truncated
    longreq = b.add(BAD4, HELO_NONE, 'user@exp-long.example', tags=('long-exp',))
    full = 'Mail from 203.0.113.66 was refused. The domain x publishes'
    expect(default, longreq, 'action=550 5.7.23 Message rejected due to: '
           + full[full.index('.') + 1:] + '. Please see u',
           'action=550 5.7.23 Message rejected due to: ' + full + '. Please see u',
           ('allowed', ['d12-exp-not-truncated']))
    expect(default, longreq, 'action=550 5.7.23 Message rejected due to: '
           + full[full.index('.') + 1:] + '. Please see u',
           'action=550 5.7.23 Message rejected due to: '
           + full.replace('refused', 'accepted') + '. Please see u',
           ('failed', []))

    # d1: sanitized exp text
    tab = b.add(BAD4, HELO_NONE, 'user@exp-tab.example', tags=('outside-text',),
                d1=r'Not.{0,4}allowed from [0-9a-f.:]+|SPF fail - not authorized')
    tab_e = ('action=550 5.7.23 Message rejected due to: Not\tallowed from %s. '
             'Please see u' % BAD4)
    expect(default, tab, tab_e, tab_e.replace('\t', ' '), ('allowed', ['d1-sanitized-text']))
    expect(default, tab, tab_e, tab_e.replace('Not\tallowed from %s' % BAD4,
                                              'SPF fail - not authorized'),
           ('allowed', ['d1-sanitized-text']))
    expect(default, tab, tab_e, tab_e.replace('Not\tallowed', 'Go ahead'), ('failed', []))
    expect(default, plain, tab_e, tab_e.replace('\t', ' '), ('failed', []))

    # d3: PTR whitelist by the ptr mechanism's rules (zone data)
    ptrc = conf(['Domain_Whitelist_PTR = trusted.example'])
    wl = ('action=prepend X-Comment: SPF skipped for PTR whitelisted relay domain - '
          'client-ip=198.51.100.41; helo=h; envelope-from=user@fail.example; '
          'receiver=rcpt.example ')
    rej = 'action=550 5.7.23 Message rejected due to: SPF fail - not authorized. Please see u'
    untrusted = b.add('198.51.100.41', HELO_NONE, 'user@fail.example')
    confirmed = b.add('198.51.100.40', HELO_NONE, 'user@fail.example')
    expect(ptrc, untrusted, wl, rej, ('allowed', ['d3-ptr-whitelist']))
    expect(ptrc, confirmed, wl, rej, ('failed', []))
    second = b.add('198.51.100.43', HELO_NONE, 'user@fail.example')
    expect(ptrc, second, rej, wl.replace('.41', '.43'), ('allowed', ['d3-ptr-whitelist']))

    # d11: No_Mail and the SPF record
    nm = conf(['No_Mail = True'])
    second_txt = b.add(BAD4, HELO_NONE, 'user@nomail-second.example')
    prep = ('action=prepend Received-SPF: Fail (mailfrom) identity=mailfrom; '
            'client-ip=%s; helo=%s; envelope-from=user@nomail-second.example; '
            'receiver=rcpt.example ' % (BAD4, HELO_NONE))
    expect(nm, second_txt, prep, rej, ('allowed', ['d11-no-mail-spf-record']))
    expect(nm, plain, prep, rej, ('failed', []))
    expect(default, second_txt, prep, rej, ('failed', []))
    return failures


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ours', help='our policyd-spf binary')
    ap.add_argument('--self', dest='self_test', action='store_true',
                    help='compare spf-engine with itself (harness check)')
    ap.add_argument('--engine', default=ENGINE)
    ap.add_argument('--netns', help='network namespace to run the daemons in')
    ap.add_argument('--work', help='scratch directory')
    ap.add_argument('--jobs', type=int, default=4)
    ap.add_argument('--only', help='comma-separated configuration names')
    ap.add_argument('--check-rules', action='store_true')
    ap.add_argument('--dump-corpus', action='store_true')
    ap.add_argument('--perl', action='store_true',
                    help='compare with postfix-policyd-spf-perl under '
                    'etc/perl-compat.conf instead (perlcompat.py)')
    args = ap.parse_args()

    zone = Zone(os.path.join(HERE, 'zone.txt'))
    rule_failures = check_rules(zone)
    if args.check_rules:
        for f in rule_failures:
            print(f)
        print('rule checks: %d failed' % len(rule_failures))
        return 1 if rule_failures else 0
    if args.dump_corpus:
        for req in build_corpus():
            sys.stdout.write('# %s %s\n' % (req.key, ' '.join(sorted(req.tags))))
            sys.stdout.write(req.wire().decode('utf-8'))
        return 0
    if not args.work or not (args.ours or args.self_test):
        ap.error('--work and one of --ours/--self are required')
    if args.ours and not os.access(args.ours, os.X_OK):
        sys.stderr.write('compat: %s is not an executable\n' % args.ours)
        return 2
    args.netns_prefix = ['ip', 'netns', 'exec', args.netns] if args.netns else []
    os.makedirs(os.path.join(args.work, 'logs'), exist_ok=True)
    os.makedirs(os.path.join(args.work, 'answers'), exist_ok=True)
    if args.perl:
        return report_perl(args, zone)

    confdir = os.path.join(HERE, 'configs')
    configs = [Config(os.path.join(confdir, f))
               for f in sorted(os.listdir(confdir)) if f.endswith('.conf')]
    if args.only:
        wanted = set(args.only.split(','))
        configs = [c for c in configs if c.name in wanted]
    corpus_t = build_corpus()

    print('compat: %s against %s, %d configurations, corpus of %d requests'
          % ('spf-engine' if args.self_test else args.ours, args.engine,
             len(configs), len(corpus_t)))
    t0 = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(run_config, args, c, zone, corpus_t) for c in configs]
        if not args.only:
            futs.append(ex.submit(run_crashes, args, zone))
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            sys.stderr.write('compat: %s done (%.1f s)\n' % (r.name, r.seconds))
            results.append(r)
    wall = time.monotonic() - t0
    results.sort(key=lambda r: r.name)

    total = identical = allowed = failed = checks = 0
    rules_total = {}
    eng_busy = ours_busy = 0.0
    for r in results:
        for f in r.failures:
            print(f)
        if r.nfailed > len(r.failures):
            print('... and %d more failures in %s' % (r.nfailed - len(r.failures), r.name))
    for r in results:
        rules = ', '.join('%s: %d' % kv for kv in sorted(r.rules.items()))
        line = 'config %s: %d requests, %d identical, %d allowed differences' % (
            r.name, r.requests, r.identical, r.allowed)
        if rules:
            line += ' (%s)' % rules
        if r.checks:
            line += ', %d checks of ours alone (%s)' % (r.checks, r.check_rule)
        if r.nfailed:
            line += ', %d FAILED' % r.nfailed
        line += ' [%.1f s]' % r.seconds
        if r.note:
            line += ' (%s)' % r.note
        print(line)
        total += r.requests
        identical += r.identical
        allowed += r.allowed
        failed += r.nfailed
        checks += r.checks
        eng_busy += r.engine_busy
        ours_busy += r.ours_busy
        for k, v in r.rules.items():
            rules_total[k] = rules_total.get(k, 0) + v
    print('rules: ' + (', '.join('%s: %d' % kv for kv in sorted(rules_total.items()))
                       or 'none used'))
    print('timing: %.1f s wall with %d jobs; time to answer: spf-engine %.1f s, '
          '%s %.1f s' % (wall, args.jobs, eng_busy,
                         'spf-engine (as ours)' if args.self_test else 'ours',
                         ours_busy))
    if rule_failures:
        for f in rule_failures:
            print(f)
        failed += len(rule_failures)
    print('compat: %d requests compared, %d identical, %d documented differences, '
          '%d failures' % (total, identical, allowed, failed))
    if checks:
        print('compat: %d checks of ours alone (malformed requests, Mock)' % checks)
    print('%d passed, %d failed' % (total + checks - failed, failed))
    return 1 if failed else 0


def report_perl(args, zone):
    import perlcompat
    r = perlcompat.run(args, zone)
    for f in r.failures:
        print(f)
    if r.nfailed > len(r.failures):
        print('... and %d more failures' % (r.nfailed - len(r.failures)))
    print('rules: ' + (', '.join('%s: %d' % kv for kv in sorted(r.rules.items()))
                       or 'none used'))
    print('perl-compat: %d requests compared, %d decided the same, %d documented '
          'differences, %d failures [%.1f s]' % (r.requests, r.identical,
                                                 r.allowed, r.nfailed, r.seconds))
    print('%d passed, %d failed' % (r.requests - r.nfailed, r.nfailed))
    return 1 if r.nfailed else 0


if __name__ == '__main__':
    sys.exit(main())
