#!/usr/bin/python3
"""bench.py - the spfc benchmark: policyd-spf against spf-engine, the Perl
daemon and a do-nothing ceiling, through real DNS, in one run.

bench/run.sh installs what is missing, builds spfc and runs this; see
bench/README.md for the design.  In short:

  - a network namespace spfc-bench-PID with only lo, and
    /etc/netns/NAME/resolv.conf, so every daemon (the Python and Perl ones
    read /etc/resolv.conf only) asks the DNS servers started in it;
  - nsd on 127.0.0.1:53 serving the generated zone (genzone.py), with a
    zone it cannot load (servfail.bench: nsd answers SERVFAIL there);
  - dnsproxy.py on 127.0.0.2:53, 2 ms per query, for the slow-DNS workload,
    and on 127.0.0.3:53 (2 ms, query log) for the mx round-trip probe;
  - driver.c runs each daemon the way Postfix does (spawn: a process per
    connection on a socketpair; listen: one process, C client connections)
    and measures it; DNS queries are counted by nsd (nsd-control stats).

Writes RESULTS.md, results.png and results.json into --output (bench/ for a
full run), prints the table and one "target ...: PASS/FAIL" line per target.
Exit status 0 when the run completed (targets missed included), 1 when a
run failed, 2 on bad usage.  Cleans up the namespace and its processes on
exit, including SIGINT/SIGTERM.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY_DAEMON = "/usr/bin/policyd-spf"
PERL_DAEMON = "/usr/sbin/postfix-policyd-spf-perl"
SLOW_DELAY_MS = 2.0
FLAT_GROWTH_KB = 256      # same bound as tests/soak/run-soak.py
RSS_LIMIT_KB = 4096       # project target: resident memory <= 4 MiB
FIRST_ANSWER_LIMIT_MS = 5.0
QUICK_OUTPUT = "/tmp/spfc-bench-quick"   # a smoke run does not replace bench/RESULTS.md

DAEMON_LABEL = {
    "ceiling": "ceiling (spawn)",
    "ceiling-listen": "ceiling (listen)",
    "spfc": "spfc (spawn)",
    "spfc-listen": "spfc (listen)",
    "spf-engine": "spf-engine (Python)",
    "perl": "policyd-spf-perl",
}
DAEMON_ORDER = ["ceiling", "ceiling-listen", "spfc", "spfc-listen", "spf-engine", "perl"]

# Requests per run, (full, quick), by daemon class.  Sized so each run takes
# a few seconds; rates are reported, not totals.
COUNTS = {
    "warm": {"fast": (300000, 20000), "spfc": (100000, 8000), "py": (2000, 200),
             "perl": (500, 80)},
    "cold": {"fast": (200000, 20000), "spfc": (50000, 4000), "py": (2000, 200),
             "perl": (500, 80)},
    "multi": {"fast": (200000, 20000), "spfc": (50000, 4000), "py": (2000, 200),
              "perl": (600, 80)},
    "slow": {"fast": (20000, 2000), "spfc": (1000, 100), "py": (300, 40),
             "perl": (150, 30)},
}
# (name, request file, connections, DNS)
WORKLOADS = [
    ("warm C=1", "warm", "warm.req", 1, "fast"),
    ("warm C=8", "warm", "warm.req", 8, "fast"),
    ("cold C=8", "cold", "cold.req", 8, "fast"),
    ("multi-rcpt C=8", "multi", "multi.req", 8, "fast"),
    ("cold 2ms-DNS C=1", "slow", "cold.req", 1, "slow"),
]
DNS_ADDR = {"fast": "127.0.0.1", "slow": "127.0.0.2", "probe": "127.0.0.3",
            "proxy0": "127.0.0.4"}


def log(msg):
    print(msg, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def dns_query(server, name, qtype=16, timeout=1.0):
    """rcode of one UDP query (used to wait until nsd serves the zone)."""
    pkt = struct.pack(">HHHHHH", 4242, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        pkt += bytes([len(label)]) + label.encode()
    pkt += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, (server, 53))
        r = s.recv(4096)
        return r[3] & 15
    except OSError:
        return None
    finally:
        s.close()


class Bench:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.repeat = a.repeat or (1 if a.quick else 5)
        self.ns = "spfc-bench-%d" % os.getpid()
        self.work = tempfile.mkdtemp(prefix="spfc-bench.")
        self.procs = []
        self.netns_made = False
        self.results = []
        self.extra = {}
        self.policyd = os.path.join(a.build, "policyd-spf")
        self.conf = os.path.join(self.work, "policyd-spf.conf")

    # ---- set-up and tear-down ----------------------------------------------
    def nsexec(self, cmd):
        return ["ip", "netns", "exec", self.ns] + cmd

    def compile_tools(self):
        for tool in ("driver", "ceiling", "logsink"):
            sh(["cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Wconversion", "-o",
                os.path.join(self.work, tool), os.path.join(HERE, tool + ".c")])
        self.driver = os.path.join(self.work, "driver")
        self.ceiling = os.path.join(self.work, "ceiling")
        self.logsink = os.path.join(self.work, "logsink")

    def generate(self):
        z = os.path.join(self.work, "zone")
        if self.quick:
            args = ["--cold", "12000", "--warm", "300", "--warm-requests", "25000",
                    "--multi-messages", "5000"]
        else:
            args = ["--cold", "110000", "--warm", "300", "--warm-requests", "110000",
                    "--multi-messages", "15000"]
        t = time.time()
        sh(["/usr/bin/python3", os.path.join(HERE, "genzone.py"), z] + args)
        with open(os.path.join(z, "meta.json")) as f:
            self.meta = json.load(f)
        log("zone: %d records, %d cold + %d warm domains (%.1f s)" % (
            self.meta["zone_records"], self.meta["cold_domains"],
            self.meta["warm_domains"], time.time() - t))
        self.zdir = z

    def set_resolver(self, which):
        with open("/etc/netns/%s/resolv.conf" % self.ns, "w") as f:
            f.write("nameserver %s\n" % DNS_ADDR[which])

    def start(self, cmd, name, stdout=None):
        p = subprocess.Popen(self.nsexec(cmd), stdout=stdout,
                             stderr=open(os.path.join(self.work, name + ".log"), "w"))
        self.procs.append(p)
        return p

    def start_proxy(self, which, delay, logfile=None):
        cmd = ["/usr/bin/python3", os.path.join(HERE, "dnsproxy.py"),
               "--listen", DNS_ADDR[which] + ":53", "--upstream", "127.0.0.1:53",
               "--delay-ms", str(delay),
               "--stats", os.path.join(self.work, "proxy-%s.json" % which)]
        if logfile:
            cmd += ["--log", logfile]
        p = self.start(cmd, "proxy-" + which, stdout=subprocess.PIPE)
        if p.stdout.readline().strip() != b"ready":
            raise RuntimeError("dnsproxy on %s did not start" % DNS_ADDR[which])

    def setup(self):
        if os.geteuid() != 0:
            raise RuntimeError("run as root (network namespace, nsd on port 53)")
        self.compile_tools()
        self.generate()
        # /dev/log for the daemons (bench/nsenv.sh links it into their /dev)
        self.logsock = os.path.join(self.work, "log.sock")
        p = subprocess.Popen([self.logsink, self.logsock], stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("logsink did not start")
        self.logsink_proc = p
        open(self.conf, "w").close()     # empty config: every default
        sh(["ip", "netns", "add", self.ns])
        self.netns_made = True
        os.makedirs("/etc/netns/%s" % self.ns, exist_ok=True)
        sh(self.nsexec(["ip", "link", "set", "lo", "up"]))
        self.set_resolver("fast")
        w = self.work
        self.nsd_conf = os.path.join(w, "nsd.conf")
        with open(self.nsd_conf, "w") as f:
            f.write(
                "server:\n"
                "  ip-address: 127.0.0.1@53\n"
                "  zonesdir: \"%s\"\n"
                "  pidfile: \"%s/nsd.pid\"\n"
                "  database: \"\"\n"
                "  username: \"\"\n"
                "  chroot: \"\"\n"
                "  xfrdfile: \"%s/xfrd.state\"\n"
                "  zonelistfile: \"%s/zone.list\"\n"
                "  logfile: \"%s/nsd.log\"\n"
                "  rrl-ratelimit: 0\n"
                "  rrl-whitelist-ratelimit: 0\n"
                "  minimal-responses: yes\n"
                "  verbosity: 0\n"
                "remote-control:\n"
                "  control-enable: yes\n"
                "  control-interface: %s/nsd.ctl\n"
                "zone:\n"
                "  name: \"bench\"\n"
                "  zonefile: \"bench.zone\"\n"
                "# configured but never loadable: nsd answers SERVFAIL below it\n"
                "zone:\n"
                "  name: \"servfail.bench\"\n"
                "  zonefile: \"servfail.zone-not-there\"\n"
                % (self.zdir, w, w, w, w, w))
        t = time.time()
        self.start(["nsd", "-d", "-c", self.nsd_conf], "nsd")
        while True:
            rc = subprocess.run(self.nsexec(
                ["/usr/bin/python3", os.path.abspath(__file__), "--probe-dns",
                 "127.0.0.1", "mxprobe.bench"]), capture_output=True, text=True)
            if rc.stdout.strip() == "0":
                break
            if time.time() - t > 300:
                raise RuntimeError("nsd did not start serving (see %s/nsd.log)" % w)
            time.sleep(0.5)
        log("nsd serving the zone after %.1f s" % (time.time() - t))
        self.start_proxy("slow", SLOW_DELAY_MS)
        self.probe_log = os.path.join(w, "probe-queries.log")
        self.start_proxy("probe", SLOW_DELAY_MS, self.probe_log)
        self.start_proxy("proxy0", 0)
        self.extra["rtt_ms"] = {}
        for which in ("fast", "slow", "proxy0"):
            r = subprocess.run(self.nsexec(
                ["/usr/bin/python3", os.path.abspath(__file__), "--probe-rtt",
                 DNS_ADDR[which], "mxprobe.bench", "50"]), capture_output=True, text=True)
            self.extra["rtt_ms"][which] = float(r.stdout.strip() or "nan")
        log("DNS round trip, median of 50: nsd %.3f ms, through the 0 ms proxy %.3f ms, "
            "through the 2 ms proxy %.3f ms" % (self.extra["rtt_ms"]["fast"],
                                                 self.extra["rtt_ms"]["proxy0"],
                                                 self.extra["rtt_ms"]["slow"]))

    def teardown(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.netns_made:
            subprocess.run(["ip", "netns", "del", self.ns])
            shutil.rmtree("/etc/netns/%s" % self.ns, ignore_errors=True)
        if self.a.keep:
            log("work directory kept: %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- measuring ------------------------------------------------------------
    def nsd_queries(self):
        r = subprocess.run(self.nsexec(["nsd-control", "-c", self.nsd_conf, "stats_noreset"]),
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("num.queries="):
                return int(line.split("=", 1)[1])
        raise RuntimeError("nsd-control stats: %s" % r.stderr.strip())

    def daemon_cmd(self, d):
        sock = os.path.join(self.work, "listen.sock")
        if d == "ceiling":
            return "spawn", [self.ceiling]
        if d == "ceiling-listen":
            return "listen", [self.ceiling, "--listen", "unix:" + sock]
        if d == "spfc":
            return "spawn", [self.policyd, self.conf]
        if d == "spfc-listen":
            return "listen", [self.policyd, "--listen", "unix:" + sock, self.conf]
        if d == "spf-engine":
            return "spawn", [PY_DAEMON, self.conf]
        if d == "perl":
            return "spawn", [PERL_DAEMON]
        raise ValueError(d)

    def drive(self, daemon, reqfile, conns, count, dns="fast", rss_at=None):
        mode, cmd = self.daemon_cmd(daemon)
        self.set_resolver(dns)
        out = os.path.join(self.work, "run.json")
        argv = [self.driver, "--mode", mode, "--requests", os.path.join(self.zdir, reqfile),
                "--conns", str(conns), "--count", str(count), "--sync", "--out", out,
                "--log", os.path.join(self.work, daemon + ".stderr.log")]
        if mode == "listen":
            argv += ["--socket", cmd[cmd.index("--listen") + 1][5:]]
        if rss_at:
            argv += ["--rss-at", str(rss_at)]
        p = subprocess.Popen(self.nsexec([os.path.join(HERE, "nsenv.sh"), self.logsock] +
                                         argv + ["--"] + cmd), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        q0 = None
        line = p.stdout.readline()
        if line.strip() == "barrier":
            q0 = self.nsd_queries()
            p.stdin.write("go\n")
            p.stdin.flush()
        p.stdin.close()
        p.wait()
        q1 = self.nsd_queries()
        with open(out) as f:
            r = json.load(f)
        if r.get("error") or p.returncode != 0:
            raise RuntimeError("%s on %s: %s" % (daemon, reqfile, r.get("error")))
        r["dns_per_req"] = (q1 - q0) / r["requests"] if q0 is not None and r["requests"] \
            else None
        r["cpu_per_1000"] = r["cpu_run_s"] / r["requests"] * 1000 if r["requests"] else None
        return r

    def count_for(self, kind, daemon):
        cls = {"ceiling": "fast", "ceiling-listen": "fast", "spfc": "spfc",
               "spfc-listen": "spfc", "spf-engine": "py", "perl": "perl"}[daemon]
        return COUNTS[kind][cls][1 if self.quick else 0]

    def run_workloads(self):
        """Every daemon on every workload, REPEAT times, round-robin (so a
        burst of load elsewhere on the machine hits all daemons alike); the
        run with the highest rate is the one reported: other work on the
        machine can only slow a run down."""
        for wname, kind, reqfile, conns, dns in WORKLOADS:
            runs = {d: [] for d in DAEMON_ORDER}
            for rep in range(self.repeat):
                for d in DAEMON_ORDER:
                    r = self.drive(d, reqfile, conns, self.count_for(kind, d), dns)
                    runs[d].append(r)
                    log("  %-18s %-20s %9.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu/1000 "
                        "%.4f s  rss %5d kB  dns/req %s  %s" % (
                            wname, DAEMON_LABEL[d], r["rate"], r["lat_p50_ms"],
                            r["lat_p99_ms"], r["cpu_per_1000"], r["rss_hwm_kb"],
                            "%.2f" % r["dns_per_req"] if r["dns_per_req"] is not None
                            else "-",
                            " ".join("%s=%d" % kv for kv in sorted(r["actions"].items()))))
            for d in DAEMON_ORDER:
                r = dict(max(runs[d], key=lambda x: x["rate"]))
                r.update(workload=wname, daemon=d, rates=[x["rate"] for x in runs[d]])
                self.results.append(r)

    def run_startup(self):
        """Time to the first answer of a new spawn process, N fresh processes
        one after the other (no other load)."""
        n = 5 if self.quick else 25
        self.extra["startup"] = {}
        daemons = ("ceiling", "spfc", "spf-engine", "perl")
        firsts = {d: [] for d in daemons}
        rsss = {d: [] for d in daemons}
        for _ in range(n):
            for d in daemons:
                r = self.drive(d, "startup.req", 1, 0)
                firsts[d].append(r["first_p50_ms"])
                rsss[d].append(r["rss_hwm_kb"])
        for d in daemons:
            first, rss = firsts[d], rsss[d]
            self.extra["startup"][d] = {"first_ms_median": statistics.median(first),
                                        "first_ms_min": min(first),
                                        "first_ms_max": max(first),
                                        "rss_hwm_kb": max(rss), "n": n}
            log("  startup %-20s first answer median %.2f ms (min %.2f, max %.2f), "
                "peak RSS %d kB" % (DAEMON_LABEL[d], statistics.median(first), min(first),
                                    max(first), max(rss)))

    def round_trips(self, daemon):
        with open(self.probe_log) as f:
            f.seek(0, 2)
            start = f.tell()
        self.drive(daemon, "mxprobe.req", 1, 0, dns="probe")
        time.sleep(0.05)
        times = []
        with open(self.probe_log) as f:
            f.seek(start)
            for line in f:
                t, name, _ = line.split()
                if name == "mxprobe.bench" or name.endswith(".mxprobe.bench"):
                    times.append(float(t))
        times.sort()
        trips = 1 if times else 0
        for a, b in zip(times, times[1:]):
            if (b - a) * 1000 > SLOW_DELAY_MS / 2:
                trips += 1
        return trips, len(times)

    def run_mxprobe(self):
        self.extra["mxprobe"] = {}
        for d in ("spfc", "spf-engine", "perl"):
            runs = [self.round_trips(d) for _ in range(3)]
            trips = sorted(x[0] for x in runs)[1]
            self.extra["mxprobe"][d] = {"round_trips": trips, "queries": runs[0][1]}
            log("  mx probe %-20s %d round trips, %d queries" % (DAEMON_LABEL[d], trips,
                                                                  runs[0][1]))

    def run_soak(self):
        n = 10000 if self.quick else 100000
        mid = n // 5
        r = self.drive("spfc", "cold.req", 1, n, rss_at=mid)
        self.extra["soak"] = {"requests": r["requests"], "rss_mid_at": mid,
                              "rss_mid_kb": r["rss_mid_kb"], "rss_end_kb": r["rss_end_kb"],
                              "rss_hwm_kb": r["rss_hwm_kb"], "rate": r["rate"]}
        log("  soak spfc: %d requests on one connection: VmRSS %d kB after %d, %d kB at "
            "the end, peak %d kB" % (r["requests"], r["rss_mid_kb"], mid, r["rss_end_kb"],
                                     r["rss_hwm_kb"]))

    def run_proxy_cost(self):
        """spfc, cold, C=8 through a 0 ms proxy: what a proxy in the path costs."""
        n = self.count_for("cold", "spfc")
        r = self.drive("spfc", "cold.req", 8, n, dns="proxy0")
        self.extra["proxy0"] = {"rate": r["rate"], "lat_p50_ms": r["lat_p50_ms"]}
        log("  spfc cold C=8 through a 0 ms python proxy: %.0f req/s" % r["rate"])

    def run(self):
        log("== workloads")
        self.run_workloads()
        log("== start-up")
        self.run_startup()
        log("== mx over five MX hosts, 2 ms DNS")
        self.run_mxprobe()
        log("== memory over one long connection")
        self.run_soak()
        log("== cost of a proxy in the DNS path")
        self.run_proxy_cost()
        self.extra["meta"] = self.meta


# ---- report ---------------------------------------------------------------------
def fmt_num(v, digits=None):
    if v is None:
        return "–"
    if digits is None:
        if abs(v) >= 100:
            return "{:,.0f}".format(v)
        if abs(v) >= 10:
            return "%.1f" % v
        if abs(v) >= 1:
            return "%.2f" % v
        return "%.3f" % v
    return "%.*f" % (digits, v)


def fmt_ratio(v, base):
    if v is None or base in (None, 0):
        return ""
    r = v / base
    if r >= 100:
        return " (%.0f×)" % r
    if r >= 10:
        return " (%.1f×)" % r
    return " (%.2f×)" % r


def machine():
    model = cores = "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "Model name":
                model = v.strip()
            if k.strip() == "CPU(s)":
                cores = v.strip()
    except OSError:
        pass
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        debian = "?"

    def pkgver(p):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p], capture_output=True,
                           text=True)
        return r.stdout.strip() or "?"
    rev = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    return {"cpu": model, "cpus": cores, "memory": mem, "kernel": platform.release(),
            "debian": debian, "spfc_rev": rev,
            "spf_engine": pkgver("postfix-policyd-spf-python"),
            "perl_daemon": pkgver("postfix-policyd-spf-perl"),
            "nsd": pkgver("nsd"), "python": platform.python_version()}


def find(results, workload, daemon):
    for r in results:
        if r["workload"] == workload and r["daemon"] == daemon:
            return r
    return None


def targets(b):
    res, ex = b.results, b.extra
    out = []

    def add(name, ok, detail):
        out.append(("PASS" if ok else "FAIL", name, detail))

    for w in ("warm C=1", "warm C=8"):
        s, c = find(res, w, "spfc"), find(res, w, "ceiling")
        add("%s, spawn: req/s >= 0.5x ceiling" % w, s["rate"] >= 0.5 * c["rate"],
            "%s vs >= %s req/s" % (fmt_num(s["rate"]), fmt_num(0.5 * c["rate"])))
        add("%s, spawn: CPU per 1000 requests <= 3x ceiling" % w,
            s["cpu_per_1000"] <= 3 * c["cpu_per_1000"],
            "%.4f s vs <= %.4f s" % (s["cpu_per_1000"], 3 * c["cpu_per_1000"]))
        e = find(res, w, "spf-engine")
        add("%s, spawn: CPU per 1000 requests >= 40x less than spf-engine" % w,
            s["cpu_per_1000"] * 40 <= e["cpu_per_1000"],
            "%.4f s vs <= %.4f s" % (s["cpu_per_1000"], e["cpu_per_1000"] / 40))
    # The issue names no mode for this one: both are printed, spawn first
    # (the drop-in set-up).
    e = find(res, "cold C=8", "spf-engine")
    for d, label in (("spfc", "spawn"), ("spfc-listen", "listen")):
        s = find(res, "cold C=8", d)
        add("cold C=8, %s: req/s >= 10x spf-engine" % label, s["rate"] >= 10 * e["rate"],
            "%s vs >= %s req/s (%.1fx)" % (fmt_num(s["rate"]), fmt_num(10 * e["rate"]),
                                           s["rate"] / e["rate"]))
    s, e = find(res, "cold 2ms-DNS C=1", "spfc"), find(res, "cold 2ms-DNS C=1", "spf-engine")
    add("cold 2ms-DNS C=1: p50 latency <= 0.6x spf-engine",
        s["lat_p50_ms"] <= 0.6 * e["lat_p50_ms"],
        "%.2f ms vs <= %.2f ms" % (s["lat_p50_ms"], 0.6 * e["lat_p50_ms"]))
    mx = ex["mxprobe"]
    add("mx over five MX hosts in three round trips", mx["spfc"]["round_trips"] <= 3,
        "%d round trips; spf-engine %d, Perl %d" % (
            mx["spfc"]["round_trips"], mx["spf-engine"]["round_trips"],
            mx["perl"]["round_trips"]))
    st = ex["startup"]["spfc"]
    add("first answer of a new spawn process <= 5 ms",
        st["first_ms_median"] <= FIRST_ANSWER_LIMIT_MS,
        "median %.2f ms of %d starts (ceiling %.2f ms, spf-engine %.1f ms)" % (
            st["first_ms_median"], st["n"], ex["startup"]["ceiling"]["first_ms_median"],
            ex["startup"]["spf-engine"]["first_ms_median"]))
    peak = max([r["rss_hwm_kb"] for r in res if r["daemon"] in ("spfc",)] +
               [ex["soak"]["rss_hwm_kb"], st["rss_hwm_kb"]])
    add("resident memory of a spawn process <= 4 MiB", peak <= RSS_LIMIT_KB,
        "peak %d kB over every spawn run vs <= %d kB" % (peak, RSS_LIMIT_KB))
    so = ex["soak"]
    grow = so["rss_end_kb"] - so["rss_mid_kb"]
    add("memory flat over %s requests on one connection" % "{:,}".format(so["requests"]),
        grow <= FLAT_GROWTH_KB,
        "VmRSS %d kB after %s, %d kB after %s: %+d kB vs <= +%d kB" % (
            so["rss_mid_kb"], "{:,}".format(so["rss_mid_at"]), so["rss_end_kb"],
            "{:,}".format(so["requests"]), grow, FLAT_GROWTH_KB))
    s, c = find(res, "warm C=8", "spfc-listen"), find(res, "warm C=8", "ceiling-listen")
    add("warm C=8, listen mode: req/s >= 0.5x ceiling (listen)", s["rate"] >= 0.5 * c["rate"],
        "%s vs >= %s req/s" % (fmt_num(s["rate"]), fmt_num(0.5 * c["rate"])))
    for w in ("warm C=8", "cold C=8"):
        s, e, p = find(res, w, "spfc"), find(res, w, "spf-engine"), find(res, w, "perl")
        add("%s: req/s >= 100x spf-engine (project target)" % w, s["rate"] >= 100 * e["rate"],
            "%.0fx" % (s["rate"] / e["rate"]))
        add("%s: req/s >= 20x the Perl daemon (project target)" % w, s["rate"] >= 20 * p["rate"],
            "%.0fx" % (s["rate"] / p["rate"]))
    return out


def table(b):
    lines = []
    head = ("| daemon | req/s | p50 ms | p99 ms | first answer ms | CPU s / 1000 req "
            "| peak RSS MiB | DNS queries / req |")
    for wname, *_ in WORKLOADS:
        base = find(b.results, wname, "spfc")
        lines.append("")
        lines.append("**%s**" % wname)
        lines.append("")
        lines.append(head)
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for d in DAEMON_ORDER:
            r = find(b.results, wname, d)
            if not r:
                continue
            cells = [DAEMON_LABEL[d]]
            for key, digits, scale in (("rate", None, 1), ("lat_p50_ms", None, 1),
                                       ("lat_p99_ms", None, 1), ("first_p50_ms", None, 1),
                                       ("cpu_per_1000", None, 1), ("rss_hwm_kb", 1, 1 / 1024),
                                       ("dns_per_req", 2, 1)):
                v = r[key] * scale if r[key] is not None else None
                bv = base[key] * scale if base[key] is not None else None
                cell = fmt_num(v, digits)
                if d != "spfc":
                    cell += fmt_ratio(v, bv)
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
        if b.repeat > 1:
            lines.append("")
            lines.append("req/s of the %d runs: " % b.repeat + "; ".join(
                "%s %s" % (DAEMON_LABEL[d], ", ".join(
                    fmt_num(x) for x in sorted(find(b.results, wname, d)["rates"])))
                for d in DAEMON_ORDER) + ".")
    return lines


def chart(b, outdir):
    data = os.path.join(b.work, "chart.dat")
    daemons = [d for d in DAEMON_ORDER]
    with open(data, "w") as f:
        f.write("workload " + " ".join('"%s"' % DAEMON_LABEL[d] for d in daemons) + "\n")
        for wname, *_ in WORKLOADS:
            f.write('"%s" ' % wname + " ".join(
                "%.2f" % find(b.results, wname, d)["rate"] for d in daemons) + "\n")
    png = os.path.join(outdir, "results.png")
    script = """
set terminal pngcairo size 1100,620 font "DejaVu Sans,10"
set output "%s"
set title "Postfix SPF policy daemons: requests per second (log scale; best of %d runs, %s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [10:*]
set grid ytics mytics
set ylabel "requests/s"
set key outside right top vertical
set xtics nomirror
plot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i)
""" % (png, b.repeat, datetime.date.today().isoformat(), len(daemons) + 1, data)
    sp = os.path.join(b.work, "chart.gp")
    with open(sp, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", sp], capture_output=True, text=True)
    if r.returncode != 0:
        log("gnuplot failed: %s" % r.stderr.strip())
        return None
    return png


def report(b, outdir, command, started, load_before):
    m = machine()
    tg = targets(b)
    ex = b.extra
    load_after = open("/proc/loadavg").read().split()[:3]
    L = []
    L.append("# spfc benchmark results")
    L.append("")
    L.append("Produced by `%s` (as root) on %s, %s run, in %.0f s.  Regenerate with the "
             "same command; the design is in [README.md](README.md)." % (
                 command, started.strftime("%Y-%m-%d %H:%M UTC"),
                 "quick (smoke)" if b.quick else "full", time.time() - started.timestamp()))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| CPU | %s, %s CPUs |" % (m["cpu"], m["cpus"]))
    L.append("| memory | %s |" % m["memory"])
    L.append("| kernel | Linux %s |" % m["kernel"])
    L.append("| OS | Debian %s |" % m["debian"])
    L.append("| load average (1, 5, 15 min) | before %s, after %s |" % (
        " ".join(load_before), " ".join(load_after)))
    L.append("| priority | nice %+d for the benchmark and everything it ran |" % b.a.nice)
    L.append("| spfc | %s (git), built with Meson buildtype debugoptimized |" % m["spfc_rev"])
    L.append("| spf-engine | postfix-policyd-spf-python %s (Python %s) |" % (
        m["spf_engine"], m["python"]))
    L.append("| Perl daemon | postfix-policyd-spf-perl %s |" % m["perl_daemon"])
    L.append("| DNS | nsd %s on 127.0.0.1:53 in a private network namespace |" % m["nsd"])
    L.append("")
    L.append("The machine is shared: other jobs may have been running (see the load "
             "average).  Each daemon ran %d time(s) per workload, round-robin with the "
             "others, and the run with the highest rate is reported (other work can only "
             "slow a run down); every run's rate is listed under its table." % b.repeat)
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("```")
    for st, name, detail in tg:
        L.append("target %s: %s (%s)" % (name, st, detail))
    L.append("```")
    L.append("")
    L.append("## Throughput and cost per workload")
    L.append("")
    L.append("Ratios in parentheses are to spfc in spawn mode in the same workload "
             "(for latency, CPU, memory and DNS queries lower is better).  Latency "
             "percentiles, rates and CPU exclude each connection's first message "
             "(process start-up); *first answer* is the median over the workload's "
             "connections of the time from spawn or connect (listen mode) to the first "
             "answer.  Peak RSS is the largest VmHWM of any daemon process.")
    L.extend(table(b))
    L.append("")
    L.append("![requests per second](results.png)")
    L.append("")
    L.append("## Start-up, round trips, memory")
    L.append("")
    L.append("| daemon | first answer of a new spawn process, median ms (min–max) "
             "| peak RSS MiB |")
    L.append("|---|---:|---:|")
    for d, s in ex["startup"].items():
        L.append("| %s | %.2f (%.2f–%.2f) | %.1f |" % (
            DAEMON_LABEL[d], s["first_ms_median"], s["first_ms_min"], s["first_ms_max"],
            s["rss_hwm_kb"] / 1024))
    L.append("")
    L.append("Start-up: %d fresh processes one after another, each answering one request "
             "of a warm domain (with its own DNS lookups: the new process has an empty "
             "cache)." % ex["startup"]["spfc"]["n"])
    L.append("")
    L.append("| daemon | `v=spf1 mx -all` over five MX hosts, 2 ms per DNS query: "
             "round trips | queries |")
    L.append("|---|---:|---:|")
    for d, s in ex["mxprobe"].items():
        L.append("| %s | %d | %d |" % (DAEMON_LABEL[d], s["round_trips"], s["queries"]))
    L.append("")
    so = ex["soak"]
    L.append("Memory over one long connection: spfc in spawn mode answered %s cold "
             "requests (a unique domain each) on one connection at %s req/s; VmRSS was "
             "%d kB after %s requests and %d kB at the end (peak %d kB)." % (
                 "{:,}".format(so["requests"]), fmt_num(so["rate"]), so["rss_mid_kb"],
                 "{:,}".format(so["rss_mid_at"]), so["rss_end_kb"], so["rss_hwm_kb"]))
    L.append("")
    cold = find(b.results, "cold C=8", "spfc")
    rtt = ex["rtt_ms"]
    L.append("DNS: a UDP query answered by nsd takes %.3f ms (median of 50, from Python); "
             "through dnsproxy.py with no delay %.3f ms, through the 2 ms proxy of the slow "
             "workload %.2f ms.  spfc, cold, C=8, through the 0 ms proxy: %s req/s, against "
             "%s req/s with nsd answering directly; that is why only the slow-DNS workload "
             "goes through the proxy." % (
                 rtt["fast"], rtt["proxy0"], rtt["slow"], fmt_num(ex["proxy0"]["rate"]),
                 fmt_num(cold["rate"])))
    L.append("")
    meta = ex["meta"]
    L.append("## Workload")
    L.append("")
    L.append("Zone: %s records; %d providers with shared include chains two and three "
             "deep, %d hosting companies used through redirect=, %s cold and %d warm "
             "sender domains.  Record kinds of the cold domains: %s.  Warm requests: "
             "%d domains repeated; multi-recipient: %s messages, %s requests (2–8 "
             "recipients each, one instance per message)." % (
                 "{:,}".format(meta["zone_records"]), meta["providers"], meta["hosting"],
                 "{:,}".format(meta["cold_domains"]), meta["warm_domains"],
                 ", ".join("%s %d" % kv for kv in sorted(meta["cold_kinds"].items())),
                 meta["warm_domains"], "{:,}".format(meta["multi_messages"]),
                 "{:,}".format(meta["multi_requests"])))
    L.append("")
    L.append("Every daemon ran with its defaults (an empty config file), read "
             "/etc/resolv.conf of the namespace, and logged through /dev/log to a sink "
             "that drops the messages (bench/logsink.c).  DNS queries per request are "
             "nsd's count over the measured phase.")
    L.append("")
    L.append("Requests per run (spfc / spf-engine / Perl): " + "; ".join(
        "%s %s / %s / %s" % (w, "{:,}".format(find(b.results, w, "spfc")["requests"]),
                             "{:,}".format(find(b.results, w, "spf-engine")["requests"]),
                             "{:,}".format(find(b.results, w, "perl")["requests"]))
        for w, *_ in WORKLOADS) + ".")
    L.append("")
    L.append("Answers given (action keyword: count) per daemon in the cold C=8 workload: " +
             "; ".join("%s: %s" % (DAEMON_LABEL[d], ", ".join(
                 "%s %d" % kv for kv in sorted(find(b.results, "cold C=8", d)["actions"].items())))
                 for d in ("spfc", "spf-engine", "perl")) + ".")
    L.append("")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "RESULTS.md"), "w") as f:
        f.write("\n".join(L))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"machine": m, "results": b.results, "extra": ex,
                   "targets": [{"target": n, "result": s, "detail": d} for s, n, d in tg]},
                  f, indent=1)
    return tg, L


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--probe-dns":
        print(dns_query(sys.argv[2], sys.argv[3]))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "--probe-rtt":
        rtts = []
        for _ in range(int(sys.argv[4])):
            t = time.perf_counter()
            dns_query(sys.argv[2], sys.argv[3])
            rtts.append((time.perf_counter() - t) * 1e3)
        print("%.4f" % statistics.median(rtts))
        return 0
    ap = argparse.ArgumentParser(description="spfc benchmark (see bench/README.md)")
    ap.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    ap.add_argument("--build", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--output", help="where RESULTS.md and results.png go "
                    "(default: bench/ for a full run, %s for --quick)" % QUICK_OUTPUT)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--repeat", type=int, default=0,
                    help="runs per daemon and workload, the fastest is reported "
                    "(default 5, --quick 1)")
    ap.add_argument("--nice", type=int, default=0,
                    help="scheduling priority change for the whole run (e.g. -5 on a "
                    "machine busy with other work; every daemon gets the same)")
    ap.add_argument("--command", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.nice:
        os.nice(a.nice)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = open("/proc/loadavg").read().split()[:3]
    if float(load_before[0]) > 1.0:
        log("warning: load average %s: other work is running, the figures will be noisy"
            % load_before[0])
    b = Bench(a)

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    rc = 0
    try:
        b.setup()
        b.run()
        outdir = a.output or (QUICK_OUTPUT if a.quick else HERE)
        command = (a.command or "").strip() or ("bench/run.sh" + (" --quick" if a.quick else ""))
        tg, lines = report(b, outdir, command, started, load_before)
        chart(b, outdir)
        print()
        print("\n".join(table(b)))
        print()
        for st, name, detail in tg:
            print("target %s: %s (%s)" % (name, st, detail))
        print()
        log("report: %s" % os.path.join(outdir, "RESULTS.md"))
    except KeyboardInterrupt:
        log("interrupted")
        rc = 1
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        log("bench: %s" % e)
        rc = 1
    finally:
        b.teardown()
    return rc


if __name__ == "__main__":
    sys.exit(main())
