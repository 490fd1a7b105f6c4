#!/bin/sh
# run-spfc-milter.sh - run one spfc-milter script under Debian's miltertest
# against the real spfc-milter on a zone file; exit 77 (skipped) when
# miltertest is not installed.
# usage: run-spfc-milter.sh SPFC_MILTER ZONE LIB SCRIPT CONFIG [NAME=VALUE]
# (NAME=VALUE: one more global for the script; CONFIG -: a file in the
# test's directory, which the script writes)
command -v miltertest >/dev/null 2>&1 || {
	echo "miltertest not installed (Debian package miltertest): skipped"
	exit 77
}
dir=$(mktemp -d -t spfc-milter.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
conf=$5
[ "$conf" = - ] && conf="$dir/spfc-milter.conf"
miltertest -D BIN="$1" -D ZONE="$2" -D LIB="$3" -D CONF="$conf" \
	-D SOCK="$dir/spfc-milter.sock" ${6:+-D "$6"} -s "$4"
