#!/bin/sh
# The README's first command runs tests/demo.sh: it must keep working.
. "$top_srcdir/tests/tap.sh"
export LC_ALL=C LANGUAGE=
tap_tmpdir
check_status "the main job (tests/demo.sh) runs to the end" 0 \
	sh "$top_srcdir/tests/demo.sh" "$top_builddir"
check_grep "it bootstraps the organization" \
	"You are its first administrator" "$tmp/out"
check_grep "it shows the validated chain, up to date" \
	"Server: .*(up to date)" "$tmp/out"
check_grep "it shows the admin's user" "Alice Martin <alice@example.org>, admin" \
	"$tmp/out"
check_grep "it imports a folder into a workspace" \
	"Imported 3 files, 2 folders" "$tmp/out"
check_grep "it syncs it to the server" "reports: sent [1-9][0-9]* blocks" "$tmp/out"
check_grep "it shows who wrote each version" \
	"Alice Martin (alice-laptop)" "$tmp/out"
check_grep "it decrypts it back, byte for byte" "identical to the originals" \
	"$tmp/out"
check_grep "the invitation goes out by mail, with its link" \
	"Bob's link, from the mail: sceau://127.0.0.1:" "$tmp/out"
check_grep "a second user joins through the code exchange" \
	"greeter: the new user joined as member" "$tmp/out"
check_grep "and a second device of his" "bob-desktop (this device)" "$tmp/out"
check_grep "which reads the workspace shared with its user" \
	"^Budget 2027: draft" "$tmp/out"
check_grep "the organization has its two users" "Bob Durand <bob@example.org>" \
	"$tmp/out"
check_grep "Bob's agent brings Alice's new file in, no sync command" \
	"^Minutes: budget 2027 approved" "$tmp/out"
check_grep "status shows the agent's sync of the workspace" \
	"reports.*up-to-date" "$tmp/out"
check_grep "and lock wipes his keys" "1 device locked" "$tmp/out"
check_grep "the organization's history exports and verifies offline" \
	"^certificates: [0-9]*; versions: [1-9]" "$tmp/out"
check_grep "the audit report says who shared what with whom" \
	"workspace-role .*Alice Martin.*about Bob Durand" "$tmp/out"
check_fails "it leaves no server behind" \
	pgrep -f "sceau-demo.*server.conf"
done_testing
