# netns.sh - sourced by the e2e scripts: the end of a network namespace
# they made.
#
# netns_teardown NS: what still runs in NS was started by the test (Postfix
# and its children, a spawned policy service, a name server, a daemon):
# SIGTERM for up to 5 s, then SIGKILL, then the namespace is deleted.
# Nothing when NS does not exist.
netns_teardown() {
	if ip netns list 2>/dev/null | grep -q "^$1\\b"; then
		_i=0
		while [ "$_i" -lt 50 ]; do
			_pids=$(ip netns pids "$1" 2>/dev/null)
			[ -z "$_pids" ] && break
			for _p in $_pids; do
				kill "$_p" 2>/dev/null
			done
			sleep 0.1
			_i=$((_i + 1))
		done
		for _p in $(ip netns pids "$1" 2>/dev/null); do
			kill -9 "$_p" 2>/dev/null
		done
		ip netns del "$1" 2>/dev/null
	fi
}
