#!/bin/sh
# run-idn-test.sh SPFCHECK POLICYD_SPF - internationalized domain names
# (RFC 8616) through real DNS: a real unbound on a free 127.0.0.1 port
# serves the A-label forms only; spfcheck, its linter and policyd-spf are
# given the UTF-8 forms and must find them.  Fails (exit 1) when unbound is
# missing or does not come up: never skipped.
set -u

spfcheck=${1:?usage: run-idn-test.sh SPFCHECK POLICYD_SPF}
policyd=${2:?usage: run-idn-test.sh SPFCHECK POLICYD_SPF}
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

unbound_bin=$(PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v unbound) || {
	echo "run-idn-test.sh: unbound is not installed (apt-get install unbound)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spfc-idn.XXXXXX") || exit 1
pid=
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# bücher.test, mx.bücher.test and jürgen's name under it, as A-labels
write_conf() {
	cat >"$tmp/unbound.conf" <<CONF
server:
	interface: 127.0.0.1@$1
	port: $1
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	num-threads: 1
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "test." static
	local-data: "test. 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60"
	local-data: 'xn--bcher-kva.test. IN TXT "v=spf1 ip4:192.0.2.10 exists:%{l}._u.xn--bcher-kva.test -all"'
	local-data: "xn--jrgen-kva._u.xn--bcher-kva.test. IN A 127.0.0.2"
	local-data: 'mx.xn--bcher-kva.test. IN TXT "v=spf1 ip4:192.0.2.10 -all"'
CONF
}

port=
for try in 1 2 3 4 5 6 7 8 9 10; do
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	p=$((20000 + n % 40000))
	write_conf "$p"
	"$unbound_bin" -d -c "$tmp/unbound.conf" >"$tmp/unbound.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		kill -0 "$pid" 2>/dev/null || break
		if "$spfcheck" --dns "127.0.0.1:$p" --ip 192.0.2.10 \
			--sender u@mx.xn--bcher-kva.test 2>/dev/null | grep -qx pass; then
			port=$p
			break 2
		fi
		sleep 0.1
		i=$((i + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
done
[ -n "$port" ] || { cat "$tmp/unbound.log" >&2; echo "run-idn-test.sh: unbound did not come up" >&2; exit 1; }
dns=127.0.0.1:$port
u=$(printf 'b\303\274cher.test')	# bücher.test in UTF-8
j=$(printf 'j\303\274rgen')		# jürgen

# spfcheck: the UTF-8 sender domain is checked as its A-label
out=$("$spfcheck" --dns "$dns" --ip 203.0.113.5 --sender "alice@$u" 2>&1)
case $out in
fail*"envelope-from=\"alice@xn--bcher-kva.test\""*) ok "spfcheck: alice@bücher.test from 203.0.113.5 is fail" ;;
*) bad "spfcheck: alice@bücher.test from 203.0.113.5: $out" ;;
esac
out=$("$spfcheck" --dns "$dns" --ip 192.0.2.10 --sender "alice@$u" 2>&1)
case $out in
pass*) ok "spfcheck: alice@bücher.test from 192.0.2.10 is pass" ;;
*) bad "spfcheck: alice@bücher.test from 192.0.2.10: $out" ;;
esac
# %{l} of a UTF-8 local part becomes an A-label in the looked-up name
out=$("$spfcheck" --dns "$dns" --ip 203.0.113.5 --sender "$j@$u" --trace 2>&1)
case $out in
pass*"lookup A xn--jrgen-kva._u.xn--bcher-kva.test"*) ok "spfcheck: %{l} of jürgen looked up as xn--jrgen-kva" ;;
*) bad "spfcheck: jürgen@bücher.test: $out" ;;
esac

# the linter lints the A-label form
out=$("$spfcheck" --dns "$dns" --lint "$u" 2>&1)
case $out in
"xn--bcher-kva.test: v=spf1 ip4:192.0.2.10"*) ok "spfcheck --lint bücher.test" ;;
*) bad "spfcheck --lint bücher.test: $out" ;;
esac

# policyd-spf: Fail rejected, and the header and reply show A-labels
req() { # CLIENT HELO SENDER
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\nhelo_name=%s\nsender=%s\nrecipient=bob@rcpt.example\ninstance=%s\n\n' \
		"$1" "$2" "$3" "$4"
}
{
	req 203.0.113.5 "mx.$u" "alice@$u" i1
	req 192.0.2.10 "mx.$u" "alice@$u" i2
} >"$tmp/req"
printf 'Authserv_Id = mx.rcpt.example\n' >"$tmp/conf"
"$policyd" --dns "$dns" "$tmp/conf" <"$tmp/req" >"$tmp/ans" 2>"$tmp/err"
first=$(sed -n 1p "$tmp/ans")
second=$(sed -n 3p "$tmp/ans")
case $first in
"action=550 5.7.23 "*"id=mx.xn--bcher-kva.test;"*) ok "policyd-spf: HELO mx.bücher.test Fail rejected" ;;
*) bad "policyd-spf: first answer: $first ($(cat "$tmp/err"))" ;;
esac
case $second in
"action=prepend Received-SPF: Pass (mailfrom) "*"helo=mx.xn--bcher-kva.test; envelope-from=alice@xn--bcher-kva.test;"*)
	ok "policyd-spf: Pass, the header in A-label form" ;;
*) bad "policyd-spf: second answer: $second" ;;
esac
if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$tmp/ans"; then
	bad "policyd-spf: a byte outside ASCII in an answer"
else
	ok "policyd-spf: the answers are ASCII"
fi
[ $fails -eq 0 ] && echo "idn: all checks passed"
exit $fails
