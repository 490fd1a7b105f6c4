#!/usr/bin/python3
"""Soak test: 100,000 messages through one spawn-mode policyd-spf process.

Feeds Postfix-shaped requests over a pipe (stdin/stdout, as spawn(8) does),
each a new message instance, and reads every answer.  Resident memory is
sampled from /proc after 20,000 and after 100,000 messages; the test fails
if it grew by more than GROWTH_KB (the per-instance cache and the DNS cache
are bounded, so memory must stay flat) or if any answer is missing.
Usage: run-soak.py POLICYD ZONE CONFIG
"""
import subprocess
import sys
import threading

MESSAGES = 100_000
WARMUP = 20_000
GROWTH_KB = 256

DOMAINS = ["pass.example", "fail.example", "soft.example", "neutral.example",
           "none.example", "perm.example", "exp.example"]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def request(i):
    dom = DOMAINS[i % len(DOMAINS)]
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
            "client_address=192.0.2.%d\nhelo_name=mail.pass.example\n"
            "sender=user%d@%s\nrecipient=rcpt%d@rcpt.example\n"
            "instance=soak.%d\nqueue_id=\n\n" % (i % 250 + 1, i, dom, i % 7, i))


def main():
    binary, zone, conf = sys.argv[1:4]
    p = subprocess.Popen([binary, "--zone", zone, conf], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, bufsize=0)
    answers = 0
    samples = {}
    lock = threading.Condition()

    def reader():
        nonlocal answers
        buf = b""
        while True:
            chunk = p.stdout.read(65536)
            if not chunk:
                break
            buf += chunk
            n = buf.count(b"\n\n")
            if n:
                buf = buf[buf.rindex(b"\n\n") + 2:]
                with lock:
                    answers += n
                    lock.notify_all()

    t = threading.Thread(target=reader)
    t.start()
    for batch_end in (WARMUP, MESSAGES):
        start = answers
        for i in range(start, batch_end):
            p.stdin.write(request(i).encode())
        with lock:
            lock.wait_for(lambda: answers >= batch_end, timeout=300)
        samples[batch_end] = rss_kb(p.pid)
        print("after %d messages: %d answers, VmRSS %d kB" %
              (batch_end, answers, samples[batch_end]))
    p.stdin.close()
    t.join()
    p.wait()
    growth = samples[MESSAGES] - samples[WARMUP]
    ok = answers == MESSAGES and growth <= GROWTH_KB and p.returncode == 0
    print("soak: %d messages answered, resident memory grew %d kB "
          "(limit %d kB), exit %d" % (answers, growth, GROWTH_KB, p.returncode))
    print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
