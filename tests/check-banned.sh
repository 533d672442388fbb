#!/bin/sh
# Banned functions (curl's checksrc): unbounded or unchecked forms.
. "$top_srcdir/tests/tap.sh"

banned='strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|strncpy|mktemp|tmpnam|alloca'
for dir in src agent pkcs11 policy tests/unit tests/fuzz bench; do
	[ -d "$top_srcdir/$dir" ] || continue
	hits=$(find "$top_srcdir/$dir" -name '*.[ch]' -exec \
		grep -nHE "(^|[^_a-zA-Z0-9.>])($banned)[[:space:]]*\(" {} + |
		grep -v '/\* banned-ok' || true)
	if [ -z "$hits" ]; then
		ok "no banned function in $dir/"
	else
		not_ok "no banned function in $dir/"
		diag "$hits"
	fi
done
done_testing
