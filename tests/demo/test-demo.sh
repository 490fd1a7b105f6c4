#!/bin/sh
# test-demo.sh BUILD_DIR: the demo runs, and shows every sample request of
# demo/requests.txt above its answer (README: "./run demo").
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
out=$(sh "$top/demo/demo.sh" "$1" 2>&1)
rc=$?
fails=0
bad() { echo "demo: $*"; fails=$((fails + 1)); }
[ $rc -eq 0 ] || bad "demo.sh exited $rc"
want=$(grep -c '^request=' "$top/demo/requests.txt")
got=$(printf '%s\n' "$out" | grep -c '^request [0-9]*: client ')
[ "$got" -eq "$want" ] || bad "$got requests shown, $want in requests.txt"
# each request line is followed by its answer, which is the daemon's
answers=$(printf '%s\n' "$out" | grep -A1 '^request [0-9]*: client ' |
	grep -c '^  answer: action=')
[ "$answers" -eq "$want" ] || bad "$answers answers for $want requests"
printf '%s\n' "$out" | grep -q '^  answer: action=550 5.7.23 ' ||
	bad "no rejection among the answers"
printf '%s\n' "$out" | grep -q '^request 2: .*(message demo.1)$' ||
	bad "request 2 is not shown as the second recipient of message demo.1"
printf '%s\n' "$out" | grep -A1 '^request 2: ' | grep -qx '  answer: action=dunno' ||
	bad "the second recipient of a message did not meet the first one's result"
[ $fails -eq 0 ] && echo "demo: $want requests shown with their answers"
exit $fails
