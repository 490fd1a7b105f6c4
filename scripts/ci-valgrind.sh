#!/bin/sh
# ci-valgrind.sh - run the golden transcripts of spfcheck (tests/cli) and
# policyd-spf (tests/golden), and the unit tests, under valgrind memcheck.
#
# usage: scripts/ci-valgrind.sh [BUILD_DIR]     (default: build-valgrind)
#
# Configures BUILD_DIR (once) as a plain debug build (no sanitizers:
# valgrind checks the real binaries), builds, then:
#  - runs tests/cli/run-golden.sh and tests/golden/run-golden.sh with, as
#    the program to test, a small wrapper script that execs
#        valgrind --error-exitcode=99 --leak-check=full
#                 --errors-for-leak-kinds=definite,indirect ...
#    on the real binary; valgrind writes its report to a log file of its
#    own, so the transcripts compare as usual and an error shows up both
#    as "exit=99" in the diff and in the log;
#  - runs the test executables (unit tests, the zone, policy codec and
#    config tests, the in-process RFC 7208 suite) with `meson test
#    --wrapper`.
# Every valgrind log is checked afterwards; the ones with errors are
# printed.
#
# Exit status: 0 when all transcripts match and valgrind found no error,
# 1 otherwise, 2 when valgrind is missing or the build fails.
set -u

cd "$(dirname "$0")/.." || exit 2
src=$PWD
dir=${1:-build-valgrind}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "ci-valgrind: valgrind is not installed (apt-get install valgrind)" >&2
	exit 2
fi
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" -Dbuildtype=debug -Db_sanitize=none || exit 2
fi
meson compile -C "$dir" || exit 2
build=$(cd "$dir" && pwd)

logs=$(mktemp -d "${TMPDIR:-/tmp}/spfc-valgrind.XXXXXX") || exit 2
vg="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30"

# wrap NAME BINARY: a script that runs BINARY under valgrind, one log per
# process.
wrap() {
	cat >"$logs/$1" <<WRAP
#!/bin/sh
exec $vg --log-file="$logs/$1.%p.log" "$2" "\$@"
WRAP
	chmod +x "$logs/$1"
}
wrap spfcheck "$build/spfcheck"
wrap policyd-spf "$build/policyd-spf"

status=0
echo "== spfcheck golden transcripts (tests/cli) under valgrind"
"$src/tests/cli/run-golden.sh" "$logs/spfcheck" "$src/tests/cli" || status=1
echo "== policyd-spf golden transcripts (tests/golden) under valgrind"
"$src/tests/golden/run-golden.sh" "$logs/policyd-spf" "$src/tests/golden" ||
	status=1
echo "== unit tests and the in-process RFC 7208 suite under valgrind"
# the tests that are executables of ours (not scripts): suites unit and
# zone, the policyd codec and config tests, the rfc7208 runner
names=$(meson test -C "$dir" --list 2>/dev/null | sed -n \
	-e 's|^[^ :]*:unit / ||p' -e 's|^[^ :]*:zone / ||p' \
	-e 's|^[^ :]*:policyd / \(config\)$|\1|p' \
	-e 's|^[^ :]*:policyd / \(proto\)$|\1|p' \
	-e 's|^[^ :]*:suite / \(rfc7208\)$|\1|p')
# shellcheck disable=SC2086 # one argument per test name
meson test -C "$dir" --print-errorlogs --timeout-multiplier 10 \
	--wrapper "$vg --log-file=$logs/unit.%p.log" $names || status=1

nlogs=0
bad=0
for f in "$logs"/*.log; do
	[ -f "$f" ] || continue
	nlogs=$((nlogs + 1))
	if ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
		bad=$((bad + 1))
		echo "== valgrind found errors: $f"
		cat "$f"
	fi
done
echo "valgrind: $nlogs processes checked, $bad with errors"
[ $bad -eq 0 ] || status=1
if [ $status -eq 0 ]; then
	rm -rf "$logs"
else
	echo "logs kept in $logs"
fi
exit $status
