#!/bin/sh
# test-rpm.sh SRCDIR: build the RPM packages from a release tarball and
# check them, without installing anything.
#
# What it does:
#   - makes the tarball with "meson dist" from a build directory of its
#     own (the committed tree: uncommitted changes are not in it, but the
#     spec is the one in SRCDIR);
#   - runs rpmbuild -ba with SRCDIR/rpm/spfc.spec in a temporary _topdir,
#     %check included; on a system whose rpm database does not hold the
#     build dependencies (Debian) with --nodeps, against the system's
#     libraries;
#   - checks the packages: the programs, man pages, the configuration as
#     %config(noreplace), the systemd unit, the sysusers.d file, the
#     library and its development files, modes and owners, the scriptlets
#     (they parse, create the user, call systemctl), the Conflicts;
#   - unpacks the main and library packages into a throwaway directory
#     (rpm2cpio) and runs the unpacked policyd-spf --check-config on the
#     shipped configuration;
#   - runs rpmlint with rpm/rpmlint.toml on the spec and the packages:
#     any error fails the test, warnings are listed.
#
# Exit 77 (skipped) without rpmbuild, rpmlint or a git checkout (meson
# dist needs one).  Otherwise prints "rpm: ..." for each problem and
# "N passed, M failed".
set -u
src=$(cd "$1" && pwd) || exit 1
for t in rpmbuild rpmlint rpm2cpio cpio git meson; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "rpm: $t is not installed (apt-get install rpm rpmlint): skipped"
		exit 77
	fi
done
if ! git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "rpm: $src is not a git checkout, meson dist cannot run: skipped"
	exit 77
fi
tmp=$(mktemp -d -t spfc-rpm.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
problems=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "rpm: $*"
	problems=$((problems + 1))
}
finish() {
	echo "$pass passed, $problems failed"
	[ "$problems" -eq 0 ]
	exit
}

# ---- the release tarball ---------------------------------------------------
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	echo "rpm: note: uncommitted changes are not in the tarball"
fi
if ! meson setup "$tmp/dist" "$src" >"$tmp/dist.log" 2>&1 ||
	! meson dist -C "$tmp/dist" --no-tests --formats gztar --allow-dirty >>"$tmp/dist.log" 2>&1; then
	tail -20 "$tmp/dist.log"
	bad "meson dist failed"
	finish
fi
tarball=$(ls "$tmp"/dist/meson-dist/spfc-*.tar.gz)
echo "rpm: $(basename "$tarball")"

# ---- rpmbuild ----------------------------------------------------------------
top=$tmp/top
mkdir -p "$top/SOURCES"
cp "$tarball" "$src/rpm/policyd-spf.sysusers" "$top/SOURCES/"
# The build dependencies are RPM names: where rpm does not manage the
# system, nothing provides them in its database.
nodeps=
rpm -q --quiet rpm 2>/dev/null || nodeps=--nodeps
# brp-compress uses bash's read -d; rpm runs it with /bin/sh, which is
# dash on Debian.  Two build jobs at most.
if ! rpmbuild -ba $nodeps \
	--define "_topdir $top" \
	--define "_tmppath $tmp" \
	--define "_smp_build_ncpus 2" \
	--define "__brp_compress /bin/bash %{_rpmconfigdir}/brp-compress %{?_prefix}" \
	"$src/rpm/spfc.spec" >"$tmp/rpmbuild.log" 2>&1; then
	tail -40 "$tmp/rpmbuild.log"
	bad "rpmbuild -ba failed"
	finish
fi
ok
# %check ran the test suites, and they passed
n=$(grep -c '^Ok: *[1-9]' "$tmp/rpmbuild.log")
f=$(grep -c '^Fail: *[1-9]' "$tmp/rpmbuild.log")
if [ "$n" -ge 2 ] && [ "$f" -eq 0 ]; then ok; else bad "%check did not run its two test runs cleanly"; fi

main=$(ls "$top"/RPMS/*/spfc-[0-9]*.rpm 2>/dev/null)
libs=$(ls "$top"/RPMS/*/spfc-libs-[0-9]*.rpm 2>/dev/null)
devel=$(ls "$top"/RPMS/*/spfc-devel-[0-9]*.rpm 2>/dev/null)
srpm=$(ls "$top"/SRPMS/spfc-*.src.rpm 2>/dev/null)
for p in main libs devel srpm; do
	eval "f=\$$p"
	if [ -n "$f" ] && [ -f "$f" ]; then ok; else bad "no $p package"; finish; fi
done
echo "rpm: built $(cd "$top" && ls RPMS/*/*.rpm SRPMS/*.rpm | tr '\n' ' ')"

# ---- the packages' contents ------------------------------------------------
# one line a file: path, mode, owner:group, flags (c = %config, n = noreplace)
list() {
	rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags}\n]' "$1"
}
list "$main" >"$tmp/main"
list "$libs" >"$tmp/libs"
list "$devel" >"$tmp/devel"
# has LIST REGEX WHAT: a line of LIST matches REGEX
has() {
	if grep -Eq "$2" "$tmp/$1"; then ok; else bad "$1 package: $3"; fi
}
man='(\.gz|\.bz2|\.xz|\.zst)?'
has main "^/usr/sbin/policyd-spf -rwxr-xr-x root:root " "no /usr/sbin/policyd-spf 0755 root"
has main "^/usr/sbin/spfc-milter -rwxr-xr-x root:root " "no /usr/sbin/spfc-milter 0755 root"
has main "^/usr/bin/spfcheck -rwxr-xr-x root:root " "no /usr/bin/spfcheck 0755 root"
has main "^/etc/policyd-spf d" "no /etc/policyd-spf directory"
has main "^/etc/policyd-spf/policyd-spf.conf -rw-r--r-- root:root cn$" \
	"policyd-spf.conf is not %config(noreplace) 0644 root"
has main "^/usr/lib/systemd/system/policyd-spf.service -rw-r--r-- " "no systemd unit"
has main "^/usr/lib/systemd/system/spfc-milter.service -rw-r--r-- " "no milter systemd unit"
has main "^/usr/lib/sysusers.d/policyd-spf.conf -rw-r--r-- " "no sysusers.d file"
has main "^/usr/share/spfc/perl-compat.conf -rw-r--r-- " "no perl-compat.conf"
has main "^/usr/share/man/man8/policyd-spf.8$man " "no policyd-spf(8)"
has main "^/usr/share/man/man8/spfc-milter.8$man " "no spfc-milter(8)"
has main "^/usr/share/man/man5/policyd-spf.conf.5$man " "no policyd-spf.conf(5)"
has main "^/usr/share/man/man1/spfcheck.1$man " "no spfcheck(1)"
has main "^/usr/share/licenses/spfc[^/]*/copyright .* l$" "no %license"
has main "^/usr/share/doc/spfc[^/]*/rhel.md .* d$" "no docs/rhel.md as %doc"
has libs "^/usr/lib(64)?/libspfc.so.0 l" "no libspfc.so.0 link"
has libs "^/usr/lib(64)?/libspfc.so.0.[0-9.]* -rwxr-xr-x " "no libspfc.so.0.*"
has devel "^/usr/lib(64)?/libspfc.so l" "no libspfc.so link"
has devel "^/usr/lib(64)?/pkgconfig/libspfc.pc " "no libspfc.pc"
has devel "^/usr/include/spfc/spfc.h " "no spfc.h"
# the library and the development files are in their own packages only
if grep -Eq '/libspfc\.so|/include/' "$tmp/main"; then
	bad "main package holds library or development files"
else
	ok
fi
sysusers=$(rpm2cpio "$main" | cpio -i --quiet --to-stdout ./usr/lib/sysusers.d/policyd-spf.conf)
if echo "$sysusers" | grep -Eq '^u policyd-spf '; then ok; else bad "sysusers.d file does not create policyd-spf"; fi

rpm -qp --requires "$main" >"$tmp/requires"
grep -q '^spfc-libs(' "$tmp/requires" && ok || bad "main package does not require spfc-libs"
grep -q '^libuv\.so' "$tmp/requires" && ok || bad "main package lacks the automatic libuv requirement"
rpm -qp --conflicts "$main" | grep -qx 'pypolicyd-spf' && ok || bad "no Conflicts: pypolicyd-spf"

# ---- scriptlets --------------------------------------------------------------
# each scriptlet alone, as rpm runs it: /bin/sh SCRIPT
for s in PREIN POSTIN PREUN POSTUN; do
	rpm -qp --qf "%{$s}" "$main" >"$tmp/$s"
	prog=$(rpm -qp --qf "%{${s}PROG}" "$main")
	case $prog in
	/bin/sh|/bin/bash) ok ;;
	*) bad "$s scriptlet runs with '$prog'" ;;
	esac
	if sh -n "$tmp/$s" 2>"$tmp/$s.err"; then ok; else bad "$s: $(cat "$tmp/$s.err")"; fi
done
grep -Eq 'useradd .*policyd-spf|systemd-sysusers|sysusers' "$tmp/PREIN" && ok ||
	bad "%pre does not create the policyd-spf user"
grep -q 'policyd-spf.service' "$tmp/POSTIN" && grep -q 'preset' "$tmp/POSTIN" && ok ||
	bad "%post does not preset policyd-spf.service"
grep -q 'policyd-spf.service' "$tmp/PREUN" && grep -q 'disable' "$tmp/PREUN" && ok ||
	bad "%preun does not disable policyd-spf.service"
grep -q 'try-restart' "$tmp/POSTUN" && ok || bad "%postun does not restart policyd-spf.service"
grep -q 'spfc-milter.service' "$tmp/POSTIN" && ok || bad "%post does not preset spfc-milter.service"
grep -q 'spfc-milter.service' "$tmp/PREUN" && ok || bad "%preun does not disable spfc-milter.service"
grep -q 'spfc-milter.service' "$tmp/POSTUN" && ok || bad "%postun does not restart spfc-milter.service"

# ---- unpacked into a throwaway directory -------------------------------------
root=$tmp/root
mkdir "$root"
for p in "$main" "$libs"; do
	(cd "$root" && rpm2cpio "$p" | cpio -idm --quiet) || bad "cannot unpack $(basename "$p")"
done
libdir=$(dirname "$(find "$root" -name 'libspfc.so.0' | head -n 1)")
if out=$(LD_LIBRARY_PATH=$libdir "$root/usr/sbin/policyd-spf" --check-config \
	"$root/etc/policyd-spf/policyd-spf.conf" 2>&1); then
	ok
else
	echo "$out" | tail -n 10
	bad "unpacked policyd-spf --check-config refused the shipped configuration"
fi
if LD_LIBRARY_PATH=$libdir "$root/usr/bin/spfcheck" --version >/dev/null 2>&1; then
	ok
else
	bad "unpacked spfcheck --version failed"
fi
grep -q '^ExecStart=/usr/sbin/policyd-spf ' "$root/usr/lib/systemd/system/policyd-spf.service" && ok ||
	bad "the unit does not start /usr/sbin/policyd-spf"
grep -q '^ExecStart=/usr/sbin/spfc-milter -f /etc/policyd-spf/policyd-spf.conf$' \
	"$root/usr/lib/systemd/system/spfc-milter.service" && ok ||
	bad "the milter's unit does not start /usr/sbin/spfc-milter -f with the configuration"
if out=$(LD_LIBRARY_PATH=$libdir "$root/usr/sbin/spfc-milter" --check-config \
	"$root/etc/policyd-spf/policyd-spf.conf" 2>&1); then
	ok
else
	echo "$out" | tail -n 10
	bad "unpacked spfc-milter --check-config refused the shipped configuration"
fi

# ---- rpmlint -------------------------------------------------------------------
rpmlint -c "$src/rpm/rpmlint.toml" "$src/rpm/spfc.spec" "$main" "$libs" "$devel" "$srpm" \
	>"$tmp/rpmlint.log" 2>&1
if grep -q ': E: ' "$tmp/rpmlint.log"; then
	grep ': E: ' "$tmp/rpmlint.log"
	bad "rpmlint reports errors"
else
	ok
fi
if ! grep -Eq '[0-9]+ errors?, [0-9]+ warnings?' "$tmp/rpmlint.log"; then
	tail -20 "$tmp/rpmlint.log"
	bad "rpmlint did not run"
fi
w=$(grep -c ': W: ' "$tmp/rpmlint.log")
echo "rpm: rpmlint: $w warning(s):"
grep ': W: ' "$tmp/rpmlint.log" | sort -u | sed 's/^/rpm:   /'
finish
