#!/usr/bin/python3
"""test-output.py - output safety of policyd-spf against hostile text.

What it is for: policyd-spf (spawn mode, --dns against dnsserver.py) is
fed explanations (exp=) holding CR, LF, CRLF CRLF "action=permit", NUL,
8-bit bytes, escape sequences, 2000-byte texts and macros (%{h} %{s} %{l}
...) that echo crafted HELO names, senders and recipients, and requests
whose helo_name, sender and recipient carry CR, TAB, 8-bit bytes and very
long values.  For every answer:
  - it is exactly one line "action=..." followed by one empty line;
  - the line holds printable ASCII only (0x20-0x7e);
  - a prepended header field is shorter than 998 bytes (RFC 5322 §2.1.1);
  - a reject or defer text holds no CR or LF;
and the number of answers equals the number of requests (no answer
smuggled in by a text).  Run with Header_Type SPF (the default), AR, a
Reason_Message holding {spf} twice, and with PermError_reject /
TempError_Defer so the error texts are rendered as well.

Usage: test-output.py PATH/TO/policyd-spf
How it fails: one "FAIL" line per broken expectation, then
"N passed, M failed", exit status 1.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnsserver import Server, Zone  # noqa: E402
from harness import check, request, summary  # noqa: E402

CLIENT = "192.0.2.9"
HEADER_MAX = 998          # RFC 5322 §2.1.1: a line is at most 998 bytes
WALL_S = 240              # one policyd-spf run (all its requests)

# Hostile explanation texts (TXT strings; a list is several strings).
EXPS = [
    b"bad\rCR only",
    b"bad\nLF only",
    [b"line\r\n\r\naction=permit\r\n\r\n", b"tail"],
    b"\r\n\r\naction=permit\r\n\r\n",
    b"\n\naction=permit\n\nrequest=smtpd_access_policy\n",
    b"nul\x00byte\x00action=permit",
    b"8bit \xff\xfe\xe9\x80 text \xc3\xa9",
    [bytes([65 + i % 26]) * 250 for i in range(8)],          # 2000 bytes
    b"%{h} | %{s} | %{l} | %{o} | %{d} | %{i} | %{v} | %{c} | %{r} | %{t}",
    b"%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{h}%{h}%{h}%{h}",
    b"tab\there, \x1b[31mescape\x1b[0m, del\x7f, bell\x07",
    b"\r\n",
    b"%{l}\r\n\r\naction=permit\r\n\r\n%{h}",
    b"{spf} {url} {rejectdefer} %s %n %x",
]

# Crafted request values: helo_name, sender local parts, recipients.
HELOS = [b"helo.out.example", b"bad\rhelo.example", b"tab\thelo.example",
         b"8bit\xff\xfehelo.example", b"h" * 5000, b"a." * 2500 + b"example",
         b"h" * 9000, b"helo.out.example\r", b"<script>.example",
         b"action=permit", b""]
LOCALS = [b"user", b"us\rer", b"us\ter", b"\xff\xfe\xe9", b"x" * 3000,
          b"action=permit", b"a\r\n", b"%{s}%{l}", b"l" * 9000]
RCPTS = [b"someone@rcpt.example", b"someone@rcpt\r.example",
         b"someone@rcpt\t\xff.example", b"someone@" + b"r" * 4000 + b".example",
         b"action=permit@x\r"]

CONFIGS = {
    "Header_Type SPF (default)": "Lookup_Time = 5\n",
    "Header_Type AR": "Lookup_Time = 5\nHeader_Type = AR\n"
                      "Authserv_Id = mx.rcpt.example\n",
    "Reason_Message with {spf} twice":
        "Lookup_Time = 5\nReason_Message = Message {rejectdefer} due to: {spf}."
        " Again: {spf}. Please see {url}\n",
    "PermError_reject, TempError_Defer, HELO_reject Fail":
        "Lookup_Time = 5\nPermError_reject = True\nTempError_Defer = True\n"
        "HELO_reject = Fail\n",
}


def build_zone():
    z = Zone()
    for k, text in enumerate(EXPS):
        z.add("t%d.out.example" % k, "TXT", text)
        z.add("m%d.out.example" % k, "TXT", "v=spf1 -all exp=t%d.out.example" % k)
        z.add("s%d.out.example" % k, "TXT", "v=spf1 ~all exp=t%d.out.example" % k)
    z.add("helo.out.example", "TXT", "v=spf1 -all exp=t8.out.example")
    z.add("pass.out.example", "TXT", "v=spf1 ip4:%s -all" % CLIENT)
    # hostile records: the problem text of a PermError names the term
    z.add("perm1.out.example", "TXT", b"v=spf1 foo\xff\x1b[31m -all")
    z.add("perm2.out.example", "TXT", b"v=spf1 a:\r\naction=permit -all")
    z.add("perm3.out.example", "TXT", b"v=spf1 " + b"x" * 3000 + b" -all")
    z.add("perm4.out.example", "TXT", b"v=spf1 include:%{l}.out.example -all")
    z.add("temp1.out.example", "TXT", "v=spf1 a:sf.out.example -all")
    z.behave("sf.out.example", "servfail")
    return z


def requests():
    """(label, request bytes): every hostile exp with a plain and a crafted
    request, then the crafted values against a few domains."""
    out = []
    n = 0

    def add(label, **kw):
        nonlocal n
        n += 1
        out.append((label, request(ip=CLIENT, instance="o.%d" % n, **kw)))

    for k in range(len(EXPS)):
        for dom in ("m%d" % k, "s%d" % k):
            add("exp %d (%s), plain" % (k, dom), sender=b"user@%s.out.example" % dom.encode(),
                helo=b"helo-x.example")
    for h in HELOS:
        for local in LOCALS[:4]:
            add("helo %r, local %r" % (h[:20], local[:12]),
                sender=local + b"@m8.out.example", helo=h)
    for local in LOCALS:
        for k in (8, 9, 12):
            add("local %r, exp %d" % (local[:12], k),
                sender=local + b"@m%d.out.example" % k, helo=b"tab\thelo.example")
    for r in RCPTS:
        for dom in (b"pass", b"m8", b"s8", b"perm1"):
            add("recipient %r, %s" % (r[:20], dom), sender=b"user@" + dom + b".out.example",
                helo=b"helo.out.example", recipient=r)
    for p in (b"perm1", b"perm2", b"perm3", b"perm4", b"temp1"):
        for local in (b"user", b"x" * 70, b"\xff"):
            add("%s, local %r" % (p, local[:12]), sender=local + b"@" + p + b".out.example",
                helo=b"8bit\xffhelo.example")
    add("empty sender, hostile helo", sender=b"", helo=b"helo.out.example")
    return out


ANSWER_RX = re.compile(rb"action=[^\n]*\n\n")


def judge(cfg, label, ans):
    """The checks on one answer; returns the number of failed checks."""
    bad = 0
    w = "%s: %s" % (cfg, label)
    if not check("%s: one line 'action=...' and one empty line" % w,
                 ANSWER_RX.fullmatch(ans) is not None, ans[:300]):
        return 1
    line = ans[:-2]
    bad += not check("%s: printable ASCII only" % w,
                     all(0x20 <= b <= 0x7E for b in line), line[:300])
    action = line[len(b"action="):]
    if action.startswith(b"prepend "):
        header = action[len(b"prepend "):]
        bad += not check("%s: header < 998 bytes (%d)" % (w, len(header)),
                         len(header) < HEADER_MAX, header[:200])
    elif action[:1] in (b"4", b"5") or action.startswith((b"reject", b"defer")):
        bad += not check("%s: reply text without CR/LF" % w,
                         b"\r" not in action and b"\n" not in action, action[:200])
    return bad


def run_config(policyd, port, cfg_name, cfg_text, tmp, reqs):
    conf = os.path.join(tmp, "c%d.conf" % abs(hash(cfg_name)))
    with open(conf, "w") as f:
        f.write(cfg_text)
    data = b"".join(r for _, r in reqs)
    try:
        p = subprocess.run([policyd, "--dns", "127.0.0.1:%d" % port, conf],
                           input=data, capture_output=True, timeout=WALL_S)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "hung", e.stdout or b"", e.stderr or b""
    check("%s: exit status 0 at the end of input" % cfg_name, rc == 0,
          "%s %r" % (rc, err[-400:]))
    # Split after every "\n\n": each piece should be one answer.
    pieces = []
    rest = out
    while b"\n\n" in rest:
        i = rest.index(b"\n\n") + 2
        pieces.append(rest[:i])
        rest = rest[i:]
    check("%s: nothing after the last answer" % cfg_name, rest == b"", rest[:200])
    check("%s: as many answers as requests (%d, %d)" % (cfg_name, len(pieces), len(reqs)),
          len(pieces) == len(reqs))
    for (label, _), ans in zip(reqs, pieces):
        judge(cfg_name, label, ans)
    return pieces


def main():
    if len(sys.argv) != 2:
        print("usage: test-output.py PATH/TO/policyd-spf", file=sys.stderr)
        return 2
    policyd = sys.argv[1]
    reqs = requests()
    with tempfile.TemporaryDirectory() as tmp, Server(build_zone()) as srv:
        seen = {}
        for name, text in CONFIGS.items():
            seen[name] = run_config(policyd, srv.port, name, text, tmp, reqs)
        # the hostile texts did reach the answers (the test tests something)
        spf = b"".join(seen["Header_Type SPF (default)"])
        check("a crafted sender echoed by %{l} was rendered into a reject (sanitized)",
              b"| us?er | m8.out.example" in spf)
        # rendered, then cut so the reply line fits RFC 5321's 512 octets
        check("a 2000-byte explanation was rendered into a reject",
              b"due to: " + b"A" * 250 + b"B" * 100 in spf)
        check("every reject text fits a 512-octet SMTP reply line",
              all(len(line) - len(b"action=") + 2 <= 512
                  for line in spf.split(b"\n") if line.startswith(b"action=550")))
        check("a crafted HELO name reached a header (sanitized)",
              b"tab" in spf and b"helo=" in spf)
        twice = seen["Reason_Message with {spf} twice"]
        check("Reason_Message with {spf} twice: the explanation appears twice",
              any(a.count(b"| user@m8.out.example |") == 2 for a in twice))
        ar = b"".join(seen["Header_Type AR"])
        check("Header_Type AR: Authentication-Results headers prepended",
              b"action=prepend Authentication-Results: mx.rcpt.example; spf=" in ar)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
