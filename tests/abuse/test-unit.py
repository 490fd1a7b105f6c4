#!/usr/bin/python3
"""test-unit.py - the systemd unit etc/policyd-spf.service works with the
documented options.

What it is for: the unit runs the daemon under a system call filter, a
capability bounding set and no-new-privileges.  A filter that lacks
chown(2) or setuid(2)/setgroups(2) kills the daemon with SIGSYS as soon as
policyd-spf.conf sets Socket_Owner= or User=.  This test
  - runs `systemd-analyze verify` on the unit (ExecStart pointed at the
    build's binary, which is the only change);
  - checks that the unit serves the socket the documentation names
    (/var/spool/postfix/private/policy-spf, owner postfix:postfix) and
    keeps its hardening directives;
  - computes the system calls the unit's SystemCallFilter= lines allow,
    the way systemd reads them (an allow list starts from @default; each
    later line adds, or with "~" removes, its sets, in order), from the
    sets of the installed systemd (`systemd-analyze syscall-filter`);
  - runs policyd-spf in listen mode as root under that filter (loaded with
    seccomp(2) as systemd loads it, killing the process on any other
    call), RestrictAddressFamilies= and MemoryDenyWriteExecute= (the same
    filter), the unit's CapabilityBoundingSet= and no-new-privileges
    (setpriv), with a configuration that sets User=, Socket_Owner= or both;
    the socket is made in a directory owned by another user, mode 0700, as
    Postfix's private/ is.  Each run must answer a policy request, answer
    again after SIGHUP, run as the User= with no capability left, give the
    socket the Socket_Owner=, and exit 0 on SIGTERM;
  - checks that the filter bites: nice(1) under it (setpriority(2), in
    @resources, which the unit denies) dies of SIGSYS.
systemd need not be running: PID 1 here may be anything.

Usage: test-unit.py PATH/TO/policyd-spf PATH/TO/policyd-spf.service
How it fails: "FAIL name: detail" per check, "N passed, M failed", exit 1;
exit 1 with a message when not root or a tool is missing (systemd-analyze
from the systemd package, setpriv, cc).
"""
import ctypes
import grp
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))
import harness  # noqa: E402

check = harness.check

SOCKET = "/var/spool/postfix/private/policy-spf"
# Directives of the unit's sandbox that must stay.
HARDENING = [
    "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
    "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes",
    "RestrictNamespaces=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
    "SystemCallArchitectures=native",
]
# seccomp(2) and classic BPF constants (linux/seccomp.h, linux/filter.h).
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
LD_ABS = 0x20
JEQ = 0x15
JSET = 0x45
AND = 0x54
RET = 0x06
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
EPERM = 1
EAFNOSUPPORT = 97
PROT_WRITE, PROT_EXEC = 2, 4
FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10}
# How long the daemon may take to bind its socket or answer (seconds).
WAIT = 10

ZONE = 'pass.example TXT "v=spf1 ip4:192.0.2.1 -all"\n'
REQUEST = ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
           "client_address=192.0.2.1\nhelo_name=mail.pass.example\n"
           "sender=user@pass.example\nrecipient=a@rcpt.example\n"
           "instance=%s\n\n")


def die(msg):
    print("test-unit.py: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- the unit ------------------------------------------------------------

def directives(text, key):
    out = []
    for line in text.splitlines():
        if line.startswith(key + "="):
            out.append(line[len(key) + 1:].strip())
    return out


def filter_sets():
    """{set name: [members]} as the installed systemd defines them."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=True,
                         universal_newlines=True).stdout
    sets, cur = {}, None
    for line in out.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not line.startswith(" "):
            cur = s
            sets[cur] = []
        elif cur:
            sets[cur].append(s)
    return sets


def expand(name, sets, seen=None):
    seen = seen if seen is not None else set()
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = set()
    for m in sets.get(name, []):
        out |= expand(m, sets, seen)
    return out


def allowed_calls(lines, sets):
    """The allow list systemd builds from SystemCallFilter= lines (the
    first line decides allow or deny list; the unit's is an allow list)."""
    if not lines or lines[0].startswith("~"):
        return None
    allow = expand("@default", sets)
    for line in lines:
        if line == "":
            allow = expand("@default", sets)
            continue
        invert = line.startswith("~")
        for word in line.lstrip("~").split():
            calls = expand(word, sets)
            allow = allow - calls if invert else allow | calls
    return allow


def syscall_numbers():
    out = subprocess.run(["cc", "-E", "-dM", "-include", "sys/syscall.h",
                          "-"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    nums = {}
    for m in re.finditer(r"^#define __NR_(\w+) (\d+)$", out, re.M):
        nums[m.group(1)] = int(m.group(2))
    return nums


# ---- the seccomp filter ----------------------------------------------------

def bpf_program(allow, nums, families):
    """Classic BPF: native architecture only; socket() only for the unit's
    address families (else EAFNOSUPPORT); no writable and executable
    mapping, no mprotect() to executable (else EPERM); every other call in
    the allow list; anything else kills the process."""
    p = []

    def ins(code, k, jt=0, jf=0):
        p.append((code, jt, jf, k))

    arg = lambda i: 16 + 8 * i  # noqa: E731 (low half, little-endian)
    ins(LD_ABS, 4)
    ins(JEQ, AUDIT_ARCH[platform.machine()], 1, 0)
    ins(RET, RET_KILL_PROCESS)
    ins(LD_ABS, 0)
    if "socket" in allow and "socket" in nums and families:
        fam = sorted(families)
        ins(JEQ, nums["socket"], 0, len(fam) + 3)
        ins(LD_ABS, arg(0))
        for i, f in enumerate(fam):
            ins(JEQ, f, len(fam) - i, 0)
        ins(RET, RET_ERRNO | EAFNOSUPPORT)
        ins(RET, RET_ALLOW)
    for name in ("mmap", "mmap2"):
        if name in nums:
            ins(JEQ, nums[name], 0, 5)
            ins(LD_ABS, arg(2))
            ins(AND, PROT_WRITE | PROT_EXEC)
            ins(JEQ, PROT_WRITE | PROT_EXEC, 0, 1)
            ins(RET, RET_ERRNO | EPERM)
            ins(LD_ABS, 0)
    for name in ("mprotect", "pkey_mprotect"):
        if name in nums:
            ins(JEQ, nums[name], 0, 4)
            ins(LD_ABS, arg(2))
            ins(JSET, PROT_EXEC, 0, 1)
            ins(RET, RET_ERRNO | EPERM)
            ins(LD_ABS, 0)
    for name in sorted(allow):
        if name in nums:
            ins(JEQ, nums[name], 0, 1)
            ins(RET, RET_ALLOW)
    ins(RET, RET_KILL_PROCESS)
    return b"".join(struct.pack("=HBBI", *i) for i in p), len(p)


def exec_filtered(progfile, argv):
    """Child side: load the filter from progfile and exec argv."""
    with open(progfile, "rb") as f:
        code = f.read()
    n = len(code) // 8
    buf = ctypes.create_string_buffer(code, len(code))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Fprog(n, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p,
                           ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                  ctypes.byref(prog), 0, 0) != 0:
        print("test-unit.py: seccomp: %s"
              % os.strerror(ctypes.get_errno()), file=sys.stderr)
        os._exit(126)
    os.execv(argv[0], argv)


class Sandbox:
    """Runs a command as the unit would: setpriv for the bounding set and
    no-new-privileges, then this script loads the filter and execs."""

    def __init__(self, progfile, caps, nnp):
        self.progfile = progfile
        self.caps = caps
        self.nnp = nnp

    def argv(self, cmd):
        bset = "-all" + "".join(",+" + c for c in self.caps)
        a = ["setpriv", "--bounding-set", bset]
        if self.nnp:
            a.append("--no-new-privs")
        return a + ["--", sys.executable, os.path.abspath(__file__),
                    "--exec-filtered", self.progfile, "--"] + cmd


# ---- talking to the daemon ------------------------------------------------

def ask(path, inst):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(WAIT)
    try:
        s.connect(path)
        s.sendall((REQUEST % inst).encode())
        data = b""
        while not data.endswith(b"\n\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")
    except OSError as e:
        return "error: %s" % e
    finally:
        s.close()


def proc_status(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return {}


def exit_text(rc):
    if rc is None:
        return "still running"
    if rc < 0:
        return "killed by %s" % signal.Signals(-rc).name
    return "exit %d" % rc


def run_case(name, sb, policyd, top, conf_lines, want_uid, want_sock):
    d = os.path.join(top, name)
    priv = os.path.join(d, "private")
    os.makedirs(priv)
    os.chmod(d, 0o755)
    # private/ as Postfix has it: another user's (here nobody's), 0700;
    # root's when the unit gives no CAP_DAC_OVERRIDE to reach it.
    if "dac_override" in sb.caps:
        nobody = pwd.getpwnam("nobody")
        os.chown(priv, nobody.pw_uid, nobody.pw_gid)
    os.chmod(priv, 0o700)
    conf = os.path.join(d, "policyd-spf.conf")
    with open(conf, "w") as f:
        f.write("debugLevel = 1\n" + "".join(line + "\n"
                                             for line in conf_lines))
    os.chmod(conf, 0o644)
    zone = os.path.join(d, "test.zone")
    with open(zone, "w") as f:
        f.write(ZONE)
    os.chmod(zone, 0o644)
    path = os.path.join(priv, "policy-spf")
    log = open(os.path.join(d, "log"), "w+")
    # A sanitizer build's leak check at exit stops the world with ptrace,
    # which the unit's filter forbids (as it should): leave it out here.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":detect_leaks=0").lstrip(":")
    p = subprocess.Popen(sb.argv([policyd, "--listen", "unix:" + path,
                                  "--zone", zone, conf]),
                         stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and p.poll() is None:
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    break
            except OSError:
                pass
            time.sleep(0.05)
        time.sleep(0.2)
        log.seek(0)
        if not check("%s: daemon up, socket bound" % name,
                     p.poll() is None and os.path.exists(path),
                     "%s; log: %s" % (exit_text(p.poll()), log.read())):
            return
        st = os.lstat(path)
        check("%s: socket owner" % name,
              (st.st_uid, st.st_gid) == want_sock,
              "%d:%d, expected %d:%d" % ((st.st_uid, st.st_gid) + want_sock))
        a = ask(path, name + ".1")
        check("%s: request answered" % name, a.startswith("action=prepend")
              and "Pass" in a, a)
        ps = proc_status(p.pid)
        uid = ps.get("Uid", "").split()
        check("%s: runs as uid %d" % (name, want_uid),
              uid and all(int(u) == want_uid for u in uid), uid)
        cap = ps.get("CapEff", "").strip()
        capbnd = int(ps.get("CapBnd", "0").strip() or "0", 16)
        if want_uid != 0:
            check("%s: no capability left" % name, cap and int(cap, 16) == 0,
                  "CapEff %s" % cap)
        check("%s: bounding set is the unit's" % name,
              capbnd == cap_mask(sb.caps), "CapBnd %x" % capbnd)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        a = ask(path, name + ".2")
        log.seek(0)
        check("%s: answers after SIGHUP" % name,
              p.poll() is None and a.startswith("action=prepend"),
              "%s; %s; log: %s" % (exit_text(p.poll()), a, log.read()))
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(WAIT)
        except subprocess.TimeoutExpired:
            rc = None
        log.seek(0)
        check("%s: exit 0 on SIGTERM" % name, rc == 0,
              "%s; log: %s" % (exit_text(rc), log.read()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()


CAP_BITS = {"chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3,
            "fsetid": 4, "kill": 5, "setgid": 6, "setuid": 7,
            "net_bind_service": 10}


def cap_mask(caps):
    m = 0
    for c in caps:
        m |= 1 << CAP_BITS[c]
    return m


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--exec-filtered":
        exec_filtered(sys.argv[2], sys.argv[4:])
    if len(sys.argv) != 3:
        print("usage: test-unit.py PATH/TO/policyd-spf UNIT", file=sys.stderr)
        return 2
    policyd, unit = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        die("must run as root (setuid, chown, capability bounding set)")
    for tool in ("systemd-analyze", "setpriv", "cc"):
        if not shutil.which(tool):
            die("%s is not installed (apt-get install systemd util-linux gcc)"
                % tool)
    if platform.machine() not in AUDIT_ARCH:
        die("no seccomp architecture number for %s" % platform.machine())
    with open(unit) as f:
        text = f.read()

    top = tempfile.mkdtemp(prefix="spfc-unit.")
    os.chmod(top, 0o755)
    try:
        # systemd-analyze verify, with ExecStart= pointed at this build.
        copy = os.path.join(top, "policyd-spf.service")
        with open(copy, "w") as f:
            f.write(re.sub(r"(?m)^(ExecStart=)\S*/policyd-spf(?= )",
                           lambda m: m.group(1) + policyd, text))
        v = subprocess.run(["systemd-analyze", "verify", "--man=no", copy],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        check("systemd-analyze verify", v.returncode == 0 and not
              v.stdout.strip(), "exit %d: %s" % (v.returncode, v.stdout))

        start = directives(text, "ExecStart")
        check("ExecStart serves " + SOCKET + " owned by postfix",
              len(start) == 1 and ("--listen unix:" + SOCKET) in start[0]
              and "--socket-owner postfix:postfix" in start[0], start)
        missing = [h for h in HARDENING if h not in text.splitlines()]
        check("hardening kept", not missing, "missing: %s" % missing)

        sets = filter_sets()
        allow = allowed_calls(directives(text, "SystemCallFilter"), sets)
        if not check("SystemCallFilter is an allow list", allow is not None,
                     directives(text, "SystemCallFilter")):
            return harness.summary()
        for need in ("chown", "fchown", "setuid", "setgid", "setgroups"):
            check("filter allows %s" % need, need in allow)
        nums = syscall_numbers()
        fams = set()
        for line in directives(text, "RestrictAddressFamilies"):
            fams |= {FAMILIES[w] for w in line.split() if w in FAMILIES}
        code, n = bpf_program(allow, nums, fams)
        progfile = os.path.join(top, "filter.bpf")
        with open(progfile, "wb") as f:
            f.write(code)
        caps = []
        for line in directives(text, "CapabilityBoundingSet"):
            caps += [w.lower()[len("cap_"):] for w in line.split()]
        nnp = "NoNewPrivileges=yes" in text.splitlines()
        sb = Sandbox(progfile, caps, nnp)

        # The filter bites: setpriority(2) is in the denied @resources.
        r = subprocess.run(sb.argv([shutil.which("nice"), "-n", "1",
                                    shutil.which("true")]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check("filter kills a denied call (nice: setpriority)",
              r.returncode == -signal.SIGSYS,
              "%s (%d BPF instructions)" % (exit_text(r.returncode), n))

        nobody = pwd.getpwnam("nobody")
        group = grp.getgrgid(nobody.pw_gid).gr_name
        owner = (nobody.pw_uid, nobody.pw_gid)
        run_case("user+socket-owner", sb, policyd, top,
                 ["User = nobody", "Socket_Owner = nobody:" + group],
                 nobody.pw_uid, owner)
        run_case("socket-owner", sb, policyd, top,
                 ["Socket_Owner = nobody:" + group], 0, owner)
        run_case("user", sb, policyd, top, ["User = nobody",
                                            "Socket_Mode = 0666"],
                 nobody.pw_uid, (0, 0))
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
