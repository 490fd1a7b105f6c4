#!/usr/bin/python3
"""dnsproxy.py - a DNS forwarder that adds a fixed delay to every query.

The benchmark's "slow DNS" workload: this kernel has no netem, so instead
of delaying packets on the wire this proxy sits between the daemons and
nsd and holds each query DELAY ms before passing it on (UDP and TCP, the
answer goes back at once).  It also counts the queries it saw and, with
--log, writes one line per query: "<monotonic seconds> <qname> <qtype>",
which the benchmark reads to count the round trips of one check.

Usage: dnsproxy.py --listen ADDR[:PORT] --upstream ADDR:PORT [--delay-ms MS]
                   [--log FILE] [--stats FILE]
On SIGTERM it writes {"queries": N, "mean_delay_ms": D} to --stats and exits.
Fails (exit 1, a message) when it cannot bind; a query it cannot parse is
forwarded unlogged; an upstream that does not answer leaves the client to
time out, as a real slow server would.
"""
import argparse
import asyncio
import json
import signal
import struct
import sys
import time

QTYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
          28: "AAAA", 99: "SPF", 255: "ANY"}


def qname_of(msg):
    """Question name and type of a DNS message (RFC 1035 4.1.2), or None."""
    try:
        pos, labels = 12, []
        while True:
            n = msg[pos]
            if n == 0:
                pos += 1
                break
            if n & 0xC0:
                return None
            labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        qtype = struct.unpack(">H", msg[pos:pos + 2])[0]
        return ".".join(labels).lower(), QTYPES.get(qtype, str(qtype))
    except (IndexError, struct.error):
        return None


class Stats:
    def __init__(self, log):
        self.queries = 0
        self.delay_sum = 0.0
        self.log = log

    def seen(self, msg):
        self.queries += 1
        if self.log:
            q = qname_of(msg)
            if q:
                self.log.write("%.6f %s %s\n" % (time.monotonic(), q[0], q[1]))


class Upstream(asyncio.DatagramProtocol):
    def __init__(self):
        self.pending = {}
        self.next_id = 0
        self.transport = None
        self.front = None

    def connection_made(self, transport):
        self.transport = transport

    def send(self, msg, client):
        for _ in range(65536):
            self.next_id = (self.next_id + 1) & 0xFFFF
            if self.next_id not in self.pending:
                break
        self.pending[self.next_id] = (client, msg[:2])
        self.transport.sendto(struct.pack(">H", self.next_id) + msg[2:])

    def datagram_received(self, data, addr):
        if len(data) < 12:
            return
        entry = self.pending.pop(struct.unpack(">H", data[:2])[0], None)
        if entry:
            client, orig_id = entry
            self.front.transport.sendto(orig_id + data[2:], client)


class Front(asyncio.DatagramProtocol):
    def __init__(self, upstream, delay, stats):
        self.upstream = upstream
        self.delay = delay
        self.stats = stats
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if len(data) < 12:
            return
        self.stats.seen(data)
        t0 = time.monotonic()
        loop = asyncio.get_running_loop()

        def forward():
            self.stats.delay_sum += time.monotonic() - t0
            self.upstream.send(data, addr)
        if self.delay > 0:
            loop.call_later(self.delay, forward)
        else:
            forward()


async def tcp_client(reader, writer, up_host, up_port, delay, stats):
    try:
        ur, uw = await asyncio.open_connection(up_host, up_port)
    except OSError:
        writer.close()
        return
    try:
        while True:
            hdr = await reader.readexactly(2)
            msg = await reader.readexactly(struct.unpack(">H", hdr)[0])
            stats.seen(msg)
            t0 = time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            stats.delay_sum += time.monotonic() - t0
            uw.write(hdr + msg)
            rh = await ur.readexactly(2)
            ans = await ur.readexactly(struct.unpack(">H", rh)[0])
            writer.write(rh + ans)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        uw.close()
        writer.close()


def split_hostport(s, default_port):
    host, _, port = s.rpartition(":")
    if not host:
        return s, default_port
    return host, int(port)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--delay-ms", type=float, default=2.0)
    ap.add_argument("--log")
    ap.add_argument("--stats")
    a = ap.parse_args()
    host, port = split_hostport(a.listen, 53)
    up_host, up_port = split_hostport(a.upstream, 53)
    delay = a.delay_ms / 1000.0
    log = open(a.log, "w", buffering=1) if a.log else None
    stats = Stats(log)
    loop = asyncio.get_running_loop()
    try:
        upt, up = await loop.create_datagram_endpoint(Upstream,
                                                      remote_addr=(up_host, up_port))
        ft, front = await loop.create_datagram_endpoint(
            lambda: Front(up, delay, stats), local_addr=(host, port))
        up.front = front
        server = await asyncio.start_server(
            lambda r, w: tcp_client(r, w, up_host, up_port, delay, stats), host, port)
    except OSError as e:
        print("dnsproxy: cannot listen on %s:%d: %s" % (host, port, e), file=sys.stderr)
        sys.exit(1)
    done = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, done.set_result, None)
    loop.add_signal_handler(signal.SIGINT, done.set_result, None)
    print("ready", flush=True)
    await done
    server.close()
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump({"queries": stats.queries,
                       "mean_delay_ms": (stats.delay_sum / stats.queries * 1e3)
                       if stats.queries else 0.0}, f)
    if log:
        log.close()


if __name__ == "__main__":
    asyncio.run(main())
