#!/bin/sh
# run-migrate.sh POLICYD_SPF DIR: the migration view of --check-config.
# For each DIR/NAME.conf, the notes (the "# from spf-engine" line and the
# lines after it that start with the file's path) must equal DIR/NAME.ref,
# with the path written as NAME.conf.  spf-engine's own commented sample,
# when its package is installed, is checked unchanged against
# DIR/spf-engine-sample.ref.  Then spf-engine's real parser confirms the
# facts the notes of hostile.conf rest on.
set -u
bin=$1
dir=$2
fails=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

notes() { # FILE LABEL
	"$bin" --check-config "$1" 2>/dev/null |
		awk -v p="$1: " -v l="$2: " '
			/^# from spf-engine/ { on = 1; print; next }
			on && index($0, p) == 1 { print l substr($0, length(p) + 1) }'
}

check() { # FILE LABEL REF
	notes "$1" "$2" >"$tmp/got"
	if cmp -s "$tmp/got" "$3"; then
		echo "ok: $2"
	else
		echo "FAIL: $2"
		diff -u "$3" "$tmp/got"
		fails=$((fails + 1))
	fi
}

for conf in "$dir"/*.conf; do
	name=$(basename "$conf")
	check "$conf" "$name" "${conf%.conf}.ref"
done

sample=/usr/share/doc/postfix-policyd-spf-python/policyd-spf.conf.commented.gz
if [ -f "$sample" ]; then
	gzip -dc "$sample" >"$tmp/policyd-spf.conf.commented"
	check "$tmp/policyd-spf.conf.commented" policyd-spf.conf.commented \
		"$dir/spf-engine-sample.ref"
else
	echo "skipped: spf-engine's sample (postfix-policyd-spf-python not installed)"
fi

# spf-engine's parser on the facts behind the notes
if /usr/bin/python3 -c 'import spf_engine.policydspfsupp' 2>/dev/null; then
	/usr/bin/python3 - "$dir" "$tmp" <<'PY' || fails=$((fails + 1))
import os, sys
from spf_engine import policydspfsupp as s
d, tmp = sys.argv[1], sys.argv[2]
bad = 0
def read(text):
    p = os.path.join(tmp, 'x.conf')
    with open(p, 'wb') as f:
        f.write(text)
    return s._readConfigFile(p, {})
def expect(what, ok):
    global bad
    print(('ok: ' if ok else 'FAIL: ') + 'spf-engine: ' + what)
    bad += not ok
c = read(b'PermError_reject = true\nTempError_Defer = yes\n')
expect('"true"/"yes" are kept as written (not "True")',
       c.get('PermError_reject') == 'true' and c.get('TempError_Defer') == 'yes')
expect('Mock = False is on', read(b'Mock = False\n').get('Mock') is True)
expect('a line with a second "=" is dropped',
       'Reason_Message' not in read(b'Reason_Message = a=b\n'))
expect('QueueID is not read', 'QueueID' not in read(b'QueueID = False\n'))
expect('a byte-order mark loses the first setting',
       'debugLevel' not in read(b'\xef\xbb\xbfdebugLevel = 3\n'))
expect('U+3000 around a value is stripped',
       read('Whitelist_Lookup_Time = 5\u3000\n'.encode()).get('Whitelist_Lookup_Time') == 5)
expect('"1_0" is 10', read(b'Lookup_Time = 1_0\n').get('Lookup_Time') == 10)
try:
    read(b'Void_Limit = x\n')
    expect('"x" as a number stops it', False)
except ValueError:
    expect('"x" as a number stops it', True)
try:
    read(b'TestOnly = 1\nbad \xff = 1\n')
    expect('a line that is not UTF-8 stops it', False)
except UnicodeDecodeError:
    expect('a line that is not UTF-8 stops it', True)
sys.exit(1 if bad else 0)
PY
else
	echo "skipped: spf-engine's parser (python3 spf_engine not installed)"
fi
[ "$fails" -eq 0 ] && echo "migration view: all checks passed"
exit "$fails"
