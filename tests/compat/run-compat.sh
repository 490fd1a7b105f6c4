#!/bin/sh
# Side-by-side compatibility test of our policyd-spf against spf-engine.
#
# Usage: run-compat.sh POLICYD_SPF_BINARY [compat.py options...]
#        run-compat.sh --self [compat.py options...]   (spf-engine vs itself)
#
# Creates a private network namespace whose resolv.conf names 127.0.0.1,
# starts unbound there serving zone.txt (converted by zone2unbound.py), and
# runs compat.py, which feeds the same policy requests to both daemons inside
# that namespace and compares their answers (see README.md).
#
# How it fails: exit 1 with a message when not run as root, when a tool is
# missing, or when unbound does not come up; otherwise compat.py's status
# (non-zero on any difference outside the documented rules). The namespace,
# its resolv.conf and unbound are removed on every exit; the scratch
# directory (daemon stderr, unbound log) is kept when the test fails.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

die() { echo "compat: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: run-compat.sh POLICYD_SPF_BINARY|--self [options]"
[ "$(id -u)" = 0 ] || die "must run as root (it creates a network namespace and runs unbound on port 53)"
for tool in ip unbound unbound-checkconf /usr/bin/policyd-spf "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install iproute2 unbound postfix-policyd-spf-python)"
done

TARGET=$1
shift
case " $* " in
*" --perl "*)
    [ -x /usr/sbin/postfix-policyd-spf-perl ] ||
        die "/usr/sbin/postfix-policyd-spf-perl not found (apt-get install postfix-policyd-spf-perl)" ;;
esac
if [ "$TARGET" = "--self" ]; then
    set -- --self "$@"
else
    [ -x "$TARGET" ] || die "$TARGET is not an executable"
    case "$TARGET" in /*) ;; *) TARGET=$(pwd)/$TARGET ;; esac
    set -- --ours "$TARGET" "$@"
fi

NS=spfc-compat-$$
WORK=$(mktemp -d /tmp/spfc-compat.XXXXXX) || die "cannot create a scratch directory"
UNBOUND_PID=
STATUS=1

# shellcheck disable=SC2317  # called through trap
cleanup() {
    if [ -n "$UNBOUND_PID" ]; then
        kill "$UNBOUND_PID" 2>/dev/null
        wait "$UNBOUND_PID" 2>/dev/null
    fi
    ip netns del "$NS" 2>/dev/null
    rm -rf "/etc/netns/$NS"
    if [ "$STATUS" = 0 ] && [ -z "${SPFC_COMPAT_KEEP:-}" ]; then
        rm -rf "$WORK"
    else
        echo "compat: logs kept in $WORK" >&2
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "/etc/netns/$NS" || die "cannot create /etc/netns/$NS"
echo "nameserver 127.0.0.1" > "/etc/netns/$NS/resolv.conf"
ip netns add "$NS" || die "cannot create network namespace $NS"
ip -n "$NS" link set lo up || die "cannot bring up lo in $NS"

"$PY" "$HERE/zone2unbound.py" "$HERE/zone.txt" "$WORK" > "$WORK/unbound.conf" \
    || die "cannot convert zone.txt"
unbound-checkconf "$WORK/unbound.conf" > "$WORK/checkconf.log" 2>&1 \
    || { cat "$WORK/checkconf.log" >&2; die "unbound rejects the generated configuration"; }

ip netns exec "$NS" unbound -d -c "$WORK/unbound.conf" > "$WORK/unbound.log" 2>&1 &
UNBOUND_PID=$!

# Wait until unbound answers (at most 10 s).
i=0
until ip netns exec "$NS" "$PY" -c "
import DNS, sys
r = DNS.DnsRequest('fail.example', qtype='TXT', server=['127.0.0.1'], timeout=1).req()
sys.exit(0 if r.answers else 1)" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -ge 20 ] || ! kill -0 "$UNBOUND_PID" 2>/dev/null; then
        cat "$WORK/unbound.log" >&2
        die "unbound did not start"
    fi
    sleep 0.5
done

"$PY" "$HERE/compat.py" --netns "$NS" --work "$WORK" "$@"
STATUS=$?

# Names outside the test zones were sent to the (absent) Internet.
if grep -q 'SERVFAIL <' "$WORK/unbound.log"; then
    echo "compat: warning: lookups outside zone.txt (unbound answered SERVFAIL):" >&2
    grep -o 'SERVFAIL <[^>]*>' "$WORK/unbound.log" | sort | uniq -c | head -20 >&2
fi
exit $STATUS
