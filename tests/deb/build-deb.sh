#!/bin/sh
# build-deb.sh SRCDIR: build the .deb and test it without changing the
# system it runs on.
#
# What it does:
#   - builds the package from a copy of the tracked files with
#     dpkg-buildpackage -us -uc -b, in a temporary directory;
#   - checks the archive: the programs, the configuration (a conffile), the
#     man pages, the systemd unit, Depends; the maintainer scripts parse
#     (sh -n), use set -e and had #DEBHELPER# filled in;
#   - unpacks it into a throwaway root (dpkg-deb -x) and runs the unpacked
#     policyd-spf, with the unpacked libspfc, on the shipped configuration
#     (--check-config);
#   - installs it for real, maintainer scripts included, in a private mount
#     namespace (unshare) where /etc, /usr and /var are overlays of the
#     system's on a tmpfs: dpkg -i (an upgrade when spfc is installed on
#     the machine), --check-config by the installed binary, the system
#     user, the man page diversion, systemd-analyze verify of the installed
#     unit, then dpkg -r (configuration kept, diversion gone) and
#     dpkg --purge.  Everything written there vanishes with the namespace;
#   - compares what the machine holds of spfc before and after (dpkg
#     status, the files of an installed spfc and their checksums, the
#     policyd-spf user and group, the diversions, the configuration
#     directory) and fails when anything differs.
# An spfc package installed on the machine is never touched.
#
# How it fails: "deb: ..." lines for each problem and "0 passed, 1 failed",
# exit 1.  Needs root (mount namespace, dpkg) and debhelper, dpkg-dev,
# util-linux; overlayfs in the kernel.
set -u
src=$1
fail() {
	echo "deb: $*"
	echo "0 passed, 1 failed"
	exit 1
}
[ "$(id -u)" -eq 0 ] || fail "must run as root (mount namespace, dpkg)"
for t in dpkg-buildpackage unshare systemd-analyze; do
	command -v "$t" >/dev/null ||
		fail "$t is not installed (apt-get install dpkg-dev util-linux systemd)"
done
# Not under /etc, /usr or /var: the namespace mounts overlays on those.
tmp=$(mktemp -d /tmp/spfc-deb.XXXXXX) || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
problems=0
bad() {
	echo "deb: $*"
	problems=$((problems + 1))
}

# What the machine holds of spfc, one fact a line.
host_state() {
	echo "status: $(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' spfc 2>/dev/null || echo absent)"
	{
		dpkg-query -L spfc 2>/dev/null
		echo /usr/sbin/policyd-spf
		echo /usr/bin/spfcheck
		echo /usr/lib/systemd/system/policyd-spf.service
		echo /lib/systemd/system/policyd-spf.service
		echo /usr/sbin/spfc-milter
		echo /usr/lib/systemd/system/spfc-milter.service
		echo /lib/systemd/system/spfc-milter.service
		find /etc/policyd-spf -print 2>/dev/null
		ls /var/lib/dpkg/info/spfc.* 2>/dev/null
	} | sort -u | while read -r f; do
		if [ -f "$f" ] && [ ! -L "$f" ]; then
			echo "file: $f $(stat -c '%a %U:%G' "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
		elif [ -e "$f" ] || [ -L "$f" ]; then
			echo "path: $f $(stat -c '%F %a %U:%G' "$f")"
		fi
	done
	echo "user: $(getent passwd policyd-spf || echo none)"
	echo "group: $(getent group policyd-spf || echo none)"
	dpkg-divert --list 2>/dev/null | grep -E 'policyd-spf|spfc' | sort | sed 's/^/divert: /'
}
host_state >"$tmp/before"

mkdir "$tmp/spfc"
# the tracked files only (no build directories)
(cd "$src" && git ls-files -coz --exclude-standard 2>/dev/null | xargs -0 -I{} cp --parents {} "$tmp/spfc/") ||
	cp -a "$src/." "$tmp/spfc/"
rm -rf "$tmp/spfc"/build* 2>/dev/null
cd "$tmp/spfc" || fail "no copy"
if ! dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage failed"
fi
cd "$tmp" || fail "no $tmp"
deb=$(ls "$tmp"/spfc_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb produced"
version=$(dpkg-deb -f "$deb" Version)
echo "built $(basename "$deb")"

# ---- the archive ---------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/sbin/policyd-spf /usr/bin/spfcheck /usr/sbin/spfc-milter \
	/usr/share/man/man8/spfc-milter.8.gz \
	/etc/policyd-spf/policyd-spf.conf /usr/share/man/man8/policyd-spf.8.gz \
	/usr/share/man/man5/policyd-spf.conf.5.gz /usr/share/man/man1/spfcheck.1.gz \
	/usr/share/doc/spfc/README.Debian /usr/share/doc/spfc/copyright; do
	grep -qx "$f" "$tmp/contents" || bad "$f is not in the package"
done
grep -Eqx '(/usr)?/lib/systemd/system/policyd-spf.service' "$tmp/contents" ||
	bad "the systemd unit is not in the package"
grep -Eqx '(/usr)?/lib/systemd/system/spfc-milter.service' "$tmp/contents" ||
	bad "the milter's systemd unit is not in the package"
grep -qx /usr/share/spfc/perl-compat.conf "$tmp/contents" ||
	bad "perl-compat.conf is not in the package"
# Beside spf-engine's package (README, "Beside postfix-policyd-spf-python"):
# no file of one is a file of the other, so both install and either runs.
if dpkg-query -W -f '${Status}' postfix-policyd-spf-python 2>/dev/null |
	grep -q 'install ok installed'; then
	# what the preinst diverts aside is not shared: it gets another name
	dpkg-query -L postfix-policyd-spf-python >"$tmp/theirs"
	dpkg-deb -e "$deb" "$tmp/ctl" || fail "dpkg-deb -e failed"
	grep -o '/usr/share/man/[^ ]*\.gz' "$tmp/ctl/preinst" >"$tmp/diverted"
	grep -v '/$' "$tmp/contents" | while read -r f; do
		[ -d "$f" ] && continue
		grep -qx "$f" "$tmp/diverted" && continue
		grep -qx "$f" "$tmp/theirs" && echo "$f"
	done >"$tmp/shared"
	[ -s "$tmp/shared" ] &&
		bad "files shared with postfix-policyd-spf-python: $(tr '\n' ' ' <"$tmp/shared")"
	echo "checked: no file in common with postfix-policyd-spf-python"
fi
dpkg-deb -f "$deb" Depends | grep -q adduser || bad "Depends lacks adduser"
dpkg-deb -e "$deb" "$tmp/control" || fail "dpkg-deb -e failed"
grep -qx /etc/policyd-spf/policyd-spf.conf "$tmp/control/conffiles" 2>/dev/null ||
	bad "policyd-spf.conf is not a conffile"
for s in preinst postinst prerm postrm; do
	f=$tmp/control/$s
	[ -f "$f" ] || continue
	sh -n "$f" || bad "$s: syntax error"
	head -n 1 "$f" | grep -qx '#! */bin/sh' || bad "$s: not a /bin/sh script"
	grep -q '^set -e' "$f" || bad "$s: no set -e"
	grep -q '#DEBHELPER#' "$f" && bad "$s: #DEBHELPER# left in"
	[ -x "$f" ] || bad "$s: not executable"
done
for s in preinst postinst postrm; do
	[ -f "$tmp/control/$s" ] || bad "no $s"
done

# ---- unpacked into a throwaway root --------------------------------------
root=$tmp/root
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x failed"
libdir=$(dirname "$(find "$root" -name 'libspfc.so.0' | head -n 1)")
[ "$(stat -c %a "$root/usr/sbin/policyd-spf")" = 755 ] || bad "policyd-spf is not 0755"
[ "$(stat -c %a "$root/etc/policyd-spf/policyd-spf.conf")" = 644 ] || bad "policyd-spf.conf is not 0644"
if out=$(LD_LIBRARY_PATH=$libdir "$root/usr/sbin/policyd-spf" --check-config \
	"$root/etc/policyd-spf/policyd-spf.conf" 2>&1); then
	echo "$out" | tail -n 2
else
	echo "$out" | tail -n 10
	bad "unpacked policyd-spf --check-config refused the shipped configuration"
fi

# ---- installed in a private mount namespace --------------------------------
# /etc, /usr and /var (and /bin, /sbin, /lib* where they are not links into
# /usr) become overlays whose writes go to a tmpfs of the namespace.
cat >"$tmp/inside.sh" <<'EOF'
set -u
deb=$1 version=$2 ovl=$3
n=0
bad() { echo "deb: in the namespace: $*"; n=$((n + 1)); }
mount -t tmpfs -o mode=0700 spfc-deb "$ovl" || { echo "deb: cannot mount a tmpfs"; exit 1; }
for d in etc usr var bin sbin lib lib32 lib64 libx32; do
	[ -d "/$d" ] && [ ! -L "/$d" ] || continue
	mkdir "$ovl/$d.u" "$ovl/$d.w"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ovl/$d.u,workdir=$ovl/$d.w" "/$d" ||
		{ echo "deb: cannot mount an overlay on /$d"; exit 1; }
done
mount -t tmpfs tmpfs /run || { echo "deb: cannot mount a tmpfs on /run"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -i "$deb" >"$ovl/install.log" 2>&1; then
	cat "$ovl/install.log"
	echo "deb: dpkg -i failed"
	exit 1
fi
[ "$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' spfc)" = "ii  $version" ] ||
	bad "not installed: $(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' spfc)"
if out=$(/usr/sbin/policyd-spf --check-config /etc/policyd-spf/policyd-spf.conf 2>&1); then
	echo "$out" | tail -n 1
else
	echo "$out" | tail -n 10
	bad "installed policyd-spf --check-config refused the installed configuration"
fi
getent passwd policyd-spf >/dev/null || bad "postinst did not create the user policyd-spf"
dpkg-divert --list /usr/share/man/man5/policyd-spf.conf.5.gz | grep -q 'by spfc' ||
	bad "the policyd-spf.conf(5) diversion is missing"
dpkg-divert --list /usr/share/man/man1/policyd-spf.1.gz | grep -q 'by spfc' ||
	bad "the policyd-spf(1) diversion is missing"
for u in policyd-spf spfc-milter; do
	unit=$(dpkg-query -L spfc | grep "/systemd/system/$u.service\$")
	[ -n "$unit" ] || { bad "$u.service is not installed"; continue; }
	v=$(systemd-analyze verify --man=no "$unit" 2>&1) || bad "systemd-analyze verify $unit: $v"
	[ -z "$v" ] || bad "systemd-analyze verify $unit: $v"
	# installed, not enabled: no link in a .wants directory
	ls /etc/systemd/system/*.wants/$u.service >/dev/null 2>&1 &&
		bad "$u.service was enabled by the installation"
done
grep -q '^ExecStart=/usr/sbin/spfc-milter -f /etc/policyd-spf/policyd-spf.conf$' \
	"$(dpkg-query -L spfc | grep '/systemd/system/spfc-milter.service$')" ||
	bad "the milter's unit does not start /usr/sbin/spfc-milter -f with the configuration"
if out=$(/usr/sbin/spfc-milter --check-config /etc/policyd-spf/policyd-spf.conf 2>&1); then
	:
else
	echo "$out" | tail -n 10
	bad "installed spfc-milter --check-config refused the installed configuration"
fi
dpkg -r spfc >"$ovl/remove.log" 2>&1 || { cat "$ovl/remove.log"; bad "dpkg -r failed"; }
[ "$(dpkg-query -W -f='${db:Status-Abbrev}' spfc)" = "rc " ] ||
	bad "after dpkg -r: $(dpkg-query -W -f='${db:Status-Abbrev}' spfc)"
[ -e /usr/sbin/policyd-spf ] && bad "/usr/sbin/policyd-spf left after dpkg -r"
[ -f /etc/policyd-spf/policyd-spf.conf ] || bad "dpkg -r removed the configuration"
dpkg-divert --list | grep -q 'by spfc' && bad "a diversion by spfc left after dpkg -r"
dpkg --purge spfc >"$ovl/purge.log" 2>&1 || { cat "$ovl/purge.log"; bad "dpkg --purge failed"; }
dpkg-query -W spfc >/dev/null 2>&1 && bad "spfc still known to dpkg after --purge"
[ -e /etc/policyd-spf/policyd-spf.conf ] && bad "configuration left after --purge"
[ "$n" -eq 0 ] && echo "deb: installed, checked, removed and purged in the namespace"
exit "$n"
EOF
mkdir "$tmp/ovl"
unshare --mount --propagation private sh "$tmp/inside.sh" "$deb" "$version" "$tmp/ovl" ||
	bad "the installation in a private mount namespace failed"
grep -q "$tmp" /proc/self/mountinfo && bad "a mount of the test is visible outside its namespace"

# ---- the machine is as it was ------------------------------------------------
host_state >"$tmp/after"
if ! cmp -s "$tmp/before" "$tmp/after"; then
	diff "$tmp/before" "$tmp/after"
	bad "the machine's spfc state changed"
fi
head -n 1 "$tmp/before"
if [ "$problems" -eq 0 ]; then
	echo "deb: built, checked, installed in a throwaway root; the machine's spfc untouched"
	echo "1 passed, 0 failed"
	exit 0
fi
fail "$problems problem(s)"
