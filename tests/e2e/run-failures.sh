#!/bin/bash
# run-failures.sh - what a broken policy service looks like from Postfix:
# the mail log lines and the SMTP reply that policyd-spf(8), RUNNING BY
# HAND, quotes for each usual mistake.
#
# Usage: run-failures.sh PATH/TO/policyd-spf
#
# A private Postfix instance (own configuration directory, queue, data
# directory and maillog_file, `postfix -c DIR/etc start`, as in
# run-e2e.sh; the system's /etc/postfix is never read or changed) runs in
# a network namespace of its own, with one smtpd listener per mistake,
# each with its own policy service in master.cf:
#   2601 nopath   spawn, argv= names a program that does not exist;
#   2602 noexec   spawn, argv= names a program user=nobody may not run
#                 (root's, mode 0700);
#   2603 noconf   spawn, argv= names a configuration file user=nobody
#                 cannot read (root's, mode 0600): policyd-spf exits 1,
#                 and its standard error, which spawn(8) connects to the
#                 client, reaches smtpd, not the log;
#   2604 silent   spawn, a service that never answers (a script that
#                 sleeps), smtpd_policy_service_timeout=2s;
#   2605 slowdns  spawn, policyd-spf with Lookup_Time = 10 and a name
#                 server (--dns) that takes the query and never answers,
#                 smtpd_policy_service_timeout=2s;
#   2606 nonexistent  check_policy_service unix:private/nonexistent, a
#                 listen-mode socket that is not there;
#   2607 noaccess a listen-mode daemon (started as root, --socket-owner
#                 nobody) whose socket smtpd, user postfix, may not use;
#   2608 badopt   spawn, argv= with an option policyd-spf does not know: it
#                 exits 2, its usage on standard error as with noconf.
# For each, swaks sends one recipient from a documentation address
# (XCLIENT) and the test checks that RCPT gets Postfix's
# smtpd_policy_service_default_action, 451 4.3.5, and that the instance's
# log has the documented lines, each as often as smtpd's default
# smtpd_policy_service_try_limit (2) makes them, the reject logged by the
# same smtpd process.  The transactions run side by side.
#
# How it fails: exit 77 (skipped) when not root or when ip, postfix, swaks
# or python3 is missing; exit 1 with the swaks transcripts and the Postfix
# log when a reply or a log line is not the documented one, or a server
# does not come up.  Everything is cleaned up on every exit (trap):
# Postfix, every process left in the namespace (spawn(8) and the services
# it started, the silent name server, the listen-mode daemon), the
# namespace, the temporary directory (kept when SPFC_E2E_KEEP=1).

set -u

policyd=${1:?usage: run-failures.sh PATH/TO/policyd-spf}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns.sh
. "$here/netns.sh"
PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
export PATH

# How long Postfix or the name server may take to come up, and a log line
# to show up once swaks is done (tenths of a second).
READY_TENTHS=150
# The listeners and their policy services (see above).
SCENARIOS="2601:nopath 2602:noexec 2603:noconf 2604:silent 2605:slowdns
	2606:nonexistent 2607:noaccess 2608:badopt"
# What every failure answers, smtpd_policy_service_default_action.
REPLY='451 4\.3\.5 <alice@rcpt\.example>: Recipient address rejected: Server configuration problem'

skip() {
	echo "run-failures.sh: skipped: $*" >&2
	exit 77
}

fail() {
	echo "run-failures.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "must run as root (network namespace, Postfix)"
for tool in ip postfix swaks /usr/bin/python3; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -x "$policyd" ] || fail "$policyd is not an executable"

ns=spfc-fail-$$
# Under /tmp: Postfix and nobody must reach everything in it.
tmp=$(mktemp -d /tmp/spfc-fail.XXXXXX) || fail "mktemp failed"
chmod 0755 "$tmp"
postfix_started=

# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	if [ -n "$postfix_started" ]; then
		ip netns exec "$ns" postfix -c "$tmp/etc" stop >/dev/null 2>&1
	fi
	# What is left in the namespace was started by this test: spawn(8),
	# the services it started (the sleeping ones above all), the name
	# server, the listen-mode daemon.
	netns_teardown "$ns"
	if [ "${SPFC_E2E_KEEP:-0}" = 1 ]; then
		echo "run-failures.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inns() {
	ip netns exec "$ns" "$@"
}

# shellcheck disable=SC2317 # probe_tcp and at_least run via wait_until
# 0 when something accepts TCP connections on 127.0.0.1:$1 in the namespace.
probe_tcp() {
	inns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# wait_until COMMAND...: run COMMAND until it succeeds; 1 when time runs out.
wait_until() {
	i=0
	while [ "$i" -lt "$READY_TENTHS" ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- files ---------------------------------------------------------------
mkdir -p "$tmp/bin/root-only" "$tmp/etc" "$tmp/queue" "$tmp/data" \
	"$tmp/smtp" || fail "cannot create $tmp"
# The binary twice, so that spawn's lines for one service are not the
# other's; the shared libspfc beside them ($ORIGIN).
cp "$policyd" "$tmp/bin/policyd-spf" || fail "cannot copy $policyd"
cp "$policyd" "$tmp/bin/policyd-spf-slowdns" || fail "cannot copy $policyd"
for lib in "$(dirname "$policyd")"/libspfc.so*; do
	[ -f "$lib" ] && { cp -P "$lib" "$tmp/bin/" || fail "cannot copy $lib"; }
done
# A policy service that takes the connection and never answers.
printf '#!/bin/sh\nexec sleep 60\n' >"$tmp/bin/silent"
chmod 0755 "$tmp/bin" "$tmp/bin/policyd-spf" "$tmp/bin/policyd-spf-slowdns" \
	"$tmp/bin/silent" "$tmp/etc"
# A copy only root may run.
cp "$policyd" "$tmp/bin/root-only/policyd-spf" || fail "cannot copy $policyd"
chmod 0700 "$tmp/bin/root-only/policyd-spf"
cp "$here/default.conf" "$tmp/etc/default.conf" || fail "cannot copy default.conf"
# A DNS budget longer than smtpd's policy time-out.
sed 's/^Lookup_Time = .*/Lookup_Time = 10/' "$here/default.conf" >"$tmp/etc/slow.conf"
grep -q '^Lookup_Time = 10$' "$tmp/etc/slow.conf" ||
	fail "default.conf has no Lookup_Time to raise"
# A configuration only root can read.
cp "$here/default.conf" "$tmp/etc/secret.conf" || fail "cannot copy default.conf"
chmod 0644 "$tmp/etc/default.conf" "$tmp/etc/slow.conf"
chown root:root "$tmp/etc/secret.conf"
chmod 0600 "$tmp/etc/secret.conf"
chown postfix "$tmp/data"
echo "alice@rcpt.example alice/" >"$tmp/etc/vmailbox"

cat >"$tmp/etc/main.cf" <<EOF
# The private instance of run-failures.sh: nothing of the system's Postfix.
compatibility_level = 3.6
queue_directory = $tmp/queue
data_directory = $tmp/data
mail_owner = postfix
maillog_file = $tmp/maillog
maillog_file_prefixes = $tmp
myhostname = mx.rcpt.example
mydomain = rcpt.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
mynetworks = 203.0.113.250/32
smtpd_authorized_xclient_hosts = 127.0.0.0/8
alias_maps =
alias_database =
virtual_mailbox_domains = rcpt.example
virtual_mailbox_maps = texthash:$tmp/etc/vmailbox
EOF

# One smtpd listener per scenario, on the scenario's policy service.
listeners() {
	for s in $SCENARIOS; do
		echo "127.0.0.1:${s%%:*} inet n - n - - smtpd"
		echo "  -o smtpd_recipient_restrictions=reject_unauth_destination,check_policy_service,unix:private/${s#*:}"
		case ${s#*:} in
		silent | slowdns) echo "  -o smtpd_policy_service_timeout=2s" ;;
		esac
	done
}
{
	listeners
	cat <<EOF
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
nopath    unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/no-such-policyd-spf $tmp/etc/default.conf
noexec    unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/root-only/policyd-spf $tmp/etc/default.conf
noconf    unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/policyd-spf $tmp/etc/secret.conf
silent    unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/silent
badopt    unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/policyd-spf --no-such-option $tmp/etc/default.conf
slowdns   unix  -       n       n       -       0       spawn
  user=nobody argv=$tmp/bin/policyd-spf-slowdns --dns 127.0.0.1:5353 $tmp/etc/slow.conf
EOF
} >"$tmp/etc/master.cf"

# ---- namespace, name server, Postfix -------------------------------------
ip netns add "$ns" || fail "ip netns add $ns failed"
inns ip link set lo up || fail "cannot bring up loopback in $ns"

# Takes every query and never answers; DIR/dns.asked once one came.  Not
# through inns, whose subshell would report the clean-up's kill.
ip netns exec "$ns" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5353))
open(sys.argv[1] + "/dns.ready", "w").close()
while True:
    s.recvfrom(4096)
    open(sys.argv[1] + "/dns.asked", "w").close()' "$tmp" &
disown $!
wait_until test -e "$tmp/dns.ready" || fail "the silent name server did not start"

if ! inns postfix -c "$tmp/etc" check >"$tmp/postfix-check.log" 2>&1; then
	cat "$tmp/postfix-check.log" >&2
	fail "postfix check failed"
fi
if ! inns postfix -c "$tmp/etc" start >"$tmp/postfix-start.log" 2>&1; then
	cat "$tmp/postfix-start.log" "$tmp/maillog" >&2 2>/dev/null
	fail "postfix start failed"
fi
postfix_started=1

# A listen-mode daemon whose socket smtpd (user postfix) may not use:
# nobody's, mode 0660, group root.  Not through inns (see above).
ip netns exec "$ns" "$tmp/bin/policyd-spf" --listen "unix:$tmp/queue/private/noaccess" \
	--socket-owner nobody "$tmp/etc/default.conf" >"$tmp/noaccess.log" 2>&1 &
disown $!
if ! wait_until test -S "$tmp/queue/private/noaccess"; then
	cat "$tmp/noaccess.log" >&2
	fail "policyd-spf --listen unix:$tmp/queue/private/noaccess did not start"
fi

for s in $SCENARIOS; do
	if ! wait_until probe_tcp "${s%%:*}"; then
		cat "$tmp/maillog" >&2 2>/dev/null
		fail "Postfix is not listening on 127.0.0.1:${s%%:*}"
	fi
done

# ---- the mistakes ----------------------------------------------------------
swaks_pids=
for s in $SCENARIOS; do
	inns swaks --server 127.0.0.1 --port "${s%%:*}" --timeout 30 \
		--xclient-addr 192.0.2.1 --xclient-name '[UNAVAILABLE]' \
		--helo client.example --from sender@example.com \
		--to alice@rcpt.example --quit-after RCPT \
		>"$tmp/smtp/${s#*:}.log" 2>&1 </dev/null &
	swaks_pids="$swaks_pids $!"
done
for p in $swaks_pids; do
	wait "$p"
done

# ---- the checks ------------------------------------------------------------
errors=0
bad() {
	echo "FAIL $*"
	errors=$((errors + 1))
}

# An extended regular expression for text $1 taken literally.
literal() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}
D=$(literal "$tmp")

# count REGEX: how many lines of the log match.
count() {
	grep -Ec -- "$1" "$tmp/maillog" 2>/dev/null
}

# shellcheck disable=SC2317
# at_least N REGEX: 0 once N lines match.
at_least() {
	[ "$(count "$2")" -ge "$1" ]
}

# expect NAME N REGEX: exactly N lines of the log match REGEX (waiting for
# the last ones: spawn may log after smtpd answered).
expect() {
	local n
	wait_until at_least "$2" "$3"
	n=$(count "$3")
	[ "$n" -eq "$2" ] || bad "$1: $n lines, not $2, match: $3"
}

# smtpd NAME N TEXT: N lines "postfix/smtpd[PID]: TEXT" (TEXT a regex),
# all from one smtpd process, which then logged the reject.
smtpd() {
	local pid
	expect "$1" "$2" "postfix/smtpd\\[[0-9]+\\]: $3\$"
	pid=$(grep -Eo -- "postfix/smtpd\\[[0-9]+\\]: $3\$" "$tmp/maillog" |
		sed 's/^postfix\/smtpd\[\([0-9]*\)\].*/\1/' | sort -u)
	[ "$(echo "$pid" | wc -w)" -eq 1 ] || { bad "$1: not one smtpd: $pid"; return; }
	expect "$1" 1 "postfix/smtpd\\[$pid\\]: NOQUEUE: reject: RCPT from unknown\\[192\\.0\\.2\\.1\\]: $REPLY; from=<sender@example\\.com> to=<alice@rcpt\\.example> proto=ESMTP helo=<client\\.example>\$"
}

# spawn NAME N TEXT: N lines "postfix/spawn[PID]: TEXT".
spawn() {
	expect "$1" "$2" "postfix/spawn\\[[0-9]+\\]: $3\$"
}

for s in $SCENARIOS; do
	grep -Eq "^<\\*\\* $REPLY\$" "$tmp/smtp/${s#*:}.log" ||
		bad "${s#*:}: RCPT did not get $REPLY"
done

spawn nopath 2 "fatal: spawn_comand: execvp $D/bin/no-such-policyd-spf: No such file or directory"
spawn nopath 2 "warning: command $D/bin/no-such-policyd-spf exit status 1"
smtpd nopath 1 "warning: problem talking to server private/nopath: Connection reset by peer"

spawn noexec 2 "fatal: spawn_comand: execvp $D/bin/root-only/policyd-spf: Permission denied"
spawn noexec 2 "warning: command $D/bin/root-only/policyd-spf exit status 1"
smtpd noexec 1 "warning: problem talking to server private/noexec: Connection reset by peer"

spawn noconf 2 "warning: command $D/bin/policyd-spf exit status 1"
smtpd noconf 2 "warning: premature end-of-input on private/noconf while reading input attribute name"
smtpd noconf 1 "warning: problem talking to server private/noconf: Connection reset by peer"
# policyd-spf's own line went to smtpd (and syslog), not to this log.
expect noconf 0 "not starting without its settings"

spawn badopt 2 "warning: command $D/bin/policyd-spf exit status 2"
smtpd badopt 2 "warning: premature end-of-input on private/badopt while reading input attribute name"
smtpd badopt 1 "warning: problem talking to server private/badopt: Connection reset by peer"

smtpd silent 2 "warning: problem talking to server private/silent: Connection timed out"

[ -e "$tmp/dns.asked" ] || bad "slowdns: policyd-spf asked the name server nothing"
smtpd slowdns 2 "warning: problem talking to server private/slowdns: Connection timed out"

smtpd nonexistent 2 "warning: connect to private/nonexistent: No such file or directory"
smtpd nonexistent 1 "warning: problem talking to server private/nonexistent: No such file or directory"

smtpd noaccess 2 "warning: connect to private/noaccess: Permission denied"
smtpd noaccess 2 "warning: problem talking to server private/noaccess: Permission denied"

if [ "$errors" -ne 0 ]; then
	for s in $SCENARIOS; do
		echo "--- swaks, ${s#*:} ---"
		cat "$tmp/smtp/${s#*:}.log"
	done
	echo "--- Postfix log ---"
	cat "$tmp/maillog"
	exit 1
fi
echo "ok: $(echo "$SCENARIOS" | wc -w) policy service failures, replies and log lines as documented"
exit 0
