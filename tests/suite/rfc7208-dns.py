#!/usr/bin/env python3
# rfc7208-dns.py - the openspf RFC 7208 conformance suite through real DNS.
#
# What it is for: the same suite as the in-process runner (rfc7208.c), but
# every lookup goes over the network through the c-ares resolver of
# spfcheck.  For each YAML document of tests/rfc7208-tests.yml an unbound
# is started on 127.0.0.1 at a free port, serving exactly that document's
# zonedata as local-data (everything else is NXDOMAIN or NODATA), and every
# test of the document runs as
#   spfcheck --ip HOST --sender MAILFROM --helo HELO --dns 127.0.0.1:PORT
#            --timeout 2 --default-exp DEFAULT --json
# A test passes when the result is one of the allowed results and, when the
# test gives an explanation, the explanation equals it exactly.
#
# The zonedata is read as the suite's reference driver (pyspf's testspf.py)
# reads it: an SPF entry is also served as TXT unless the name has a TXT
# entry of its own (`TXT: NONE` counts as one and adds no record); SPF
# entries are served as type SPF too.  "\xNN" escapes in the YAML are raw
# bytes: PyYAML decodes them into code points U+0080..U+00FF, which are
# turned back into single bytes; a TXT record of no strings at all
# (`SPF: [ ]`) is written in RFC 3597 form, `\# 0`.  A TIMEOUT name
# becomes `local-zone: NAME deny`: unbound answers the name's local data
# and silently drops every other query for it, so the client really times
# out.  A deny zone covers the names below it too, so each zonedata name
# below a TIMEOUT name gets a static zone of its own; a name below a
# TIMEOUT name that is not in the zonedata times out here where the
# reference driver says NXDOMAIN (no test of the suite depends on such a
# lookup).
#
# An RRset holds no two equal records (RFC 2181 §5), so a record listed
# twice is served once (the suite's multispf1 allows for that).  Before the
# tests of a document run, what unbound serves is read back (TXT strings
# byte for byte, other types by count) and compared with what was meant,
# so an escaping mistake in the generated configuration is a failure, not a
# silent change of the test.  Zone data no DNS server can hold (an empty or
# over-long label, a string over 255 bytes, a CNAME beside other data)
# makes the document's tests "skipped (reason)": reported, not counted as
# passed.
#
# Usage: rfc7208-dns.py SPFCHECK [YAML] [--test NAME] [--unbound PATH] [-v]
# How it fails: one line per failing test (name, got/expected, problem),
# then "rfc7208-dns: PASSED/TOTAL (S skipped)" and "N passed, M failed";
# exit status 1 on any failure, 2 when unbound or the input is missing.

import argparse
import concurrent.futures
import json
import os
import random
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import yaml

# A DNS label holds at most 63 bytes, a name 253 in text form, a
# character-string 255 bytes (RFC 1035 §2.3.4, §3.3).
LABEL_MAX = 63
NAME_MAX = 253
TXT_STRING_MAX = 255
# spfcheck's total DNS budget per check; tests that expect a time-out take
# this long.
CHECK_TIMEOUT = 2
# A hung spfcheck is killed after this many seconds (a failure).
PROCESS_TIMEOUT = 60
# unbound must answer within this many seconds of being started.
START_TIMEOUT = 15.0
# How many times a new port is tried when unbound cannot bind.
START_ATTEMPTS = 5
# spfcheck processes run at once.
WORKERS = 8

RR_TYPES = {'A': 1, 'CNAME': 5, 'PTR': 12, 'MX': 15, 'TXT': 16, 'AAAA': 28,
            'SPF': 99}


class Unrepresentable(Exception):
    """Zone data unbound's local-data cannot serve faithfully."""


# ---- Zone data --------------------------------------------------------

def yaml_bytes(s):
    """The raw bytes a YAML string of the suite stands for: code points
    up to U+00FF are single bytes, others stay UTF-8."""
    out = bytearray()
    for ch in s:
        cp = ord(ch)
        if cp <= 0xFF:
            out.append(cp)
        else:
            out += ch.encode('utf-8')
    return bytes(out)


def txt_strings(v):
    """The character-strings of a TXT/SPF value: one for a scalar, a list
    for a sequence (possibly empty)."""
    if isinstance(v, list):
        return [yaml_bytes(str(s)) for s in v]
    return [yaml_bytes(str(v))]


def check_name(name):
    """Raise Unrepresentable when no DNS name can be this owner/target."""
    text = name[:-1] if name.endswith('.') else name
    if text == '':
        return
    if len(yaml_bytes(text)) > NAME_MAX:
        raise Unrepresentable('name longer than %d bytes: %s'
                              % (NAME_MAX, name))
    for label in text.split('.'):
        if label == '':
            raise Unrepresentable('empty label in %r' % name)
        if len(yaml_bytes(label)) > LABEL_MAX:
            raise Unrepresentable('label longer than %d bytes in %s'
                                  % (LABEL_MAX, name))


def name_text(name):
    """A name in zone-file form with a trailing dot: \\DDD for every byte
    outside the letters, digits and the few punctuation marks that need no
    quoting (a space, for one, is legal in a DNS label)."""
    safe = set(b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
               b'0123456789-_.%+=/:')
    return ''.join(chr(b) if b in safe else '\\%03d' % b
                   for b in yaml_bytes(fqdn(name)))


def load_zone(zonedata):
    """Turn a document's zonedata into {lname: entry}, where entry has
    'name', 'rrs' (list of (type, value)), 'txt' (list of TXT records,
    each a list of byte strings) and 'timeout'."""
    zone = {}
    for name, entries in (zonedata or {}).items():
        name = str(name)
        e = zone.setdefault(name.lower().rstrip('.'),
                            {'name': name.rstrip('.'), 'rrs': [],
                             'txt': [], 'timeout': False})
        has_txt = any(isinstance(m, dict) and 'TXT' in m
                      for m in entries or [])
        for m in entries or []:
            if m == 'TIMEOUT':
                e['timeout'] = True
                continue
            if not isinstance(m, dict):
                raise Unrepresentable('entry %r of %s' % (m, name))
            for t, v in m.items():
                if v == 'NONE':
                    continue
                if t == 'SPF':
                    e['rrs'].append(('SPF', txt_strings(v)))
                    if not has_txt:
                        e['txt'].append(txt_strings(v))
                elif t == 'TXT':
                    e['txt'].append(txt_strings(v))
                elif t in ('A', 'AAAA', 'PTR', 'CNAME'):
                    e['rrs'].append((t, str(v)))
                elif t == 'MX':
                    if not isinstance(v, list) or len(v) != 2:
                        raise Unrepresentable('MX %r of %s' % (v, name))
                    e['rrs'].append(('MX', (int(v[0]), str(v[1]))))
                else:
                    raise Unrepresentable('record type %s of %s'
                                          % (t, name))
    return zone


def fqdn(name):
    return name if name.endswith('.') else name + '.'


def quote_string(b):
    """A character-string in zone-file form: quoted, with \\DDD for every
    byte outside printable ASCII and for the bytes the configuration or
    zone-file syntax gives a meaning to."""
    out = ['"']
    for byte in b:
        if byte < 0x20 or byte > 0x7E or chr(byte) in '"\\\'#;':
            out.append('\\%03d' % byte)
        else:
            out.append(chr(byte))
    out.append('"')
    return ''.join(out)


def txt_rdata(strings):
    for s in strings:
        if len(s) > TXT_STRING_MAX:
            raise Unrepresentable('TXT string of %d bytes' % len(s))
    if not strings:
        return '\\# 0'  # RFC 3597 form: a record with no strings at all
    return ' '.join(quote_string(s) for s in strings)


def under(name, parent):
    return name != parent and name.endswith('.' + parent)


def unbound_config(zone, port, tmp):
    """The unbound.conf text serving zone on 127.0.0.1@port."""
    lines = [
        'server:',
        '  interface: 127.0.0.1@%d' % port,
        '  port: %d' % port,
        '  do-daemonize: no',
        '  username: ""',
        '  chroot: ""',
        '  directory: "%s"' % tmp,
        '  pidfile: "%s"' % os.path.join(tmp, 'unbound.pid'),
        '  use-syslog: no',
        '  logfile: ""',
        '  verbosity: 1',
        '  num-threads: 1',
        '  do-ip4: yes',
        '  do-ip6: no',
        '  do-udp: yes',
        '  do-tcp: yes',
        '  module-config: "iterator"',
        '  access-control: 127.0.0.0/8 allow',
        '  local-zone: "." static',
    ]
    timeouts = [k for k, e in zone.items() if e['timeout']]
    data = []
    for lname, e in zone.items():
        check_name(e['name'])
        owner = name_text(e['name'])
        if e['timeout']:
            lines.append('  local-zone: "%s" deny' % owner)
        elif any(under(lname, t) for t in timeouts):
            lines.append('  local-zone: "%s" static' % owner)
        types = [t for t, _ in e['rrs']] + ['TXT'] * len(e['txt'])
        if 'CNAME' in types and len(types) > 1:
            raise Unrepresentable('CNAME beside other data at %s'
                                  % e['name'])
        rrs = []
        for t, v in e['rrs']:
            if t == 'SPF':
                rdata = txt_rdata(v)
            elif t == 'MX':
                check_name(v[1])
                rdata = '%d %s' % (v[0], name_text(v[1]))
            elif t in ('PTR', 'CNAME'):
                check_name(v)
                rdata = name_text(v)
            else:
                rdata = v
            rrs.append((t, rdata))
        rrs += [('TXT', txt_rdata(strings)) for strings in e['txt']]
        # An RRset holds no two equal records (RFC 2181 §5): DNS serves
        # each once, whatever the zonedata lists.
        for t, rdata in dict.fromkeys(rrs):
            data.append("  local-data: '%s 300 IN %s %s'" % (owner, t, rdata))
    return '\n'.join(lines + data) + '\n'


# ---- A minimal DNS client (no dig needed) ------------------------------

def encode_name(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            b = yaml_bytes(label)
            out += bytes([len(b)]) + b
    return out + b'\0'


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def dns_query(port, name, rrtype, timeout=0.5):
    """Send one UDP query; the reply as (rcode, [(type, rdata)]) or None
    when nothing came back in time."""
    qid = random.randrange(65536)
    pkt = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0) + \
        encode_name(name) + struct.pack('>HH', RR_TYPES[rrtype], 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(pkt, ('127.0.0.1', port))
            while True:
                msg, _ = s.recvfrom(65535)
                if len(msg) >= 12 and struct.unpack('>H', msg[:2])[0] == qid:
                    break
        except (socket.timeout, ConnectionRefusedError):
            return None
    flags, qd, an = struct.unpack('>HHH', msg[2:8])
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    rrs = []
    for _ in range(an):
        off = skip_name(msg, off)
        t, _cls, _ttl, rdlen = struct.unpack('>HHIH', msg[off:off + 10])
        off += 10
        rrs.append((t, msg[off:off + rdlen]))
        off += rdlen
    return flags & 0xF, rrs


def txt_from_rdata(rdata):
    strings, off = [], 0
    while off < len(rdata):
        n = rdata[off]
        strings.append(rdata[off + 1:off + 1 + n])
        off += 1 + n
    return strings


def verify_zone(zone, port):
    """Read back what unbound serves for every name and type of the zone:
    the TXT strings byte for byte, the other types by count.  A list of
    problems (an escaping mistake in the configuration shows up here)."""
    problems = []
    for e in zone.values():
        want = {}
        for t, v in e['rrs']:
            want.setdefault(t, set()).add(repr(v))
        for strings in e['txt']:
            want.setdefault('TXT', set()).add(repr(strings))
        for t, values in want.items():
            r = dns_query(port, e['name'], t, timeout=2.0)
            if r is None:
                problems.append('no answer for %s %s' % (e['name'], t))
                continue
            got = [d for rt, d in r[1] if rt == RR_TYPES[t]]
            if t == 'TXT':
                served = sorted(txt_from_rdata(d) for d in got)
                meant = sorted(set(tuple(x) for x in e['txt']))
                ok = [tuple(x) for x in served] == meant
            else:
                served, meant = len(got), len(values)
                ok = served == meant
            if not ok:
                problems.append('%s %s served as %r, meant %r'
                                % (e['name'], t, served, meant))
    return problems


# ---- unbound ----------------------------------------------------------

def free_port():
    """A port free for UDP and TCP on 127.0.0.1 (at the time of asking)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(('127.0.0.1', 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(('127.0.0.1', port))
                except OSError:
                    continue
        return port
    raise RuntimeError('no free port on 127.0.0.1')


class Unbound:
    """One unbound serving one zone; stop() ends it."""

    def __init__(self, binary, zone, tmp):
        self.proc = None
        self.port = None
        self.log = ''
        last = ''
        for _ in range(START_ATTEMPTS):
            port = free_port()
            conf = os.path.join(tmp, 'unbound.conf')
            with open(conf, 'w') as f:
                f.write(unbound_config(zone, port, tmp))
            logpath = os.path.join(tmp, 'unbound.log')
            with open(logpath, 'w') as logf:
                proc = subprocess.Popen([binary, '-d', '-c', conf],
                                        stdin=subprocess.DEVNULL,
                                        stdout=logf, stderr=logf)
            if self._wait_ready(proc, port):
                self.proc, self.port = proc, port
                return
            self._end(proc)
            with open(logpath, errors='replace') as f:
                last = f.read().strip()
            if 'bind' not in last and 'address already in use' not in last:
                break  # not a port clash: trying again will not help
        raise RuntimeError('unbound did not start: %s' % (last or '?'))

    @staticmethod
    def _wait_ready(proc, port):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if dns_query(port, 'ready.invalid', 'A', timeout=0.2):
                return True
            time.sleep(0.05)
        return False

    @staticmethod
    def _end(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self):
        if self.proc:
            self._end(self.proc)
            self.proc = None


# ---- Running ----------------------------------------------------------

def show(s):
    return json.dumps(s, ensure_ascii=True)


def allowed_results(t):
    r = t.get('result')
    return [str(x) for x in r] if isinstance(r, list) else [str(r)]


def run_test(spfcheck, port, t, verbose):
    """Run one test; (ok, message).  verbose adds the command line, its
    standard error and the evaluation trace to the message."""
    cmd = [spfcheck, '--ip', str(t.get('host', '')),
           '--sender', str(t.get('mailfrom', '') or ''),
           '--helo', str(t.get('helo', '') or ''),
           '--dns', '127.0.0.1:%d' % port,
           '--timeout', str(CHECK_TIMEOUT),
           '--default-exp', 'DEFAULT', '--json']
    if verbose:
        cmd.append('--trace')
    want = allowed_results(t)
    wexp = t.get('explanation')
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, 'spfcheck did not finish in %ds' % PROCESS_TIMEOUT
    out = p.stdout.decode('utf-8', 'surrogateescape')
    err = p.stderr.decode('utf-8', 'replace').strip()
    detail = ''
    if verbose:
        detail = '\n  $ %s\n  exit %d, stderr: %s' % (
            shlex.join(cmd), p.returncode, show(err))
    if p.returncode != 0:
        return False, 'spfcheck exit %d: %s%s' % (p.returncode, err, detail)
    try:
        obj = json.loads(out)
    except ValueError:
        return False, 'spfcheck printed no JSON object: %s%s' % (
            show(out[:200]), detail)
    got = str(obj.get('result', ''))
    exp = obj.get('explanation', '') or ''
    ok = got in want and (wexp is None or exp == str(wexp))
    msg = 'got %s' % got
    if exp or wexp is not None:
        msg += ' explanation %s' % show(exp)
    msg += ', expected %s' % '|'.join(want)
    if wexp is not None:
        msg += ' explanation %s' % show(str(wexp))
    msg += '; problem %s' % show(obj.get('problem', ''))
    if verbose:
        detail += ''.join('\n  | %s' % line
                          for line in obj.get('trace') or [])
    return ok, msg + detail


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description='The RFC 7208 suite through unbound and spfcheck.')
    ap.add_argument('spfcheck')
    ap.add_argument('yaml', nargs='?',
                    default=os.path.join(here, '..', 'rfc7208-tests.yml'))
    ap.add_argument('--test', help='run only this test, verbosely')
    ap.add_argument('--unbound', help='the unbound binary')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    verbose = args.verbose or bool(args.test)

    binary = args.unbound or shutil.which('unbound') or \
        next((p for p in ('/usr/sbin/unbound', '/usr/local/sbin/unbound')
              if os.access(p, os.X_OK)), None)
    if not binary or not os.access(binary, os.X_OK):
        print('rfc7208-dns: unbound not found (Debian package: unbound)')
        print('0 passed, 1 failed')
        return 2
    if not os.access(args.spfcheck, os.X_OK):
        print('rfc7208-dns: %s is not an executable' % args.spfcheck)
        return 2
    with open(args.yaml, 'rb') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]

    passed = failed = skipped = total = 0
    matched = False
    for doc in docs:
        scenario = str(doc.get('description', '?'))
        tests = [(str(k), v) for k, v in (doc.get('tests') or {}).items()
                 if not args.test or str(k) == args.test]
        if not tests:
            continue
        matched = True
        total += len(tests)
        try:
            zone = load_zone(doc.get('zonedata'))
            unbound_config(zone, 0, '/nonexistent')  # representable?
        except Unrepresentable as e:
            for tname, _ in tests:
                print('SKIP %s [%s]: skipped (%s)' % (tname, scenario, e))
            skipped += len(tests)
            continue
        with tempfile.TemporaryDirectory(prefix='rfc7208-dns.') as tmp:
            ub = None
            try:
                ub = Unbound(binary, zone, tmp)
                if verbose:
                    with open(os.path.join(tmp, 'unbound.conf')) as f:
                        print('--- unbound.conf for [%s]\n%s---'
                              % (scenario, f.read()))
                problems = verify_zone(zone, ub.port)
                if problems:
                    raise RuntimeError('unbound does not serve the zone '
                                       'as meant: ' + '; '.join(problems))
                with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
                    futs = [ex.submit(run_test, args.spfcheck, ub.port,
                                      t, verbose)
                            for _, t in tests]
                    results = [f.result() for f in futs]
            except RuntimeError as e:
                results = [(False, 'not run: %s' % e)] * len(tests)
            finally:
                if ub:
                    ub.stop()
        for (tname, _), (ok, msg) in zip(tests, results):
            if ok:
                passed += 1
            else:
                failed += 1
            if not ok or verbose:
                print('%s %s [%s]: %s' % ('PASS' if ok else 'FAIL',
                                          tname, scenario, msg))
        sys.stdout.flush()

    if args.test and not matched:
        print('rfc7208-dns: no test named %s' % args.test)
        return 2
    print('rfc7208-dns: %d/%d (%d skipped)' % (passed, total, skipped))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def on_signal(signum, _frame):
    # Turn a termination (e.g. the test harness's time-out) into an
    # exception, so the finally blocks stop unbound.
    raise SystemExit(128 + signum)


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.exit(main())
