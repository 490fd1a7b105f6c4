#!/bin/bash
# run-e2e.sh - end-to-end test of policyd-spf behind a real Postfix.
#
# Usage: run-e2e.sh PATH/TO/policyd-spf
#
# What it does, all of it inside a network namespace of its own (no packet
# leaves it) and a temporary directory:
#   - `ip netns add`, loopback up, /etc/netns/NS/resolv.conf with
#     "nameserver 127.0.0.1" (ip netns exec bind-mounts it over
#     /etc/resolv.conf for everything started in the namespace);
#   - unbound on 127.0.0.1:53 serving the test zone (unbound.conf.in) and a
#     second unbound on 127.0.0.2:53 that refuses servfail.example, so the
#     first answers SERVFAIL for it (unbound-upstream.conf.in);
#   - a private Postfix instance, `postfix -c DIR/etc start`, with its own
#     main.cf/master.cf (main.cf.in, master.cf.in), queue, data and Maildir
#     directories and log file; the policy service is spawned exactly as
#     in the classic set-up (`spawn` + `user=nobody argv=...`).  Postfix
#     accepts a non-default configuration directory from root without an
#     alternate_config_directories entry in /etc/postfix/main.cf (that
#     list guards only unprivileged use of the set-gid postdrop/sendmail),
#     so the system's Postfix configuration is never read or changed;
#     maillog_file needs maillog_file_prefixes to allow its directory.
#   - the listen-mode daemons, `policyd-spf --listen unix:DIR/listen/X.sock`
#     (as nobody), one per configuration;
#   - a second private Postfix instance (DIR/c) whose master.cf is Debian's
#     stock one, /usr/share/postfix/master.cf.dist, unchanged (smtpd
#     chrooted in the queue directory: "smtp inet n - y", port 25 of the
#     namespace's 127.0.0.1) plus one more chrooted smtpd on 2546
#     (master-chroot.cf); its chroot is set up by Debian's own
#     /usr/lib/postfix/configure-instance.sh (etc/services, resolv.conf,
#     hosts, nsswitch.conf, the NSS libraries...), pointed at this
#     instance with MAIL_CONFIG; and the documented listen-mode daemon for
#     it: started as root, socket DIR/c/queue/private/policy-spf given to
#     postfix:postfix, then running as nobody (chroot.conf), which smtpd
#     reaches from its chroot as unix:private/policy-spf.  The listener on
#     2546 points at a socket outside the chroot, as the set-up documented
#     before did;
#   - then e2e.py runs the scenarios with swaks and checks the replies and
#     the delivered copies.
# The policy binary and its configurations are copied into the temporary
# directory (0755/0644): spawn(8) runs the service as nobody, which may not
# be able to read the build directory.
#
# How it fails: exit status 1 with a message when not root, when a tool is
# missing (ip, unbound, postfix, swaks, python3) or a server does not come
# up; the test is never skipped.  On a failed scenario the Postfix log is
# printed.  Everything is cleaned up on exit (trap): the listen daemons,
# Postfix, the unbound servers, any other process left in the namespace,
# the namespace, /etc/netns/NS, the temporary directory (kept when
# SPFC_E2E_KEEP=1, for debugging).

set -u

policyd=${1:?usage: run-e2e.sh PATH/TO/policyd-spf}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns.sh
. "$here/netns.sh"
PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin
export PATH

# How long a server may take to come up (tenths of a second).
READY_TENTHS=150
# The listen-mode configurations (NAME.conf in this directory); the
# spawn-mode services of master.cf.in use the same files.
CONFIGS="default ar permerror tempdefer"
# The recipients every scenario may use (virtual_mailbox_maps).
RECIPIENTS="alice bob carol"

fail() {
	echo "run-e2e.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (network namespace, Postfix)"
for tool in ip unbound postfix swaks /usr/bin/python3 setpriv; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool is not installed (apt-get install iproute2 unbound postfix swaks python3 util-linux)"
done
[ -x "$policyd" ] || fail "$policyd is not an executable"

ns=spfc-e2e-$$
# Under /tmp, not $TMPDIR: Postfix (as postfix) and the policy service (as
# nobody) must be able to reach everything in it.
tmp=$(mktemp -d /tmp/spfc-e2e.XXXXXX) || fail "mktemp failed"
chmod 0755 "$tmp"
postfix_started=
chroot_started=
unbound_pid=
upstream_pid=
listen_pids=

# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	for p in $listen_pids; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$postfix_started" ]; then
		ip netns exec "$ns" postfix -c "$tmp/etc" stop >/dev/null 2>&1
	fi
	if [ -n "$chroot_started" ]; then
		ip netns exec "$ns" postfix -c "$tmp/c/etc" stop >/dev/null 2>&1
	fi
	[ -n "$unbound_pid" ] && kill "$unbound_pid" 2>/dev/null
	[ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null
	# Whatever else is still running in the namespace was started by
	# this test (Postfix's children, a spawned policy service).
	netns_teardown "$ns"
	rm -rf "/etc/netns/$ns"
	if [ "${SPFC_E2E_KEEP:-0}" = 1 ]; then
		echo "run-e2e.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inns() {
	ip netns exec "$ns" "$@"
}

# Fill in a template: @DIR@ the temporary directory, @UID@/@GID@ nobody's.
fill() {
	sed -e "s|@DIR@|$tmp|g" -e "s|@UID@|$nobody_uid|g" \
		-e "s|@GID@|$nobody_gid|g" "$1" >"$2"
}

# shellcheck disable=SC2317 # probe_dns and probe_tcp run via wait_until
# One DNS query (TXT pass.example) to $1:53 inside the namespace; 0 when an
# answer comes back.
probe_dns() {
	inns /usr/bin/python3 - "$1" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
q = struct.pack(">HHHHHH", 4242, 0x0100, 1, 0, 0, 0)
q += b"\x04pass\x07example\x00" + struct.pack(">HH", 16, 1)
try:
    s.sendto(q, (sys.argv[1], 53))
    d = s.recv(4096)
    sys.exit(0 if d[:2] == q[:2] else 1)
except OSError:
    sys.exit(1)
EOF
}

# shellcheck disable=SC2317
# 0 when something accepts TCP connections on 127.0.0.1:$1 in the namespace.
probe_tcp() {
	inns /usr/bin/python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
except OSError:
    sys.exit(1)' "$1"
}

# wait_until PID COMMAND...: run COMMAND until it succeeds; 1 when PID (if
# not empty) dies or time runs out.
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

# shellcheck disable=SC2317 # run via wait_until
# 0 when process $1 runs as nobody (real, effective, saved and fs uid).
runs_as_nobody() {
	[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null)" = \
		"$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ]
}

nobody_uid=$(id -u nobody) || fail "no user nobody"
nobody_gid=$(id -g nobody) || fail "no group for nobody"
postfix_gid=$(getent group postfix | cut -d: -f3)
[ -n "$postfix_gid" ] || fail "no group postfix"

# ---- files ---------------------------------------------------------------
mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/dns" "$tmp/queue" "$tmp/data" \
	"$tmp/mail" "$tmp/listen" "$tmp/msg" || fail "cannot create $tmp"
cp "$policyd" "$tmp/bin/policyd-spf" || fail "cannot copy $policyd"
# the shared libspfc beside it, where the build's run path ($ORIGIN) looks
for lib in "$(dirname "$policyd")"/libspfc.so*; do
	[ -f "$lib" ] && { cp -P "$lib" "$tmp/bin/" || fail "cannot copy $lib"; }
done
chmod 0755 "$tmp/bin" "$tmp/bin/policyd-spf" "$tmp/etc"
for c in $CONFIGS; do
	cp "$here/$c.conf" "$tmp/etc/$c.conf" || fail "cannot copy $c.conf"
	chmod 0644 "$tmp/etc/$c.conf"
done
fill "$here/main.cf.in" "$tmp/etc/main.cf"
fill "$here/master.cf.in" "$tmp/etc/master.cf"
fill "$here/unbound.conf.in" "$tmp/dns/unbound.conf"
fill "$here/unbound-upstream.conf.in" "$tmp/dns/unbound-upstream.conf"
: >"$tmp/etc/vmailbox"
for r in $RECIPIENTS; do
	echo "$r@rcpt.example $r/" >>"$tmp/etc/vmailbox"
done
chown "$nobody_uid:$nobody_gid" "$tmp/mail" "$tmp/listen"
# Postfix wants its data directory owned by mail_owner.
chown postfix "$tmp/data"
cp "$here/chroot.conf" "$tmp/etc/chroot.conf" || fail "cannot copy chroot.conf"
chmod 0644 "$tmp/etc/chroot.conf"

# The stock instance: Debian's master.cf, unchanged, and one more listener.
stock_master=/usr/share/postfix/master.cf.dist
[ -f "$stock_master" ] || fail "$stock_master is missing (Debian's postfix package)"
mkdir -p "$tmp/c/etc" "$tmp/c/queue" "$tmp/c/data" "$tmp/c/mail" ||
	fail "cannot create $tmp/c"
fill "$here/main-chroot.cf.in" "$tmp/c/etc/main.cf"
cat "$stock_master" "$here/master-chroot.cf" >"$tmp/c/etc/master.cf"
grep -Eq '^smtp +inet +n +- +y +- +- +smtpd$' "$tmp/c/etc/master.cf" ||
	fail "$stock_master does not run smtpd chrooted (smtp inet n - y)"
chmod 0755 "$tmp/c" "$tmp/c/etc"
chown "$nobody_uid:$nobody_gid" "$tmp/c/mail"
chown postfix "$tmp/c/data"

# ---- namespace -----------------------------------------------------------
ip netns add "$ns" || fail "ip netns add $ns failed"
inns ip link set lo up || fail "cannot bring up loopback in $ns"
mkdir -p "/etc/netns/$ns" || fail "cannot create /etc/netns/$ns"
echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"

# ---- DNS -----------------------------------------------------------------
inns unbound -d -c "$tmp/dns/unbound-upstream.conf" >"$tmp/dns/upstream.log" 2>&1 &
upstream_pid=$!
inns unbound -d -c "$tmp/dns/unbound.conf" >"$tmp/dns/unbound.log" 2>&1 &
unbound_pid=$!
if ! wait_until "$unbound_pid" probe_dns 127.0.0.1 ||
	! wait_until "$upstream_pid" probe_dns 127.0.0.2; then
	cat "$tmp/dns/unbound.log" "$tmp/dns/upstream.log" >&2
	fail "unbound did not start answering in $ns"
fi

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
for port in 2525 2526 2527 2528 2535 2536 2537 2538; do
	if ! wait_until "" probe_tcp "$port"; then
		cat "$tmp/maillog" >&2 2>/dev/null
		fail "Postfix is not listening on 127.0.0.1:$port"
	fi
done

# ---- the stock instance, smtpd chrooted ----------------------------------
# Debian's own chroot set-up, as its postfix service runs it before start;
# postconf (and so the script) reads the instance named by MAIL_CONFIG.
if ! inns env MAIL_CONFIG="$tmp/c/etc" sh /usr/lib/postfix/configure-instance.sh - \
	>"$tmp/c/configure.log" 2>&1; then
	cat "$tmp/c/configure.log" >&2
	fail "configure-instance.sh failed for the stock instance"
fi
for f in etc/services etc/resolv.conf etc/hosts etc/nsswitch.conf; do
	[ -f "$tmp/c/queue/$f" ] || fail "the chroot has no $f"
done
if ! inns postfix -c "$tmp/c/etc" check >"$tmp/c/postfix-check.log" 2>&1; then
	cat "$tmp/c/postfix-check.log" >&2
	fail "postfix check failed (stock instance)"
fi
if ! inns postfix -c "$tmp/c/etc" start >"$tmp/c/postfix-start.log" 2>&1; then
	cat "$tmp/c/postfix-start.log" "$tmp/c/maillog" >&2 2>/dev/null
	fail "postfix start failed (stock instance)"
fi
chroot_started=1
for port in 25 2546; do
	if ! wait_until "" probe_tcp "$port"; then
		cat "$tmp/c/maillog" >&2 2>/dev/null
		fail "the stock Postfix is not listening on 127.0.0.1:$port"
	fi
done

# ---- listen-mode daemons -------------------------------------------------
# As nobody, group postfix: the socket (0660 by default) is made with
# that group, so Postfix can connect and nobody else can.
for c in $CONFIGS; do
	inns setpriv --reuid="$nobody_uid" --regid="$postfix_gid" --clear-groups \
		"$tmp/bin/policyd-spf" --listen "unix:$tmp/listen/$c.sock" \
		"$tmp/etc/$c.conf" >"$tmp/listen/$c.log" 2>&1 &
	pid=$!
	listen_pids="$listen_pids $pid"
	if ! wait_until "$pid" test -S "$tmp/listen/$c.sock"; then
		cat "$tmp/listen/$c.log" >&2
		fail "policyd-spf --listen unix:$tmp/listen/$c.sock did not start"
	fi
done

# The documented daemon for a chrooted smtpd: as root, socket in private/,
# then nobody.  ip netns exec (not the inns function, which would run in a
# subshell) so that $! is the daemon itself.
sock=$tmp/c/queue/private/policy-spf
ip netns exec "$ns" "$tmp/bin/policyd-spf" --listen "unix:$sock" "$tmp/etc/chroot.conf" \
	>"$tmp/listen/chroot.log" 2>&1 &
pid=$!
listen_pids="$listen_pids $pid"
if ! wait_until "$pid" test -S "$sock"; then
	cat "$tmp/listen/chroot.log" >&2
	fail "policyd-spf --listen unix:$sock did not start"
fi
[ "$(stat -c %U:%G "$sock")" = postfix:postfix ] ||
	fail "$sock is $(stat -c %U:%G "$sock"), not postfix:postfix"
wait_until "$pid" runs_as_nobody "$pid" ||
	fail "the daemon on $sock did not switch to nobody"

# ---- scenarios -----------------------------------------------------------
inns /usr/bin/python3 "$here/e2e.py" "$tmp" "$here/message.txt"
status=$?
if [ "$status" -ne 0 ]; then
	echo "--- Postfix log ---"
	cat "$tmp/maillog" 2>/dev/null
	echo "--- stock Postfix log ---"
	cat "$tmp/c/maillog" 2>/dev/null
	for c in $CONFIGS chroot; do
		echo "--- policyd-spf --listen ($c) ---"
		cat "$tmp/listen/$c.log"
	done
fi
exit "$status"
