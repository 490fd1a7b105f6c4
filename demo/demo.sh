#!/bin/sh
# demo.sh - show spfc at work on the bundled demo zone (no network used).
# Usage: demo.sh BUILD_DIR
set -eu
B=${1:-build}
D="$(dirname "$0")"
Z="$D/demo.zone"

step() {
	printf '\n$ spfcheck %s\n' "$*"
	"$B/spfcheck" --zone "$Z" --receiver mx.receiver.example "$@"
}

echo "== policyd-spf: sample Postfix requests (demo/requests.txt), spawn mode"
echo "   (two recipients of one message, a domain that sends no mail, a"
echo "    softfail, and a local client)"
echo
# One process answers all the requests (as under Postfix, so the second
# recipient of a message meets the first one's result); each request's
# main attributes are printed above its answer.
answers=$(mktemp)
trap 'rm -f "$answers"' EXIT
"$B/policyd-spf" --zone "$Z" "$D/demo.conf" < "$D/requests.txt" > "$answers"
awk -v answers="$answers" '
	function answer(   line, text) {
		text = ""
		while ((getline line < answers) > 0 && line != "")
			text = text line
		return text
	}
	/^(client_address|helo_name|sender|recipient|instance)=/ {
		split($0, kv, "=")
		f[kv[1]] = substr($0, length(kv[1]) + 2)
	}
	/^$/ {
		n++
		printf "request %d: client %s, HELO %s, sender <%s>, recipient <%s> (message %s)\n",
		    n, f["client_address"], f["helo_name"], f["sender"], f["recipient"], f["instance"]
		printf "  answer: %s\n\n", answer()
		delete f
	}' "$D/requests.txt"

echo "== spfcheck: one check traced step by step"
step --ip 192.0.2.11 --sender alice@example.com --helo mx2.example.com --trace
echo
echo "== spfcheck: the other results"
step --ip 198.51.100.7 --sender bob@example.com --helo out.mailer.example
step --ip 203.0.113.5 --sender bob@example.com --helo spammer.example
step --ip 203.0.113.5 --sender info@nomail.example --helo spammer.example
step --ip 203.0.113.5 --sender x@broken.example --helo spammer.example
step --ip 203.0.113.5 --sender x@slow.example --helo spammer.example --timeout 3
step --ip 203.0.113.5 --sender x@nothing.example --helo spammer.example
echo
echo "== spfcheck --lint: the publisher's view of example.com"
"$B/spfcheck" --zone "$Z" --lint example.com --flatten --ip 192.0.2.11 || true
