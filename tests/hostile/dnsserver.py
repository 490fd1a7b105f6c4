#!/usr/bin/python3
"""dnsserver.py - a programmable, hostile, authoritative DNS server for tests.

What it is for: the hostile-DNS tests (test-limits.py, test-faults.py,
test-output.py) run spfcheck and policyd-spf against it.  It listens on
127.0.0.1:PORT over UDP and TCP (the same port), answers from a Zone (a
dict of records plus functions that compute records for whole families of
names, e.g. "d%d.deep.example" for any number), and can be told, per name,
to misbehave:

  drop      never answer
  servfail  answer SERVFAIL            refused   answer REFUSED
  nxdomain  answer NXDOMAIN
  garbage   answer junk bytes after a copy of the query's ID
  short     answer 5 junk bytes (less than a DNS header)
  truncate  answer TC=1 with no records over UDP, and over TCP close the
            connection without answering
  badid     answer correctly but with a different message ID
  delay_ms  (with any of the above, or alone) answer after that many ms

It counts every query it receives: Server.log holds one entry per query
(name as received, the raw labels, type, transport), Server.count() sums
them, and the command-line mode writes the log as JSON when it ends.

Wire format is written by hand (stdlib only): queries are parsed with
explicit bounds, answers carry the question, then the records; a name in
an answer is written uncompressed except for an owner equal to the
question name (a pointer to offset 12).  An answer over 512 bytes over UDP
is cut to its header and question with TC=1, as RFC 1035 §4.2.1 says;
the client then asks again over TCP.

Use from Python:
    zone = Zone()
    zone.add("example.com", "TXT", "v=spf1 -all")
    zone.behave("slow.example", delay_ms=900)
    zone.generate(lambda name: ...)      # name -> records, Behave or None
    with Server(zone) as srv:            # srv.port
        ...
        srv.count(name="example.com", qtype="TXT")

Command line (a zone from a JSON file; see main()):
    dnsserver.py [--portfile F] [--log F] ZONE.json

How it fails: Server() raises OSError when it cannot bind a UDP and TCP
port pair; a malformed query is ignored (logged with type None when its
name could be read).  The command line exits 2 on bad usage.
"""
import heapq
import ipaddress
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SPF": 99, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {"noerror": 0, "formerr": 1, "servfail": 2, "nxdomain": 3,
          "notimp": 4, "refused": 5}
ACTIONS = ("drop", "servfail", "refused", "nxdomain", "garbage", "short",
           "truncate", "badid", None)
UDP_MAX = 512          # RFC 1035 §4.2.1: UDP messages without EDNS
HEADER_LEN = 12        # RFC 1035 §4.1.1
TTL = 300


def type_name(t):
    return TYPE_NAMES.get(t, str(t))


class Behave:
    """How to misbehave for a name: action (see ACTIONS), delay_ms, and
    optionally only for some query types (types: set of names)."""

    def __init__(self, action=None, delay_ms=0, types=None):
        if action not in ACTIONS:
            raise ValueError("unknown action %r" % (action,))
        self.action = action
        self.delay_ms = delay_ms
        self.types = set(types) if types else None

    def applies(self, qtype):
        return self.types is None or type_name(qtype) in self.types


def norm(name):
    """A presentation name as the zone's key: lower case, no trailing dot."""
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    return name.rstrip(".").lower()


def encode_name(name):
    """Presentation name -> wire labels.  Bytes are taken literally (a
    label may then hold any byte but '.')."""
    if isinstance(name, str):
        name = name.encode("latin-1")
    name = name.rstrip(b".")
    out = b""
    if name:
        for label in name.split(b"."):
            if not 0 < len(label) < 64:
                raise ValueError("bad label in %r" % name)
            out += bytes([len(label)]) + label
    return out + b"\0"


def txt_rdata(value):
    """TXT rdata: a str/bytes (split into 255-byte strings) or a list of
    strings (each one character-string, split when over 255)."""
    parts = value if isinstance(value, list) else [value]
    out = b""
    for p in parts:
        if isinstance(p, str):
            p = p.encode("latin-1")
        if not p:
            out += b"\0"
        while p:
            out += bytes([len(p[:255])]) + p[:255]
            p = p[255:]
    return out


def rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype == "MX":
        pref, host = value
        return struct.pack(">H", pref) + encode_name(host)
    if rtype in ("PTR", "CNAME", "NS"):
        return encode_name(value)
    if rtype in ("TXT", "SPF"):
        return txt_rdata(value)
    if rtype == "RAW":
        return value
    raise ValueError("unsupported type %s" % rtype)


class Zone:
    """Records by name, behaviours by name, and generators: functions
    name -> None | list of (type, value) | Behave | (Behave, records)."""

    def __init__(self):
        self.records = {}
        self.behaviours = {}
        self.generators = []
        self.lock = threading.Lock()

    def add(self, name, rtype, value):
        with self.lock:
            self.records.setdefault(norm(name), []).append((rtype, value))

    def behave(self, name, action=None, delay_ms=0, types=None):
        with self.lock:
            self.behaviours[norm(name)] = Behave(action, delay_ms, types)

    def generate(self, fn):
        with self.lock:
            self.generators.append(fn)

    def clear(self):
        with self.lock:
            self.records.clear()
            self.behaviours.clear()
            self.generators.clear()

    def lookup(self, name):
        """(behave or None, records) for a normalized name."""
        with self.lock:
            beh = self.behaviours.get(name)
            recs = list(self.records.get(name, []))
            gens = list(self.generators)
        for g in gens:
            got = g(name)
            if got is None:
                continue
            if isinstance(got, Behave):
                beh = beh or got
            elif isinstance(got, tuple):
                beh = beh or got[0]
                recs += got[1]
            else:
                recs += got
        return beh, recs


class Query:
    def __init__(self, qid, flags, labels, qtype, question):
        self.qid = qid
        self.flags = flags
        self.labels = labels
        self.qtype = qtype
        self.question = question
        self.name = norm(b".".join(labels))


def parse_query(data):
    """A Query, or None when the message cannot be read (bounded reads)."""
    if len(data) < HEADER_LEN:
        return None
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    if qd < 1 or flags & 0x8000:
        return None
    pos, labels = HEADER_LEN, []
    while True:
        if pos >= len(data):
            return None
        n = data[pos]
        if n == 0:
            pos += 1
            break
        if n > 63 or pos + 1 + n > len(data):
            return None
        labels.append(data[pos + 1:pos + 1 + n])
        pos += 1 + n
    if pos + 4 > len(data):
        return None
    qtype = struct.unpack(">H", data[pos:pos + 2])[0]
    return Query(qid, flags, labels, qtype, data[HEADER_LEN:pos + 4])


def build(q, rcode, rrs, tc=False, qid=None):
    """Header + question + answer records (list of (owner, type, rdata))."""
    flags = 0x8000 | (q.flags & 0x7900) | 0x0400 | rcode  # QR, op, AA, RD
    if tc:
        flags |= 0x0200
        rrs = []
    body = b""
    for owner, rtype, rd in rrs:
        o = b"\xc0\x0c" if norm(owner) == q.name else encode_name(owner)
        body += o + struct.pack(">HHIH", TYPES[rtype] if rtype != "RAW" else 16,
                                1, TTL, len(rd)) + rd
    head = struct.pack(">HHHHHH", q.qid if qid is None else qid, flags, 1,
                       len(rrs), 0, 0)
    return head + q.question + body


class Server:
    """The server: threads for UDP and TCP on 127.0.0.1:port."""

    def __init__(self, zone, port=0):
        self.zone = zone
        self.log = []
        self.log_lock = threading.Lock()
        self.tcp_enabled = True
        self._stop = False
        self._timers = []          # heap of (when, seq, data, peer)
        self._seq = 0
        self._timer_lock = threading.Lock()
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", port))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
                if port:
                    raise
        else:
            raise OSError("no free UDP+TCP port pair")
        self.tcp.listen(64)
        self._thread = threading.Thread(target=self._loop, daemon=True)

    # ---- life cycle
    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop = True
        self._thread.join(2)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- counting
    def reset(self):
        with self.log_lock:
            self.log = []

    def entries(self, name=None, qtype=None, transport=None):
        with self.log_lock:
            log = list(self.log)
        out = []
        for e in log:
            if name is not None and e["name"] != norm(name):
                continue
            if qtype is not None and e["type"] != qtype:
                continue
            if transport is not None and e["transport"] != transport:
                continue
            out.append(e)
        return out

    def count(self, name=None, qtype=None, transport="udp"):
        """Queries received (by default over UDP: a TCP retry after a
        truncated answer is the same lookup asked again)."""
        return len(self.entries(name, qtype, transport))

    def names(self, qtype=None, transport=None):
        return [e["name"] for e in self.entries(None, qtype, transport)]

    def dump(self):
        """The log as JSON-able data, with counts by name and type."""
        counts = {}
        with self.log_lock:
            for e in self.log:
                k = "%s/%s/%s" % (e["name"], e["type"], e["transport"])
                counts[k] = counts.get(k, 0) + 1
            return {"queries": list(self.log), "counts": counts}

    # ---- answering
    def _record(self, q, transport):
        with self.log_lock:
            self.log.append({"name": q.name, "type": type_name(q.qtype),
                             "labels": [l.decode("latin-1") for l in q.labels],
                             "wire_len": sum(len(l) + 1 for l in q.labels) + 1,
                             "transport": transport, "time": time.monotonic()})

    def answer(self, q, transport):
        """(bytes or None, delay_ms, close) for a query."""
        beh, recs = self.zone.lookup(q.name)
        if beh is not None and not beh.applies(q.qtype):
            beh = None
        action = beh.action if beh else None
        delay = beh.delay_ms if beh else 0
        if action == "drop":
            return None, delay, False
        if action == "truncate":
            if transport == "tcp":
                return None, delay, True
            return build(q, 0, [], tc=True), delay, False
        if action in ("servfail", "refused", "nxdomain"):
            return build(q, RCODES[action], []), delay, False
        if action == "short":
            return b"\x13\x37\xff\x00\x01", delay, False
        if action == "garbage":
            rnd = random.Random(q.name)
            junk = bytes(rnd.randrange(256) for _ in range(60))
            return struct.pack(">H", q.qid) + b"\x81\x80" + junk, delay, False
        want = type_name(q.qtype)
        match = [(q.name, t, rdata(t, v)) for t, v in recs
                 if t == want or (t == "RAW" and want == "TXT")]
        if not match:
            cn = [(q.name, t, rdata(t, v)) for t, v in recs if t == "CNAME"]
            match = cn[:1]
        rcode = 0 if recs else 3
        msg = build(q, rcode, match,
                    qid=(q.qid ^ 0x5A5A) if action == "badid" else None)
        if transport == "udp" and len(msg) > UDP_MAX:
            msg = build(q, rcode, match, tc=True)
        return msg, delay, False

    def _later(self, delay_ms, data, peer):
        with self._timer_lock:
            self._seq += 1
            heapq.heappush(self._timers,
                           (time.monotonic() + delay_ms / 1000.0, self._seq,
                            data, peer))

    def _loop(self):
        while not self._stop:
            with self._timer_lock:
                wait = 0.05
                if self._timers:
                    wait = max(0.0, min(wait, self._timers[0][0] - time.monotonic()))
            try:
                ready, _, _ = select.select([self.udp, self.tcp], [], [], wait)
            except (OSError, ValueError):
                return
            now = time.monotonic()
            due = []
            with self._timer_lock:
                while self._timers and self._timers[0][0] <= now:
                    due.append(heapq.heappop(self._timers))
            for _, _, data, peer in due:
                try:
                    self.udp.sendto(data, peer)
                except OSError:
                    pass
            if self.udp in ready:
                try:
                    data, peer = self.udp.recvfrom(65535)
                except OSError:
                    continue
                q = parse_query(data)
                if q is None:
                    continue
                self._record(q, "udp")
                msg, delay, _ = self.answer(q, "udp")
                if msg is None:
                    continue
                if delay:
                    self._later(delay, msg, peer)
                else:
                    try:
                        self.udp.sendto(msg, peer)
                    except OSError:
                        pass
            if self.tcp in ready:
                try:
                    conn, _ = self.tcp.accept()
                except OSError:
                    continue
                if not self.tcp_enabled:
                    conn.close()
                    continue
                threading.Thread(target=self._tcp_conn, args=(conn,),
                                 daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(10)
        try:
            while not self._stop:
                head = self._recv_exact(conn, 2)
                if head is None:
                    return
                (n,) = struct.unpack(">H", head)
                data = self._recv_exact(conn, n)
                if data is None:
                    return
                q = parse_query(data)
                if q is None:
                    return
                self._record(q, "tcp")
                msg, delay, close = self.answer(q, "tcp")
                if delay:
                    time.sleep(delay / 1000.0)
                if close:
                    return
                if msg is not None:
                    conn.sendall(struct.pack(">H", len(msg)) + msg)
        except OSError:
            return
        finally:
            conn.close()

    @staticmethod
    def _recv_exact(conn, n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf


def zone_from_json(data):
    """{"records": {name: [[type, value], ...]},
        "behaviour": {name: {"action": ..., "delay_ms": ..., "types": [...]}}}
    (an MX value is [preference, host]; a TXT value a string or a list)."""
    z = Zone()
    for name, recs in data.get("records", {}).items():
        for rtype, value in recs:
            z.add(name, rtype, tuple(value) if rtype == "MX" else value)
    for name, b in data.get("behaviour", {}).items():
        z.behave(name, b.get("action"), b.get("delay_ms", 0), b.get("types"))
    return z


def main(argv):
    portfile = logfile = None
    args = list(argv)
    rest = []
    while args:
        a = args.pop(0)
        if a == "--portfile" and args:
            portfile = args.pop(0)
        elif a == "--log" and args:
            logfile = args.pop(0)
        else:
            rest.append(a)
    if len(rest) != 1:
        print("usage: dnsserver.py [--portfile F] [--log F] ZONE.json",
              file=sys.stderr)
        return 2
    with open(rest[0]) as f:
        zone = zone_from_json(json.load(f))
    srv = Server(zone).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    if portfile:
        with open(portfile + ".tmp", "w") as f:
            f.write("%d\n" % srv.port)
        os.rename(portfile + ".tmp", portfile)
    else:
        print(srv.port, flush=True)
    while not done.wait(0.2):
        pass
    srv.stop()
    out = json.dumps(srv.dump(), indent=1)
    if logfile:
        with open(logfile, "w") as f:
            f.write(out + "\n")
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
