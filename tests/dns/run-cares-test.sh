#!/bin/sh
# run-cares-test.sh - run test_cares against a real unbound and a fake server.
#
# Usage: run-cares-test.sh PATH/TO/test_cares
# Starts unbound on a free 127.0.0.1 port with the local zone "test." (the
# records test_cares expects), and fake-dns.py (crafted answers below
# "fake."), waits until both answer, runs the test program with both ports,
# and stops both servers on exit.  Fails (exit 1, with a message) when
# unbound or python3 is missing or a server does not come up: the test is
# never skipped.
#
# Found while writing it: unbound's local-data does not follow a CNAME to
# another local name; it answers with the CNAME alone, so the backend's own
# CNAME following is what these tests exercise.

set -u

prog=${1:?usage: run-cares-test.sh PATH/TO/test_cares}
here=$(cd "$(dirname "$0")" && pwd)

# How many ports to try, how long to wait for a server (tenths of a second).
PORT_TRIES=20
READY_TENTHS=100

fail() {
	echo "run-cares-test.sh: $*" >&2
	exit 1
}

unbound_bin=$(PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v unbound) ||
	fail "unbound is not installed (apt-get install unbound); the DNS tests need it"
command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spfc-dns.XXXXXX") || fail "mktemp failed"
unbound_pid=
fake_pid=
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	[ -n "$unbound_pid" ] && kill "$unbound_pid" 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
	[ -n "$unbound_pid" ] && wait "$unbound_pid" 2>/dev/null
	[ -n "$fake_pid" ] && wait "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

random_port() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 40000))
}

# One DNS query for a.test/A over UDP; exit 0 when any answer comes back.
probe() {
	python3 - "$1" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
q = struct.pack(">HHHHHH", 4242, 0x0100, 1, 0, 0, 0)
q += b"\x01a\x04test\x00" + struct.pack(">HH", 1, 1)
try:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    d = s.recv(4096)
    sys.exit(0 if d[:2] == q[:2] else 1)
except OSError:
    sys.exit(1)
EOF
}

long_a=$(printf '%250s' '' | tr ' ' a)
long_b=$(printf '%250s' '' | tr ' ' b)
long_c=$(printf '%250s' '' | tr ' ' c)

write_conf() {
	cat >"$tmp/unbound.conf" <<EOF
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
	local-data: "a.test. 300 IN A 192.0.2.1"
	local-data: "a.test. 300 IN AAAA 2001:db8::1"
	local-data: "multi-a.test. IN A 192.0.2.10"
	local-data: "multi-a.test. IN A 192.0.2.11"
	local-data: "multi-a.test. IN A 192.0.2.12"
	local-data: "mx.test. 600 IN MX 10 mx1.test."
	local-data: "mx.test. 600 IN MX 20 mx2.test."
	local-data: "mx.test. 600 IN MX 30 mx3.example."
	local-data: 'multi.test. IN TXT "v=spf1 " "ip4:192.0.2.0/24" " -all"'
	local-data: 'multi.test. IN TXT "other record"'
	local-data: 'long.test. IN TXT "$long_a" "$long_b" "$long_c"'
	local-data-ptr: "192.0.2.1 a.test"
	local-data: "2.2.0.192.in-addr.arpa. IN PTR one.test."
	local-data: "2.2.0.192.in-addr.arpa. IN PTR two.test."
	local-data: "back\\092slash.test. IN A 192.0.2.9"
	local-data: "alias.test. 120 IN CNAME a.test."
	local-data: "alias2.test. 120 IN CNAME alias.test."
	local-data: "alias-txt.test. IN CNAME multi.test."
	local-data: "dangling.test. IN CNAME nx.test."
	local-data: "toref.test. IN CNAME x.refused.test."
	local-data: "loop1.test. IN CNAME loop2.test."
	local-data: "loop2.test. IN CNAME loop1.test."
	local-data: "l0.test. IN CNAME l1.test."
	local-data: "l1.test. IN CNAME l2.test."
	local-data: "l2.test. IN CNAME l3.test."
	local-data: "l3.test. IN CNAME l4.test."
	local-data: "l4.test. IN CNAME l5.test."
	local-data: "l5.test. IN CNAME l6.test."
	local-data: "l6.test. IN CNAME l7.test."
	local-data: "l7.test. IN CNAME l8.test."
	local-data: "l8.test. IN CNAME l9.test."
	local-data: "l9.test. IN CNAME l10.test."
	local-data: "l10.test. IN CNAME a.test."
	local-zone: "refused.test." refuse
	local-zone: "drop.test." deny
EOF
}

# Wait until the server with pid $1 answers on port $2; 1 if it died.
wait_ready() {
	i=0
	while [ "$i" -lt "$READY_TENTHS" ]; do
		kill -0 "$1" 2>/dev/null || return 1
		probe "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

port=
try=0
while [ "$try" -lt "$PORT_TRIES" ]; do
	try=$((try + 1))
	p=$(random_port)
	write_conf "$p"
	"$unbound_bin" -d -c "$tmp/unbound.conf" >"$tmp/unbound.log" 2>&1 &
	unbound_pid=$!
	if wait_ready "$unbound_pid" "$p"; then
		port=$p
		break
	fi
	kill "$unbound_pid" 2>/dev/null
	wait "$unbound_pid" 2>/dev/null
	unbound_pid=
done
if [ -z "$port" ]; then
	cat "$tmp/unbound.log" >&2
	fail "unbound did not start answering on any of $PORT_TRIES ports"
fi

python3 "$here/fake-dns.py" "$tmp/fake.port" &
fake_pid=$!
i=0
while [ ! -s "$tmp/fake.port" ] && [ "$i" -lt "$READY_TENTHS" ]; do
	kill -0 "$fake_pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/fake.port" ] || fail "fake-dns.py did not start"
fake_port=$(cat "$tmp/fake.port")

echo "unbound on 127.0.0.1:$port, fake-dns.py on 127.0.0.1:$fake_port"
"$prog" "$port" "$fake_port"
status=$?
if [ "$status" -ne 0 ]; then
	echo "--- unbound log ---" >&2
	cat "$tmp/unbound.log" >&2
fi
exit "$status"
