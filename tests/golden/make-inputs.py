#!/usr/bin/python3
"""Writes the request streams (NAME.in) and configs (NAME.conf) of the
policyd-spf golden transcripts.  The expected answers (NAME.ref) are
reviewed by hand: run-golden.sh --update rewrites them from the binary."""

import itertools

counter = itertools.count(1)


def req(ip, helo, sender, rcpt="someone@rcpt.example", instance=None, extra=()):
    inst = instance or "inst.%d" % next(counter)
    lines = ["request=smtpd_access_policy", "protocol_state=RCPT",
             "protocol_name=ESMTP", "client_address=%s" % ip,
             "client_name=unknown", "reverse_client_name=unknown"]
    if helo is not None:
        lines.append("helo_name=%s" % helo)
    if sender is not None:
        lines.append("sender=%s" % sender)
    lines += ["recipient=%s" % rcpt, "recipient_count=0", "queue_id=",
              "instance=%s" % inst, "size=0"]
    lines += list(extra)
    return "\n".join(lines) + "\n\n"


# One request per SPF result and identity, used under many configs.
BASIC = [
    req("192.0.2.1", "mail.pass.example", "user@pass.example"),     # pass
    req("192.0.2.9", "x.example", "user@fail.example"),             # fail
    req("192.0.2.9", "x.example", "user@soft.example"),             # softfail
    req("192.0.2.9", "x.example", "user@neutral.example"),          # neutral
    req("192.0.2.9", "x.example", "user@none.example"),             # none
    req("192.0.2.9", "x.example", "user@perm.example"),             # permerror
    req("192.0.2.9", "helo-fail.example", "user@pass.example"),     # HELO fail
    req("192.0.2.9", "mail.pass.example", ""),                      # null, HELO fail
    req("192.0.2.1", "mail.pass.example", ""),                      # null, HELO pass
    req("192.0.2.9", "x.example", "user@exp.example"),              # fail + exp
    req("192.0.2.9", "x.example", "user@softexp.example"),          # softfail + exp
]

SLOW = [
    req("192.0.2.9", "x.example", "user@temp.example"),             # time-out
    req("192.0.2.9", "x.example", "user@servfail.example"),         # SERVFAIL
]

files = {}

files["default"] = (None, BASIC + [
    # multi-recipient: header once, then dunno
    req("192.0.2.1", "mail.pass.example", "user@pass.example", "a@rcpt.example", "multi.1"),
    req("192.0.2.1", "mail.pass.example", "user@pass.example", "b@rcpt.example", "multi.1"),
    req("192.0.2.1", "mail.pass.example", "user@pass.example", "c@rcpt.example", "multi.1"),
    # multi-recipient reject: replayed
    req("192.0.2.9", "x.example", "user@fail.example", "a@rcpt.example", "multi.2"),
    req("192.0.2.9", "x.example", "user@fail.example", "b@rcpt.example", "multi.2"),
    # IPv6, IPv4-mapped, upper case, loopback
    req("2001:db8::1", "mail.pass.example", "user@pass.example"),
    req("2001:db8::9", "x.example", "user@pass.example"),
    req("::ffff:192.0.2.1", "mail.pass.example", "user@pass.example"),
    req("192.0.2.1", "MAIL.PASS.EXAMPLE", "User@Pass.Example"),
    req("127.0.0.1", "x.example", "user@fail.example"),
    req("::1", "x.example", "user@fail.example"),
    req("::ffff:127.0.0.1", "x.example", ""),
    # missing HELO (empty): the sender's domain stands in
    req("192.0.2.1", "", "user@pass.example"),
    # a trailing dot on the HELO name does not escape its check
    req("192.0.2.9", "helo-fail.example.", "user@pass.example"),
    # hostile exp= text cannot split the answer
    req("192.0.2.9", "x.example", "user@evil.example"),
    # recipient without a domain
    req("192.0.2.1", "mail.pass.example", "user@pass.example", "postmaster"),
])

files["malformed"] = (None, [
    "client_address=192.0.2.1\nsender=user@pass.example\nrecipient=a@rcpt.example\ninstance=m1\n\n",
    "helo_name=mail.pass.example\nsender=user@pass.example\nrecipient=a@rcpt.example\ninstance=m2\n\n",
    "client_address=not-an-address\nhelo_name=x.example\nsender=user@pass.example\ninstance=m3\n\n",
    "client_address= 192.0.2.1\nhelo_name=mail.pass.example\nsender=user@pass.example\ninstance=m4\n\n",
    "garbage line\nclient_address=192.0.2.1\nhelo_name=mail.pass.example\nsender=user@pass.example\ninstance=m5\n\n",
    "client_address=192.0.2.1\r\nhelo_name=mail.pass.example\r\nsender=user@pass.example\r\ninstance=m6\r\n\r\n",
    "client_address=192.0.2.1\nhelo_name=" + "a" * 9000 + "\nsender=user@pass.example\ninstance=m7\n\n",
    "\n",
    req("192.0.2.1", "mail.pass.example", "user@pass.example"),
])

files["timeouts"] = ("Lookup_Time = 1\n", SLOW)
files["tempdefer"] = ("Lookup_Time = 1\nTempError_Defer = True\n", SLOW + [
    req("192.0.2.9", "x.example", "user@temp.example", "a@rcpt.example", "t.1"),
    req("192.0.2.9", "x.example", "user@temp.example", "b@rcpt.example", "t.1"),
])

for pol in ("SPF_Not_Pass", "Softfail", "Fail", "Null", "False", "No_Check"):
    files["helo-" + pol.lower()] = ("HELO_reject = %s\n" % pol, BASIC)
for pol in ("SPF_Not_Pass", "Softfail", "False", "No_Check"):
    files["mfrom-" + pol.lower()] = ("Mail_From_reject = %s\n" % pol, BASIC)
files["both-nocheck"] = ("HELO_reject = No_Check\nMail_From_reject = No_Check\n", BASIC)
files["permerror-reject"] = ("PermError_reject = True\n", BASIC + [
    req("192.0.2.9", "x.example", "user@perm.example", "a@rcpt.example", "p.1"),
    req("192.0.2.9", "x.example", "user@perm.example", "b@rcpt.example", "p.1"),
])
files["no-mail"] = ("No_Mail = True\n", BASIC + [
    req("192.0.2.9", "x.example", "user@nomail.example"),
    req("192.0.2.9", "x.example", "user@notnomail.example"),
])
files["reject-not-pass"] = ("Reject_Not_Pass_Domains = soft.example,neutral.example\n", BASIC)
files["pass-restriction"] = ("HELO_pass_restriction = helo_pass\nMail_From_pass_restriction = mfrom_pass\n", BASIC)
files["helo-pass-restriction"] = ("HELO_pass_restriction = helo_pass\n", BASIC)
files["prospective"] = ("Prospective = 192.0.2.1\n", BASIC)
files["skip-addresses"] = ("skip_addresses = 192.0.2.0/28\n", BASIC)
files["whitelist"] = ("Whitelist = 192.0.2.0/29,203.0.113.0/24\n", BASIC + [
    req("203.0.113.7", "x.example", "user@fail.example"),
])
files["whitelist-bad"] = ("Whitelist = 192.0.2.1/24,192.0.2.0/24\n", BASIC[:2])
files["domain-whitelist"] = ("Domain_Whitelist = relay.example\n", [
    req("203.0.113.7", "x.example", "user@fail.example"),
    req("192.0.2.9", "x.example", "user@fail.example"),
])
files["helo-whitelist"] = ("HELO_Whitelist = helo-ok.example,fwd.relay.example\n", [
    req("203.0.113.9", "helo-ok.example", "user@fail.example"),
    req("203.0.113.9", "fwd.relay.example", "user@fail.example"),
])
files["ptr-whitelist"] = ("Domain_Whitelist_PTR = relay.example\n", [
    req("203.0.113.7", "x.example", "user@fail.example"),
    req("203.0.113.8", "x.example", "user@fail.example"),   # evilrelay.example: no
])
files["no-enhanced"] = ("SPF_Enhanced_Status_Codes = No\nPermError_reject = True\nLookup_Time = 1\nTempError_Defer = True\n",
                        BASIC + SLOW[:1])
files["header-ar"] = ("Header_Type = AR\nAuthserv_Id = MX.Rcpt.Example\n", BASIC + [
    req("127.0.0.1", "x.example", "user@fail.example"),
])
files["header-none"] = ("Header_Type = None\n", BASIC)
files["hide-receiver"] = ("Hide_Receiver = Yes\n", BASIC)
files["reason"] = ("Reason_Message = SPF {rejectdefer}: {spf} (see {url}) a=b\n", BASIC)
files["mock"] = ("Mock = True\n", BASIC[:2])
files["mock-false"] = ("Mock = False\n", BASIC[:2])
files["testonly"] = ("TestOnly = 0\n", BASIC)
files["queueid-off"] = ("QueueID = False\n", BASIC[:2])
files["void-limit"] = ("Void_Limit = 1\n", [req("192.0.2.9", "x.example", "user@voids.example")])
files["per-user"] = ("Per_User = text,per-user.txt\n", [
    req("192.0.2.9", "x.example", "user@soft.example", "strict@rcpt.example"),
    req("192.0.2.9", "x.example", "user@soft.example", "normal@rcpt.example"),
])

for name, (conf, reqs) in files.items():
    with open(name + ".in", "w") as f:
        f.write("".join(reqs))
    if conf is not None:
        with open(name + ".conf", "w") as f:
            f.write("# golden test config\nAuthserv_Id = mx.rcpt.example\n" + conf)
with open("default.conf", "w") as f:
    f.write("# golden test config: spf-engine's built-in defaults\nAuthserv_Id = mx.rcpt.example\n")
with open("per-user.txt", "w") as f:
    f.write("# recipient,Key=Value|Key=Value\nstrict@rcpt.example,Mail_From_reject=Softfail\n")
