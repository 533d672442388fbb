#!/bin/sh
# Every C file follows .clang-format (run "make format" to fix).
. "$top_srcdir/tests/tap.sh"
[ -n "$CLANG_FORMAT" ] || CLANG_FORMAT=clang-format
require_cmd "$CLANG_FORMAT"

files=$(cd "$top_srcdir" && find src agent pkcs11 policy tests/unit tests/fuzz \
	bench -name '*.[ch]' 2>/dev/null | sort)
for f in $files; do
	if out=$(cd "$top_srcdir" && "$CLANG_FORMAT" --dry-run --Werror \
		--style=file "$f" 2>&1); then
		ok "format: $f"
	else
		not_ok "format: $f (run 'make format')"
		diag "$(echo "$out" | head -n 12)"
	fi
done
done_testing
