#!/bin/bash
# run-golden.sh - the golden transcripts of spfcheck.
#
# usage: run-golden.sh SPFCHECK_BINARY SRCDIR [--update]
# (also the runner of tests/lint: GOLDEN_ZONE=lint.zone GOLDEN_JSON_RC="0 1 3")
#
# Each case is SRCDIR/NAME.args: spfcheck's arguments, one per line (an
# empty line is an empty argument; a line "printf:TEXT" is the argument
# printf '%b' TEXT makes, for control and 8-bit bytes).  The runner works
# in SRCDIR and calls
#     spfcheck --receiver receiver.example --zone example.zone ARGS...
# (later options win, so a case may override either), then compares
# stdout, stderr (each line prefixed "stderr: ") and a last line "exit=N"
# with SRCDIR/NAME.ref.  Output of a --json case that exits 0 must also
# pass python3 -m json.tool.  Prints one line per case and
# "N passed, M failed"; exits 1 on any failure.  --update rewrites the
# .ref files from what the program prints now: read every changed .ref
# before keeping it -- the .ref files are the specification.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 SPFCHECK_BINARY SRCDIR [--update]" >&2
	exit 2
fi
spfcheck=$1
srcdir=$2
update=0
[ "${3:-}" = "--update" ] && update=1

case $spfcheck in
/*) ;;
*) spfcheck=$PWD/$spfcheck ;;
esac
cd "$srcdir" || exit 2
export LC_ALL=C
unset NO_COLOR
# GOLDEN_ZONE: the zone the cases answer from; GOLDEN_JSON_RC: the exit
# statuses whose --json output must parse (lint ends 0, 1 or 3).
zone=${GOLDEN_ZONE:-example.zone}
json_rc=" ${GOLDEN_JSON_RC:-0} "

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
for argsfile in *.args; do
	name=${argsfile%.args}
	args=()
	json=0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		printf:*) line=$(printf '%b' "${line#printf:}") ;;
		esac
		[ "$line" = "--json" ] && json=1
		args+=("$line")
	done <"$argsfile"

	"$spfcheck" --receiver receiver.example --zone "$zone" \
		"${args[@]}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	{
		cat "$tmp/out"
		sed 's/^/stderr: /' "$tmp/err"
		echo "exit=$rc"
	} >"$tmp/got"

	why=""
	if [ $json = 1 ] && [ "${json_rc#* $rc }" != "$json_rc" ] &&
		! python3 -m json.tool <"$tmp/out" >/dev/null 2>&1; then
		why="output is not valid JSON"
	fi
	if [ $update = 1 ]; then
		cp "$tmp/got" "$name.ref"
	elif [ ! -f "$name.ref" ]; then
		why="${why:+$why; }no $name.ref"
	elif ! cmp -s "$tmp/got" "$name.ref"; then
		why="${why:+$why; }output differs from $name.ref"
		diff -u "$name.ref" "$tmp/got" | sed 's/^/    /'
	fi
	if [ -z "$why" ]; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: $why"
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
