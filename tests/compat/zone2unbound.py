#!/usr/bin/python3
"""Turn an spfc zone file into an unbound configuration serving it.

Usage: zone2unbound.py ZONE WORKDIR > unbound.conf

Reads the zone-file format of docs/zone-format.md (one record per line:
NAME [TTL] [IN] TYPE DATA) and prints a complete unbound.conf that answers
those records on 127.0.0.1:53 from local zones, with no recursion:

- every top-level domain of the zone (and in-addr.arpa / ip6.arpa, plus the
  reverse zones unbound serves empty by default, RFC 6303) becomes a
  "static" local zone: names without data answer NXDOMAIN, names with data
  of another type (or empty non-terminals) NODATA; the root is a static zone
  too, so that names outside the zone are NXDOMAIN and nothing recurses;
- EMPTY becomes a dummy HINFO record (the name exists, no SPF-relevant data);
- TIMEOUT becomes a "deny" local zone: queries are dropped, except for the
  types the name has data for (unbound answers local data first). Unlike the
  in-memory zone, this also covers every name below it;
- SERVFAIL becomes a "refuse" local zone: REFUSED answers (a DNS server
  failure, RFC 7208 section 2.6.7), same scope.

Fails with a message on stderr and exit status 1 on the first line it cannot
read; it checks less than spfc's own loader (it trusts the test author).
"""

import ipaddress
import sys

TYPES = ('A', 'AAAA', 'MX', 'PTR', 'CNAME', 'TXT', 'EMPTY', 'TIMEOUT',
         'SERVFAIL')


class ZoneError(Exception):
    pass


def split_fields(line):
    """Split a zone line into fields; quoted strings stay one field
    (returned with their quotes, escapes untouched)."""
    fields = []
    i = 0
    n = len(line)
    while i < n:
        if line[i] in ' \t':
            i += 1
            continue
        start = i
        if line[i] == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == '\\' else 1
            if i >= n:
                raise ZoneError('unterminated string')
            i += 1
        else:
            while i < n and line[i] not in ' \t':
                i += 2 if line[i] == '\\' else 1
        fields.append(line[start:i])
    return fields


def unescape(word):
    """One TXT character-string (quoted or bare) to bytes."""
    if word.startswith('"'):
        word = word[1:-1]
    out = bytearray()
    i = 0
    while i < len(word):
        c = word[i]
        if c != '\\':
            out += c.encode('latin-1')
            i += 1
            continue
        nxt = word[i + 1:i + 2]
        if nxt.isdigit():
            out.append(int(word[i + 1:i + 4]))
            i += 4
        elif nxt == 'x':
            out.append(int(word[i + 2:i + 4], 16))
            i += 4
        elif nxt and not nxt.isalnum():
            out += nxt.encode('latin-1')
            i += 2
        else:
            raise ZoneError('bad escape in ' + word)
    if len(out) > 255:
        raise ZoneError('TXT string longer than 255 bytes')
    return bytes(out)


def txt_for_unbound(chunk):
    """Bytes to an unbound/RFC 1035 quoted string, every byte that could
    confuse the config lexer written as \\DDD."""
    out = ['"']
    for b in chunk:
        if 0x20 <= b < 0x7f and chr(b) not in '"\'\\':
            out.append(chr(b))
        else:
            out.append('\\%03d' % b)
    out.append('"')
    return ''.join(out)


def fqdn(name):
    return name if name.endswith('.') else name + '.'


def parse(text):
    """Return a list of (name, type, data, raw): data ready for unbound, raw
    the parsed value (a list of byte strings for TXT, else data)."""
    records = []
    for lineno, raw in enumerate(text.split('\n'), 1):
        line = raw.rstrip('\r')
        stripped = line.strip(' \t')
        if not stripped or stripped.startswith('#'):
            continue
        try:
            fields = split_fields(line)
            name = fields.pop(0)
            if fields and fields[0].isdigit():
                fields.pop(0)
            if fields and fields[0].upper() == 'IN':
                fields.pop(0)
            if not fields:
                raise ZoneError('missing type')
            rtype = fields.pop(0).upper()
            if rtype not in TYPES:
                raise ZoneError('unknown type "%s"' % rtype)
            if rtype == 'A':
                data = str(ipaddress.IPv4Address(fields[0]))
            elif rtype == 'AAAA':
                data = str(ipaddress.IPv6Address(fields[0]))
            elif rtype == 'MX':
                data = '%d %s' % (int(fields[0]), fqdn(fields[1]))
            elif rtype in ('PTR', 'CNAME'):
                data = fqdn(fields[0])
            elif rtype == 'TXT':
                if not fields:
                    raise ZoneError('TXT without strings')
                raw = [unescape(f) for f in fields]
                data = ' '.join(txt_for_unbound(r) for r in raw)
            else:
                data = None
            if rtype != 'TXT':
                raw = data
            records.append((fqdn(name).lower(), rtype, data, raw))
        except (ZoneError, ValueError, IndexError) as e:
            raise ZoneError('line %d: %s' % (lineno, e))
    return records


def zones_for(records):
    """Static local zones covering every name of the zone."""
    zones = set()
    for name, _, _, _ in records:
        labels = name.rstrip('.').split('.')
        if name.endswith('.in-addr.arpa.'):
            zones.add('in-addr.arpa.')
            # unbound's default (RFC 6303) empty zones for private and
            # documentation ranges would shadow ours: serve the /24 too.
            if len(labels) >= 5:
                zones.add('.'.join(labels[-5:]) + '.')
        elif name.endswith('.ip6.arpa.'):
            zones.add('ip6.arpa.')
            if len(labels) >= 10:
                zones.add('.'.join(labels[-10:]) + '.')
        else:
            zones.add(labels[-1] + '.')
    return sorted(zones)


def unbound_conf(records, workdir):
    lines = [
        '# generated by zone2unbound.py: do not edit',
        'server:',
        '  interface: 127.0.0.1',
        '  port: 53',
        '  do-daemonize: no',
        '  username: ""',
        '  chroot: ""',
        '  directory: "%s"' % workdir,
        '  pidfile: "%s/unbound.pid"' % workdir,
        '  use-syslog: no',
        '  logfile: ""',
        '  verbosity: 1',
        '  log-servfail: yes',
        '  do-ip6: no',
        '  module-config: "iterator"',
        '  access-control: 127.0.0.0/8 allow',
        '  rrset-roundrobin: no',
        '  minimal-responses: yes',
        '  num-threads: 1',
    ]
    # Anything outside the test zones is NXDOMAIN, as the root would answer
    # for an unknown TLD (e.g. a sender domain "bounce" or a HELO
    # "[192.0.2.1]"), instead of a SERVFAIL from a recursion that cannot
    # leave the namespace.
    lines.append('  local-zone: "." static')
    for zone in zones_for(records):
        lines.append('  local-zone: "%s" static' % zone)
    for name, rtype, _, _ in records:
        if rtype == 'TIMEOUT':
            lines.append('  local-zone: "%s" deny' % name)
        elif rtype == 'SERVFAIL':
            lines.append('  local-zone: "%s" refuse' % name)
    for name, rtype, data, _ in records:
        if rtype == 'EMPTY':
            lines.append('  local-data: \'%s 3600 IN HINFO "spfc" "empty"\'' % name)
        elif data is not None:
            lines.append("  local-data: '%s 3600 IN %s %s'" % (name, rtype, data))
    return '\n'.join(lines) + '\n'


def main(argv):
    if len(argv) != 3:
        sys.stderr.write('usage: zone2unbound.py ZONE WORKDIR\n')
        return 2
    try:
        with open(argv[1], 'rb') as f:
            text = f.read().decode('latin-1')
        records = parse(text)
    except (OSError, ZoneError) as e:
        sys.stderr.write('zone2unbound: %s: %s\n' % (argv[1], e))
        return 1
    sys.stdout.write(unbound_conf(records, argv[2]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
