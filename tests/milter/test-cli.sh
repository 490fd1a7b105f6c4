#!/bin/sh
# test-cli.sh - spfc-milter's command line: exit statuses (2 bad usage,
# 1 cannot start), --check-config's milter settings and notes, and
# policyd-spf ignoring the milter's options with a warning.
# usage: test-cli.sh SPFC_MILTER POLICYD_SPF SRCDIR(tests)
m=$1 p=$2 t=$3 fail=0
dir=$(mktemp -d -t spfc-milter-cli.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT

status() {	# WANT WHAT CMD...
	want=$1 what=$2
	shift 2
	"$@" >"$dir/out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL $what: exit $got, want $want"; cat "$dir/out"; fail=1
	else
		echo "ok   $what"
	fi
}

has() {		# WHAT TEXT: the last output holds the line TEXT
	if grep -qxF -- "$2" "$dir/out"; then
		echo "ok   $1"
	else
		echo "FAIL $1: no line '$2' in:"; cat "$dir/out"; fail=1
	fi
}

z="--zone $t/golden/zone"
status 2 "a socket that does not parse" $m -f $z --socket tcp:1 $t/golden/default.conf
status 2 "an unknown option" $m --bogus
status 2 "--dns with --zone" $m --dns 127.0.0.1 $z
status 1 "a socket that cannot be made" $m -f $z --socket unix:$dir/no/such/dir/s.sock $t/golden/default.conf
status 1 "a configuration that cannot be read" $m -f $z $dir/none.conf

status 0 "--check-config" $m --check-config $t/milter/stage-mail.conf
has "Milter_Reject_Stage shown" "Milter_Reject_Stage = mail"
has "InternalHosts shown" "InternalHosts = 127.0.0.1,198.51.100.0/24"
has "the defaults of the others" "Skip_Authenticated = Yes"
has "the budget" "# milter: each SPF check has at most 9 s (Lookup_Time and Milter_Timeout); one that runs out is a TempError"
status 0 "--check-config, Milter_Timeout" $m --check-config $t/milter/timeout.conf
has "the budget under Lookup_Time" "# milter: each SPF check has at most 1 s (Lookup_Time and Milter_Timeout); one that runs out is a TempError"
status 0 "--check-config, pass restrictions" $m --check-config $t/golden/pass-restriction.conf
has "pass restrictions have no milter meaning" "# milter: HELO_pass_restriction and Mail_From_pass_restriction are Postfix restriction classes; they have no milter meaning (the message goes on)"
printf 'Milter_Reject_Stage = data\n' >"$dir/bad.conf"
status 1 "--check-config, a bad stage" $m --check-config "$dir/bad.conf"

status 0 "policyd-spf --check-config of a milter file" $p --check-config $t/milter/stage-mail.conf
has "policyd-spf ignores the milter's options" "$t/milter/stage-mail.conf: line 3: warning: Milter_Reject_Stage is only used by the milter; ignored"
if grep -q "^InternalHosts" "$dir/out"; then
	echo "FAIL policyd-spf shows a milter option"; fail=1
else
	echo "ok   policyd-spf does not show the milter's options"
fi
exit $fail
