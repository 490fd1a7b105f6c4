#!/bin/sh
# run-miltertest.sh - run echo.lua under Debian's miltertest against
# echo_milter; exit 77 (skipped) when miltertest is not installed.
# usage: run-miltertest.sh ECHO_MILTER ECHO_LUA
command -v miltertest >/dev/null 2>&1 || {
	echo "miltertest not installed (Debian package miltertest): skipped"
	exit 77
}
dir=$(mktemp -d -t spfc-milter.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
miltertest -D BIN="$1" -D SOCK="$dir/echo.sock" -s "$2"
