#!/bin/bash
# run-short.sh - run every fuzz target for a while on its seed corpus.
#
# usage: fuzz/run-short.sh BUILD_DIR SECONDS [TARGET...]
#   BUILD_DIR  a build configured with CC=clang meson setup BUILD_DIR
#              -Dfuzz=true (the targets are BUILD_DIR/fuzz/fuzz_NAME)
#   SECONDS    how long each target runs
#   TARGET     names (record macro zone eval dnswire proto config);
#              default all
# Environment: JOBS=N runs N targets at once (default 1).
#
# Each target runs on a copy of fuzz/corpus/NAME/ in a temporary
# directory (the repository is never written), with its dictionary, and
# with ASan leak checking on.  Prints, per target, the executions, their
# rate, the coverage reached and the crashes, then "N passed, M failed".
# A target passes when it ran its time without a crash, a leak, a
# time-out (an input taking over 10 s) or running out of memory.  On a
# failure the temporary directory is kept: its path is printed, with the
# reproducer (crash-*, leak-*, timeout-*, oom-*) and the log.
# Exit status: 0 when all passed, 1 otherwise, 2 on bad usage.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
fi
build=$1
secs=$2
shift 2
case $secs in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(record macro zone eval dnswire proto config milter)
jobs=${JOBS:-1}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spfc-fuzz.XXXXXX") || exit 2

dict_of() {
	case $1 in
	record | macro | zone | eval) echo "$here/spf.dict" ;;
	*) echo "$here/$1.dict" ;;
	esac
}

run_one() {
	local t=$1 bin="$build/fuzz/fuzz_$1" dir="$tmp/$1" dict
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ ! -x "$bin" ]; then
		echo "no $bin" >"$dir/log"
		echo 1 >"$dir/rc"
		return
	fi
	cp "$here/corpus/$t/." "$dir/corpus/" -r 2>/dev/null
	if [ "$t" = proto ]; then
		cp "$src"/tests/policyd/proto/*.req "$dir/corpus/" 2>/dev/null
	fi
	dict=$(dict_of "$t")
	[ -f "$dict" ] && dict="-dict=$dict" || dict=""
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		$dict "$dir/corpus" >"$dir/log" 2>&1
	echo $? >"$dir/rc"
}

running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0
fail=0
for t in "${targets[@]}"; do
	dir="$tmp/$t"
	rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$dir/log" | tail -1 |
		sed -n 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/p')
	crashes=$(find "$dir/artifacts" -type f | wc -l)
	printf '%-7s %12s execs %8s exec/s  %-22s crashes: %s\n' "$t" \
		"${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$crashes"
	if [ "$rc" = 0 ] && [ "$crashes" = 0 ] && [ -n "$execs" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $t (exit $rc): log $dir/log"
		find "$dir/artifacts" -type f | sed 's/^/  reproducer: /'
		grep -m1 -E 'ERROR:|SUMMARY:' "$dir/log" | sed 's/^/  /'
	fi
done
echo "$pass passed, $fail failed"
if [ $fail -eq 0 ]; then
	rm -rf "$tmp"
	exit 0
fi
echo "kept: $tmp"
exit 1
