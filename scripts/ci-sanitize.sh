#!/bin/sh
# ci-sanitize.sh - build spfc with AddressSanitizer and UndefinedBehavior-
# Sanitizer and run the whole test suite under them.
#
# usage: scripts/ci-sanitize.sh [BUILD_DIR]     (default: build-asan)
#
# Configures BUILD_DIR (once; later runs reuse it) with Meson's built-in
# -Db_sanitize=address,undefined -Db_lundef=false (any compiler Meson
# finds: gcc or CC=clang), builds, and runs `meson test` for every suite.
# Every sanitizer finding is fatal: ASan and UBSan halt on the first
# error with a stack trace, LeakSanitizer reports leaks at exit, and the
# test that hit it fails.  The test programs the suites start (spfcheck,
# policyd-spf, the unit tests) inherit the settings.  The soak test
# (tests/soak, resident memory over 100,000 messages) runs on its own with
# ASan's quarantine off, as the quarantine itself grows memory.
#
# Exit status: 0 when every test passed, non-zero otherwise (the failing
# tests' logs are printed; all of them are in BUILD_DIR/meson-logs/).
set -eu

cd "$(dirname "$0")/.."
dir=${1:-build-asan}

if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
else
	meson configure "$dir" -Db_sanitize=address,undefined \
		-Db_lundef=false
fi
meson compile -C "$dir"

ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
LSAN_OPTIONS=print_suppressions=0
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# Sanitized programs run slower: give the suites more time.  The soak
# test measures resident memory, which ASan's quarantine of freed blocks
# (256 MB by default) makes grow: it runs on its own with the quarantine
# off (every other check stays on); every other test runs with it.
status=0
names=$(meson test -C "$dir" --list 2>/dev/null | sed -n 's|^[^ ]* / ||p')
rest=$(printf '%s\n' $names | grep -vx 'policyd-soak' || true)
# shellcheck disable=SC2086 # one argument per test name
meson test -C "$dir" --print-errorlogs --timeout-multiplier 4 $rest ||
	status=1
if printf '%s\n' $names | grep -qx 'policyd-soak'; then
	ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=0 \
		meson test -C "$dir" --print-errorlogs --timeout-multiplier 4 \
		policyd-soak || status=1
fi
exit $status
