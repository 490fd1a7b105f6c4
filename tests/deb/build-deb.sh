#!/bin/sh
# build-deb.sh SRCDIR: build the .deb from a copy of the source tree with
# dpkg-buildpackage -us -uc -b, install it with dpkg -i, check that
# policyd-spf --check-config accepts the installed configuration, and remove
# the package again.  Needs root and the packages debhelper, dpkg-dev.
set -u
src=$1
fail() { echo "deb: $*"; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg -i)"
command -v dpkg-buildpackage >/dev/null || fail "dpkg-dev is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/spfc"
# the tracked files only (no build directories)
(cd "$src" && git ls-files -coz --exclude-standard 2>/dev/null | xargs -0 -I{} cp --parents {} "$tmp/spfc/") ||
	cp -a "$src/." "$tmp/spfc/"
rm -rf "$tmp/spfc"/build* 2>/dev/null
cd "$tmp/spfc" || fail "no copy"
if ! dpkg-buildpackage -us -uc -b > "$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage failed"
fi
deb=$(ls "$tmp"/spfc_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb produced"
echo "built $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{print $6}' | grep -E 'sbin/policyd-spf$|bin/spfcheck$|etc/policyd-spf/policyd-spf.conf$|man8/policyd-spf.8' || true
dpkg-deb -f "$deb" Depends
dpkg -i "$deb" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dpkg -i failed"; }
ok=1
out=$(/usr/sbin/policyd-spf --check-config /etc/policyd-spf/policyd-spf.conf 2>&1) || ok=0
echo "$out" | tail -n 3
[ -f /etc/policyd-spf/policyd-spf.conf ] || ok=0
getent passwd policyd-spf >/dev/null || ok=0
dpkg -r spfc > /dev/null 2>&1 || true
if [ $ok -eq 1 ]; then
	echo "deb: built, installed, --check-config accepted the installed configuration"
	echo "1 passed, 0 failed"
	exit 0
fi
fail "installed package did not pass --check-config"
