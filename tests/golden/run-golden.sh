#!/bin/sh
# run-golden.sh POLICYD SRCDIR [--update]
# Runs every tests/golden/NAME.in through `policyd-spf --zone zone NAME.conf`
# (spawn mode, stdin/stdout) and compares the answers with NAME.ref.
set -u
bin=$1
dir=$2
update=${3:-}
pass=0
fail=0
cd "$dir" || exit 1
for in in *.in; do
	name=${in%.in}
	conf=$name.conf
	[ -f "$conf" ] || conf=default.conf
	out=$(mktemp)
	"$bin" --zone zone "$conf" < "$in" > "$out" 2>/dev/null
	echo "exit=$?" >> "$out"
	if [ "$update" = "--update" ]; then
		cp "$out" "$name.ref"
	fi
	if cmp -s "$out" "$name.ref"; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		diff -u "$name.ref" "$out" | head -40
		fail=$((fail + 1))
	fi
	rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
