#!/bin/sh
# The sceau program: versions, self-test, usage errors, JSON output.
. "$top_srcdir/tests/tap.sh"
require_cmd jq
sceau="$top_builddir/sceau"
tap_tmpdir
export LC_ALL=C LANGUAGE=

check_status "sceau --version exits 0" 0 "$sceau" --version
cp "$tmp/out" "$tmp/v"
for lib in OpenSSL p11-kit SQLite libcurl jansson libxml2 Argon2; do
	check_grep "--version names $lib" "^  $lib " "$tmp/v"
done
check_grep "--version names sceau and its version" '^sceau [0-9]' "$tmp/v"
"$sceau" --json version >"$tmp/vj"
check "--json version is JSON with an OpenSSL 3 version" \
	jq -e '.openssl | test("^OpenSSL 3\\.")' "$tmp/vj"
check "version --json (option after the command) works too" \
	sh -c "'$sceau' version --json | jq -e '.sqlite | length > 0' >/dev/null"

check_status "selftest passes" 0 "$sceau" selftest
cp "$tmp/out" "$tmp/st"
check_grep "selftest reports Ed25519" 'ed25519' "$tmp/st"
check_grep "selftest ends with 0 failed" ' 0 failed$' "$tmp/st"
"$sceau" selftest --json >"$tmp/stj"
check "selftest --json: every test ok and none failed" \
	jq -e '(.failed == 0) and (.passed > 5) and all(.tests[]; .ok)' "$tmp/stj"

check_status "unknown command exits 2" 2 "$sceau" frobnicate
check_grep "unknown command is named" "unknown command 'frobnicate'" "$tmp/err"
check_status "unknown option exits 2" 2 "$sceau" --frobnicate
check_status "no command exits 2" 2 "$sceau"
check_status "bad option of a command exits 2" 2 "$sceau" version --nope
check_status "help of a command exits 0" 0 "$sceau" help selftest
check_grep "help selftest shows its usage" '^Usage: sceau selftest' "$tmp/out"
done_testing
