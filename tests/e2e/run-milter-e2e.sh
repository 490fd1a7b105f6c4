#!/bin/bash
# run-milter-e2e.sh - spfc-milter behind a real Postfix, side by side with
# policyd-spf behind the same Postfix.
#
# Usage: run-milter-e2e.sh PATH/TO/policyd-spf PATH/TO/spfc-milter
#
# The set-up of run-e2e.sh, smaller: a network namespace of its own with
# unbound on 127.0.0.1:53 serving the test zone (unbound.conf.in; the
# SERVFAIL upstream is not needed), a private Postfix instance
# (`postfix -c DIR/etc`, main.cf.in and master.cf.in plus the listeners
# below), never the system's /etc/postfix.  Policy listeners (spawn mode,
# as in run-e2e.sh): 2525 default.conf, 2528 tempdefer.conf, 2529
# default.conf behind permit_sasl_authenticated.  Milter listeners, with
# `smtpd_milters` instead of check_policy_service and
# `milter_default_action = tempfail`: 2555 default.conf, 2558
# tempdefer.conf, 2559 default.conf (SASL on, for XCLIENT LOGIN=), 2565
# default.conf with `milter_protocol = 2`.  Each spfc-milter runs in the
# foreground (-f) on inet:PORT@127.0.0.1 of the namespace, with --dns
# 127.0.0.1 and the test's configuration.  milter-e2e.py then runs every
# scenario once against a policy listener and once against a milter
# listener, prints the table policy-vs-milter and fails on any difference.
#
# Exit status: 77 (skipped) when not root or postfix is missing; 1 when a
# server does not come up or a scenario fails (the logs are printed).
# Everything is cleaned up on every exit (trap): the milters, Postfix,
# unbound, anything left in the namespace, the namespace, /etc/netns/NS,
# the temporary directory (kept when SPFC_E2E_KEEP=1).

set -u

policyd=${1:?usage: run-milter-e2e.sh POLICYD-SPF SPFC-MILTER}
milter=${2:?usage: run-milter-e2e.sh POLICYD-SPF SPFC-MILTER}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns.sh
. "$here/netns.sh"
PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
export PATH
READY_TENTHS=150
# config:port of the milters
MILTERS="default:2601 tempdefer:2602"

skip() {
	echo "run-milter-e2e.sh: skipped: $*" >&2
	exit 77
}
fail() {
	echo "run-milter-e2e.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "must run as root (network namespace, Postfix)"
command -v postfix >/dev/null 2>&1 || skip "postfix is not installed"
for tool in ip unbound /usr/bin/python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
[ -x "$policyd" ] || fail "$policyd is not an executable"
[ -x "$milter" ] || fail "$milter is not an executable"
# The milter runs as root from where it was built (its run path finds
# libspfc there); spawn(8) runs the policy service as nobody, so that one
# is copied, as in run-e2e.sh.
milter=$(cd "$(dirname "$milter")" && pwd)/$(basename "$milter")

ns=spfc-me2e-$$
tmp=$(mktemp -d /tmp/spfc-me2e.XXXXXX) || fail "mktemp failed"
chmod 0755 "$tmp"
postfix_started=
unbound_pid=
milter_pids=

# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	for p in $milter_pids; do
		kill "$p" 2>/dev/null
	done
	[ -n "$postfix_started" ] &&
		ip netns exec "$ns" postfix -c "$tmp/etc" stop >/dev/null 2>&1
	[ -n "$unbound_pid" ] && kill "$unbound_pid" 2>/dev/null
	netns_teardown "$ns"
	rm -rf "/etc/netns/$ns"
	if [ "${SPFC_E2E_KEEP:-0}" = 1 ]; then
		echo "run-milter-e2e.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inns() {
	ip netns exec "$ns" "$@"
}

fill() {
	sed -e "s|@DIR@|$tmp|g" -e "s|@UID@|$nobody_uid|g" \
		-e "s|@GID@|$nobody_gid|g" "$1" >"$2"
}

# shellcheck disable=SC2317 # run via wait_until
probe_tcp() {
	inns /usr/bin/python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
except OSError:
    sys.exit(1)' "$1"
}

# shellcheck disable=SC2317 # run via wait_until
probe_dns() {
	inns /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
q = struct.pack(">HHHHHH", 4242, 0x0100, 1, 0, 0, 0)
q += b"\x04pass\x07example\x00" + struct.pack(">HH", 16, 1)
try:
    s.sendto(q, ("127.0.0.1", 53))
    sys.exit(0 if s.recv(4096)[:2] == q[:2] else 1)
except OSError:
    sys.exit(1)'
}

# wait_until PID COMMAND...: as in run-e2e.sh.
wait_until() {
	pid=$1
	shift
	i=0
	while [ "$i" -lt "$READY_TENTHS" ]; do
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

nobody_uid=$(id -u nobody) || fail "no user nobody"
nobody_gid=$(id -g nobody) || fail "no group for nobody"

# ---- files ---------------------------------------------------------------
mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/dns" "$tmp/queue" "$tmp/data" \
	"$tmp/mail" "$tmp/milter" || fail "cannot create $tmp"
cp "$policyd" "$tmp/bin/" || fail "cannot copy $policyd"
for lib in "$(dirname "$policyd")"/libspfc.so*; do
	[ -f "$lib" ] && { cp -P "$lib" "$tmp/bin/" || fail "cannot copy $lib"; }
done
chmod 0755 "$tmp/bin" "$tmp/bin/"* "$tmp/etc"
for c in default tempdefer; do
	cp "$here/$c.conf" "$tmp/etc/$c.conf" || fail "cannot copy $c.conf"
	chmod 0644 "$tmp/etc/$c.conf"
done
fill "$here/main.cf.in" "$tmp/etc/main.cf"
cat >>"$tmp/etc/main.cf" <<EOF

# The milter run (run-milter-e2e.sh).
e2e_policy_auth = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, check_policy_service unix:private/policy-spf
e2e_milter_rcpt = permit_mynetworks, reject_unauth_destination
milter_default_action = tempfail
EOF
fill "$here/master.cf.in" "$tmp/etc/master.cf"
cat >>"$tmp/etc/master.cf" <<EOF
127.0.0.1:2529 inet n   -       n       -       -       smtpd
  -o smtpd_recipient_restrictions=\$e2e_policy_auth
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:2555 inet n   -       n       -       -       smtpd
  -o smtpd_recipient_restrictions=\$e2e_milter_rcpt
  -o smtpd_milters=inet:127.0.0.1:2601
127.0.0.1:2558 inet n   -       n       -       -       smtpd
  -o smtpd_recipient_restrictions=\$e2e_milter_rcpt
  -o smtpd_milters=inet:127.0.0.1:2602
127.0.0.1:2559 inet n   -       n       -       -       smtpd
  -o smtpd_recipient_restrictions=\$e2e_milter_rcpt
  -o smtpd_milters=inet:127.0.0.1:2601
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:2565 inet n   -       n       -       -       smtpd
  -o smtpd_recipient_restrictions=\$e2e_milter_rcpt
  -o smtpd_milters=inet:127.0.0.1:2601
  -o milter_protocol=2
EOF
fill "$here/unbound.conf.in" "$tmp/dns/unbound.conf"
: >"$tmp/etc/vmailbox"
for r in alice bob carol; do
	echo "$r@rcpt.example $r/" >>"$tmp/etc/vmailbox"
done
chown "$nobody_uid:$nobody_gid" "$tmp/mail"
chown postfix "$tmp/data"

# ---- namespace, DNS ------------------------------------------------------
ip netns add "$ns" || fail "ip netns add $ns failed"
inns ip link set lo up || fail "cannot bring up loopback in $ns"
mkdir -p "/etc/netns/$ns" || fail "cannot create /etc/netns/$ns"
echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
ip netns exec "$ns" unbound -d -c "$tmp/dns/unbound.conf" >"$tmp/dns/unbound.log" 2>&1 &
unbound_pid=$!
if ! wait_until "$unbound_pid" probe_dns; then
	cat "$tmp/dns/unbound.log" >&2
	fail "unbound did not start answering in $ns"
fi

# ---- the milters ---------------------------------------------------------
for m in $MILTERS; do
	c=${m%%:*}
	port=${m#*:}
	ip netns exec "$ns" "$milter" -f --socket "inet:$port@127.0.0.1" \
		--dns 127.0.0.1 "$tmp/etc/$c.conf" >"$tmp/milter/$c.log" 2>&1 &
	pid=$!
	milter_pids="$milter_pids $pid"
	if ! wait_until "$pid" probe_tcp "$port"; then
		cat "$tmp/milter/$c.log" >&2
		fail "spfc-milter ($c) did not start on 127.0.0.1:$port"
	fi
done

# ---- Postfix -------------------------------------------------------------
if ! inns postfix -c "$tmp/etc" check >"$tmp/postfix-check.log" 2>&1; then
	cat "$tmp/postfix-check.log" >&2
	fail "postfix check failed"
fi
if ! inns postfix -c "$tmp/etc" start >"$tmp/postfix-start.log" 2>&1; then
	cat "$tmp/postfix-start.log" "$tmp/maillog" >&2 2>/dev/null
	fail "postfix start failed"
fi
postfix_started=1
for port in 2525 2528 2529 2555 2558 2559 2565; do
	if ! wait_until "" probe_tcp "$port"; then
		cat "$tmp/maillog" >&2 2>/dev/null
		fail "Postfix is not listening on 127.0.0.1:$port"
	fi
done

# ---- scenarios -----------------------------------------------------------
inns /usr/bin/python3 "$here/milter-e2e.py" "$tmp"
status=$?
if [ "$status" -ne 0 ]; then
	echo "--- Postfix log ---"
	cat "$tmp/maillog" 2>/dev/null
	for m in $MILTERS; do
		echo "--- spfc-milter (${m%%:*}) ---"
		cat "$tmp/milter/${m%%:*}.log"
	done
fi
exit "$status"
