#!/bin/sh
# run.sh - the spfc benchmark in one command (see bench/README.md).
#
#   bench/run.sh            full run (about 10 minutes): writes bench/RESULTS.md,
#                           bench/results.png and bench/results.json
#   bench/run.sh --quick    smoke run (under 2 minutes): report in /tmp/spfc-bench-quick
#
# Needs root: it creates a network namespace and runs nsd on port 53 inside it.
# Installs what is missing with apt (nsd, gnuplot-nox, the two daemons we compare
# with, python3, a C compiler, the build dependencies), builds spfc into
# build-bench/ and runs bench/bench.py with the same arguments.
# Fails (non-zero exit, a message) when not root, when a package cannot be
# installed, when the build fails or when a benchmark run fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: run as root (network namespace, nsd on port 53)" >&2
	exit 1
fi

need=""
for pkg in nsd gnuplot-nox postfix-policyd-spf-perl postfix-policyd-spf-python python3 \
	gcc meson ninja-build pkg-config libc-ares-dev libuv1-dev iproute2; do
	if ! dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		need="$need $pkg"
	fi
done
if [ -n "$need" ]; then
	echo "run.sh: installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $need
	# Debian starts nsd on install; the benchmark runs its own in a namespace.
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now nsd >/dev/null 2>&1 || true
	fi
fi

cd "$repo"
if [ ! -f build-bench/build.ninja ]; then
	meson setup build-bench >/dev/null || { echo "run.sh: meson setup failed" >&2; exit 1; }
fi
if ! ninja -C build-bench policyd-spf >build-bench/bench-build.log 2>&1; then
	cat build-bench/bench-build.log >&2
	echo "run.sh: the build failed" >&2
	exit 1
fi

exec /usr/bin/python3 "$here/bench.py" --command "bench/run.sh $*" "$@"
