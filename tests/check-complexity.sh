#!/bin/sh
# Function size and complexity gates: at most 150 lines and a cyclomatic
# complexity of 25 per function (our target is 60 lines; this is the
# backstop), and source files under 1,500 lines.
. "$top_srcdir/tests/tap.sh"
[ -n "$PMCCABE" ] || PMCCABE=pmccabe
require_cmd "$PMCCABE"

MAX_LINES=150
MAX_CCN=25
MAX_FILE=1500
files=$(find "$top_srcdir/src" "$top_srcdir/agent" "$top_srcdir/pkcs11" \
	"$top_srcdir/policy" -name '*.c' 2>/dev/null | sort)
[ -n "$files" ] || bail "no source files found under $top_srcdir"
for f in $files; do
	name=${f#"$top_srcdir"/}
	# pmccabe: modified traditional statements first-line lines file(line): fn
	bad=$("$PMCCABE" "$f" 2>/dev/null | awk -v ml=$MAX_LINES -v mc=$MAX_CCN \
		'$2 > mc || $5 > ml { print $7 " " $8 ": complexity " $2 ", " $5 " lines" }')
	if [ -z "$bad" ]; then
		ok "$name: functions within $MAX_LINES lines and complexity $MAX_CCN"
	else
		not_ok "$name: functions within $MAX_LINES lines and complexity $MAX_CCN"
		diag "$bad"
	fi
	n=$(wc -l < "$f")
	if [ "$n" -le $MAX_FILE ]; then
		ok "$name: $n lines (<= $MAX_FILE)"
	else
		not_ok "$name: $n lines (<= $MAX_FILE)"
	fi
done
done_testing
