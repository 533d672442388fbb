#!/bin/sh
# cppcheck stays clean on the whole tree.
. "$top_srcdir/tests/tap.sh"
[ -n "$CPPCHECK" ] || CPPCHECK=cppcheck
require_cmd "$CPPCHECK"

dirs=
for d in src agent pkcs11 policy; do
	[ -d "$top_srcdir/$d" ] && dirs="$dirs $top_srcdir/$d"
done
tap_tmpdir
# shellcheck disable=SC2086
if "$CPPCHECK" --quiet --error-exitcode=1 --inline-suppr \
	--enable=warning,performance,portability \
	--suppress=missingIncludeSystem --std=c11 \
	-D__GNUC__ -DENABLE_NLS -I "$top_srcdir/src" -I "$top_builddir" \
	-j 2 $dirs >"$tmp/out" 2>&1; then
	ok "cppcheck: no warning"
else
	not_ok "cppcheck: no warning"
	diag "$(head -n 40 "$tmp/out")"
fi
done_testing
