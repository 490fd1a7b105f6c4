#!/usr/bin/python3
"""test-milter-unit.py - the systemd unit etc/spfc-milter.service.

What it is for: the unit must be one systemd accepts, start the milter in
the foreground with the configuration, leave the socket to the
configuration's Socket= (pyspf-milter's setting), keep the sandbox of the
policyd-spf unit, and make the directory the milter's default socket
lies in.  This test
  - runs `systemd-analyze verify` on the unit (ExecStart pointed at the
    build's binary, which is the only change);
  - checks ExecStart= (the binary, -f, the configuration, no --socket);
  - checks the hardening directives and the system call filter lines;
  - asks the built milter (--check-config, an empty configuration) for its
    default socket and checks that it lies in the unit's RuntimeDirectory=.
systemd need not be running; root is not needed.

Usage: test-milter-unit.py PATH/TO/spfc-milter PATH/TO/spfc-milter.service
How it fails: "FAIL name: detail" per check, "N passed, M failed", exit 1.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
import harness  # noqa: E402

check = harness.check

HARDENING = [
    "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
    "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes",
    "RestrictNamespaces=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
    "SystemCallArchitectures=native",
    "CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER "
    "CAP_SETUID CAP_SETGID",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "SystemCallFilter=@chown @setuid",
]


def directives(text, key):
    return [line[len(key) + 1:].strip() for line in text.splitlines()
            if line.startswith(key + "=")]


def main():
    if len(sys.argv) != 3:
        print("usage: test-milter-unit.py PATH/TO/spfc-milter UNIT",
              file=sys.stderr)
        return 2
    milter, unit = os.path.abspath(sys.argv[1]), sys.argv[2]
    if not shutil.which("systemd-analyze"):
        print("test-milter-unit.py: systemd-analyze is not installed "
              "(apt-get install systemd)", file=sys.stderr)
        return 1
    with open(unit) as f:
        text = f.read()
    top = tempfile.mkdtemp(prefix="spfc-milter-unit.")
    try:
        copy = os.path.join(top, "spfc-milter.service")
        with open(copy, "w") as f:
            f.write(re.sub(r"(?m)^(ExecStart=)\S*/spfc-milter(?= )",
                           lambda m: m.group(1) + milter, text))
        v = subprocess.run(["systemd-analyze", "verify", "--man=no", copy],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        check("systemd-analyze verify", v.returncode == 0 and not
              v.stdout.strip(), "exit %d: %s" % (v.returncode, v.stdout))

        start = directives(text, "ExecStart")
        argv = start[0].split() if len(start) == 1 else []
        check("ExecStart runs spfc-milter", argv and
              argv[0].endswith("/sbin/spfc-milter"), start)
        check("ExecStart stays in the foreground", "-f" in argv, start)
        check("ExecStart names the configuration", argv and
              argv[-1].endswith("/policyd-spf/policyd-spf.conf"), start)
        check("the socket is the configuration's", not any(
            a.startswith("--socket") for a in argv), start)
        missing = [h for h in HARDENING if h not in text.splitlines()]
        check("hardening kept", not missing, "missing: %s" % missing)

        conf = os.path.join(top, "empty.conf")
        open(conf, "w").close()
        r = subprocess.run([milter, "--check-config", conf],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        m = re.search(r"(?m)^# milter: socket unix:(\S+)$", r.stdout)
        rundir = directives(text, "RuntimeDirectory")
        check("the default socket lies in RuntimeDirectory=", m and
              len(rundir) == 1 and os.path.dirname(m.group(1)) ==
              "/run/" + rundir[0], "%s; RuntimeDirectory=%s" %
              (r.stdout.strip()[:300], rundir))
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
