#!/bin/sh
# nsenv.sh - run a command with a /dev of its own that has a working /dev/log.
#
#   ip netns exec NS bench/nsenv.sh LOGSOCKET COMMAND [ARGS...]
#
# It first re-executes itself under `unshare --mount --propagation private`,
# so whatever it mounts exists only in a new, private mount namespace and
# goes away with the command.  There it mounts a small tmpfs over /dev with
# the usual character devices (bind mounts of the real ones), the
# /proc/self/fd links, /dev/shm and /dev/log -> LOGSOCKET (the benchmark's
# logsink.c), so every daemon's syslog(3) calls cost what they cost on a
# mail server instead of failing.
#
# Fails (exit 1, a message, nothing mounted) when it cannot prove it is in a
# mount namespace other than its caller's, or when a mount fails.
set -eu

if [ "$#" -lt 2 ]; then
	echo "usage: nsenv.sh LOGSOCKET COMMAND [ARGS...]" >&2
	exit 2
fi
if [ "$1" != "--private-mount-ns" ]; then
	outer=$(readlink /proc/self/ns/mnt 2>/dev/null || true)
	exec unshare --mount --propagation private /bin/sh "$0" --private-mount-ns "$outer" "$@"
fi
theirs=$2
shift 2
mine=$(readlink /proc/self/ns/mnt 2>/dev/null || true)
if [ -z "$mine" ] || [ -z "$theirs" ] || [ "$mine" = "$theirs" ]; then
	echo "nsenv.sh: not in a private mount namespace ($mine / $theirs); nothing done" >&2
	exit 1
fi
sock=$1
shift
dev=$(mktemp -d /tmp/spfc-bench-dev.XXXXXX)
mount -t tmpfs -o mode=0755,size=1m tmpfs "$dev"
for n in null zero full random urandom tty; do
	if [ -e "/dev/$n" ]; then
		: >"$dev/$n"
		mount --bind "/dev/$n" "$dev/$n"
	fi
done
mkdir "$dev/shm" "$dev/pts"
mount -t tmpfs -o mode=1777,size=16m tmpfs "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
ln -s "$sock" "$dev/log"
mount --move "$dev" /dev
rmdir "$dev" 2>/dev/null || true
exec "$@"
