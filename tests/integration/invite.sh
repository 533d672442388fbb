#!/bin/sh
# Invitations and their code exchange, end to end on the real server:
# a user joins, a device joins (and reads its user's files), wrong codes
# abort both sides, cancelled invitations are refused, a third party with
# the token but not the code cannot join, and a server that alters the
# relayed messages makes the exchange fail (tests/tamper-proxy.py).
#
# The greeter and the claimer run as two processes with --json: each
# prints its code and its choices as JSON lines, and reads the answer
# from a FIFO, which the script fills as the people would.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd cmp jq mkfifo python3
sceau="$top_builddir/sceau"

# A mail sink on 127.0.0.1 (tests/smtp-sink.py, python3-aiosmtpd).
/usr/bin/python3 "$top_srcdir/tests/smtp-sink.py" --dir "$tmp/mails" \
	--port-file "$tmp/sink.port" 2>"$tmp/sink.log" &
srv_extra_pids="$!"
i=0
while [ ! -s "$tmp/sink.port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/sink.port" ] || bail "smtp-sink did not start: $(cat "$tmp/sink.log")"
srv_db="$tmp/server-$srv_n.db"
srv_config "$tmp/srv.conf"
cat >>"$tmp/srv.conf" <<EOF

[mail]
relay = smtp://127.0.0.1:$(cat "$tmp/sink.port")
from = sceau@example.org
tls = none
EOF
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

A="$tmp/alice" B="$tmp/bob" B2="$tmp/bob2" M="$tmp/mallory"
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"

# wait_json FILE JQ-FILTER: waits (30 s at most) until a line of FILE
# matches, and prints the filter's first value.
wait_json() {
	i=0
	while [ $i -lt 300 ]; do
		v=$(jq -r "$2" "$1" 2>/dev/null | head -n 1)
		if [ -n "$v" ]; then
			printf '%s\n' "$v"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "timeout waiting for $2 in $1: $(cat "$1")"
	return 1
}

# exchange NAME GREETER-CMD -- CLAIMER-CMD: starts both sides with their
# answers read from FIFOs.  Then answer_claimer / answer_greeter give the
# codes, and finish waits for both (exit statuses in $g_rc and $c_rc).
exchange() {
	x="$tmp/x-$1"
	shift
	rm -f "$x".gin "$x".cin
	mkfifo "$x".gin "$x".cin
	: >"$x".gout
	: >"$x".cout
	gcmd=
	while [ "$1" != "--" ]; do
		gcmd="$gcmd '$1'"
		shift
	done
	shift
	exec 3<>"$x".gin 4<>"$x".cin
	eval "$gcmd" <"$x".gin >"$x".gout 2>"$x".gerr &
	g_pid=$!
	"$@" <"$x".cin >"$x".cout 2>"$x".cerr &
	c_pid=$!
}
# The greeter's code, and the claimer's choices once both are shown.
greeter_code() { wait_json "$x".gout 'select(.event == "code") | .code'; }
claimer_code() { wait_json "$x".cout 'select(.event == "code") | .code'; }
claimer_choices() {
	wait_json "$x".cout 'select(.event == "choices") | .choices | join(" ")'
}
greeter_choices() {
	wait_json "$x".gout 'select(.event == "choices") | .choices | join(" ")'
}
answer_claimer() { printf '%s\n' "$1" >&4; }
answer_greeter() { printf '%s\n' "$1" >&3; }
finish() {
	wait "$g_pid"
	g_rc=$?
	wait "$c_pid"
	c_rc=$?
	exec 3>&- 4>&-
}
# a choice of LIST that is not CODE
other_than() {
	for c in $2; do
		[ "$c" != "$1" ] && {
			echo "$c"
			return
		}
	done
}

# ------------------------------------------------------------ user join
check_status "alice invites bob: the server mails him" 0 \
	as "$A" --json invite user bob@example.org --lang fr
cp "$tmp/out" "$tmp/inv-bob.json"
check "the invitation has an id and a claim_user link, mailed" jq -e '
	(.invitation_id | test("^[0-9a-f]{32}$")) and
	(.link | test("^sceau://127\\.0\\.0\\.1:[0-9]+/acme\\?a=claim_user&p=[A-Za-z0-9_-]{43}&no_ssl=1$")) and
	.mailed == true and .kind == "user" and .email == "bob@example.org"' \
	"$tmp/inv-bob.json"
id=$(jq -r .invitation_id "$tmp/inv-bob.json")
mail=$(ls "$tmp"/mails/*.eml 2>/dev/null | head -n 1)
check "the mail arrived" test -n "$mail"
check "to bob" jq -e '.rcpt_tos == ["bob@example.org"]' "${mail%.eml}.json"
check_grep "in UTF-8 text" "charset=UTF-8" "$mail"
# The link Bob uses is the one in the mail, on a line of its own.
blink=$(tr -d '\r' <"$mail" | grep -E '^ *sceau://' | head -n 1 |
	sed 's/^ *//')
check "the mail's link is the invitation's" \
	[ "$blink" = "$(jq -r .link "$tmp/inv-bob.json")" ]
check_status "invite list" 0 as "$A" --json invite list
check "the pending invitation is listed" jq -e --arg id "$id" \
	'[.invitations[] | select(.invitation_id == $id)] | length == 1' \
	"$tmp/out"
check_status "a second invitation of the same address is refused" 6 \
	as "$A" invite user bob@example.org --no-mail

exchange user as "$A" --json greet "$id" -- \
	as "$B" --json claim "$blink" --name Bob --device-label laptop \
	--keyring
gcode=$(greeter_code)
choices=$(claimer_choices)
check "the claimer's choices hold the greeter's code" \
	sh -c "echo '$choices' | grep -qw '$gcode'"
check "four distinct choices" \
	sh -c "[ \$(echo '$choices' | tr ' ' '\n' | sort -u | wc -l) -eq 4 ]"
answer_claimer "$gcode"
ccode=$(claimer_code)
gchoices=$(greeter_choices)
check "the greeter's choices hold the claimer's code" \
	sh -c "echo '$gchoices' | grep -qw '$ccode'"
answer_greeter "$ccode"
finish
check "the greeter succeeds" [ "$g_rc" -eq 0 ]
check "the claimer succeeds" [ "$c_rc" -eq 0 ]
check "the greeter says bob joined as member" jq -se \
	'.[-1] | .event == "done" and .profile == "member" and .claimer_done' \
	"$x".gout
bob_id=$(jq -r 'select(.event == "done") | .user_id' "$x".cout)
check "bob's device knows its user" test -n "$bob_id"
check_status "bob's new device works" 0 \
	as "$B" --json whoami
check "bob is a member of acme" jq -e --arg u "$bob_id" \
	'.user_id == $u and .user.profile == "member"' "$tmp/out"
check_status "alice sees bob with his name" 0 as "$A" --json user list
check "bob@example.org, Bob" jq -e '
	[.users[] | select(.email == "bob@example.org" and .name == "Bob")]
	| length == 1' "$tmp/out"
check_status "claim: keyring and card together are a usage error" 2 \
	as "$B2" claim "$blink" --name Bob --keyring --token "pkcs11:token=none"
check_grep "which says they exclude each other" "exclude each other" "$tmp/err"
check_status "the invitation is used" 6 \
	as "$B2" claim "$blink" --name Bob --keyring
check_grep "a used invitation says so" "cancelled or already used" \
	"$tmp/err"
check_status "no longer listed" 0 as "$A" --json invite list
check "empty list" jq -e '.invitations | length == 0' "$tmp/out"

# bob gets a workspace and a file, to read from his second device.
echo "shared secret plans" >"$tmp/plans.txt"
as "$A" workspace create plans >/dev/null &&
	as "$A" workspace share plans bob@example.org reader >/dev/null &&
	as "$A" import "$tmp/plans.txt" /plans/plans.txt >/dev/null &&
	as "$A" sync >/dev/null || bail "alice's workspace"

# ---------------------------------------------------------- device join
check_status "bob invites a new device" 0 \
	as "$B" --json invite device
did=$(jq -r .invitation_id "$tmp/out")
dlink=$(jq -r .link "$tmp/out")
check "a claim_device link" sh -c "echo '$dlink' | grep -q 'a=claim_device'"
check_status "alice (admin) cannot greet bob's device" 6 \
	as "$A" greet "$did" --timeout 5
exchange device as "$B" --json greet "$did" -- \
	as "$B2" --json claim "$dlink" --device-label desktop --keyring
gcode=$(greeter_code)
claimer_choices >/dev/null
answer_claimer "$gcode"
ccode=$(claimer_code)
greeter_choices >/dev/null
answer_greeter "$ccode"
finish
check "device join: greeter" [ "$g_rc" -eq 0 ]
check "device join: claimer" [ "$c_rc" -eq 0 ]
check_status "the new device is bob's" 0 as "$B2" --json whoami
check "same user, another device" jq -e --arg u "$bob_id" \
	'.user_id == $u and .device_label == "desktop"' "$tmp/out"
check_status "it syncs bob's workspaces" 0 as "$B2" sync
check_status "and reads alice's file (the user key came over)" 0 \
	as "$B2" cat /plans/plans.txt
check "byte for byte" cmp "$tmp/out" "$tmp/plans.txt"

# ----------------------------------------------------------- wrong codes
as "$A" --json invite user carol@example.org --no-mail >"$tmp/inv.json" ||
	bail "invite carol"
id=$(jq -r .invitation_id "$tmp/inv.json")
clink=$(jq -r .link "$tmp/inv.json")
C="$tmp/carol"
exchange wrong1 as "$A" --json greet "$id" -- \
	as "$C" --json claim "$clink" --name Carol --keyring
gcode=$(greeter_code)
answer_claimer "$(other_than "$gcode" "$(claimer_choices)")"
finish
check "the claimer's wrong pick fails the claimer (exit 6)" [ "$c_rc" -eq 6 ]
check "and the greeter (exit 6)" [ "$g_rc" -eq 6 ]
check "the greeter is told the claimer picked a wrong code" \
	jq -e 'select(.error) | .error.code == "SCEAU_ERR_WRONG_CODE"' "$x".gout
check "nothing was written for carol" test ! -e "$C/orgs/acme"
exchange wrong2 as "$A" --json greet "$id" -- \
	as "$C" --json claim "$clink" --name Carol --keyring
answer_claimer "$(greeter_code)"
ccode=$(claimer_code)
answer_greeter "$(other_than "$ccode" "$(greeter_choices)")"
finish
check "the greeter's wrong pick fails both: greeter" [ "$g_rc" -eq 6 ]
check "claimer" [ "$c_rc" -eq 6 ]
check "the claimer is told" \
	jq -e 'select(.error) | .error.code == "SCEAU_ERR_WRONG_CODE"' "$x".cout
check_status "carol is not a user" 0 as "$A" --json user list
check "no carol" jq -e \
	'[.users[] | select(.email == "carol@example.org")] | length == 0' \
	"$tmp/out"

# ------------------------------------------- Ctrl-C tells the other side
exchange cancel as "$A" --json greet "$id" -- \
	as "$C" --json claim "$clink" --name Carol --keyring
gcode=$(greeter_code)
claimer_choices >/dev/null
pkill -INT -f "greet $id"
wait "$g_pid"
g_rc=$?
answer_claimer "$gcode"
finish
check "the interrupted greeter stops" \
	jq -e 'select(.error) | .error.code == "SCEAU_ERR_INTERRUPTED"' "$x".gout
check "the claimer is told it was cancelled (exit 6)" [ "$c_rc" -eq 6 ]
check "with the reason" jq -e 'select(.error) |
	.error.code == "SCEAU_ERR_EXCHANGE_ABORTED" and
	(.error.detail | test("greeter aborted the exchange \\(cancelled\\)"))' \
	"$x".cout

# ------------------------------------- a third party with the token only
# Mallory has the link but not the code: the greeter reads its code to
# Carol, not to him; whatever he picks, the greeter then asks Carol for
# the code she sees, and Mallory's screen shows another.
exchange mallory as "$A" --json greet "$id" -- \
	as "$M" --json claim "$clink" --name Carol --keyring
gcode=$(greeter_code)
answer_claimer "$gcode" # even a lucky guess
mcode=$(claimer_code)
carol_code=$(other_than "$mcode" "$(greeter_choices)")
answer_greeter "$carol_code"
finish
check "mallory cannot join" [ "$c_rc" -ne 0 ]
check "the greeter refuses" [ "$g_rc" -eq 6 ]
check "nothing was written for mallory" test ! -e "$M/orgs/acme"
check_status "still no carol" 0 as "$A" --json user list
check "the organization did not grow" jq -e '.users | length == 2' \
	"$tmp/out"

# ---------------------------------------------------------------- expiry
# Time passes for one invitation: its expiry is moved to the past in the
# server's database (what the server's clock does after 7 days).
as "$A" --json invite user olga@example.org --no-mail >"$tmp/inv.json" ||
	bail "invite olga"
check "not mailed with --no-mail" jq -e '.mailed == false' "$tmp/inv.json"
/usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
c.execute("UPDATE invitations SET expires = 1 WHERE id = ?", (sys.argv[2],))
c.commit()' "$srv_db" "$(jq -r .invitation_id "$tmp/inv.json")" ||
	bail "expiry"
check_status "an expired invitation is refused" 6 as "$tmp/olga" claim \
	"$(jq -r .link "$tmp/inv.json")" --name Olga --keyring
check_grep "it says it expired" "expired" "$tmp/err"
check_status "invite list marks it expired" 0 as "$A" --json invite list
check "expired: true" jq -e '[.invitations[] |
	select(.email == "olga@example.org")][0].expired == true' "$tmp/out"

# ---------------------------------------------------------- cancellation
check_status "cancel carol's invitation" 0 as "$A" invite cancel "$id"
check_status "the link is refused once cancelled" 6 \
	as "$C" claim "$clink" --name Carol --keyring
check_grep "cancelled, says the error" "cancelled" "$tmp/err"
check_status "cancel twice" 6 as "$A" invite cancel "$id"
check_status "an unknown token" 7 as "$C" claim \
	"$(echo "$clink" | sed 's/p=[A-Za-z0-9_-]*/p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/')" \
	--name Carol --keyring
check_status "a member cannot invite users" 6 \
	as "$B" invite user dave@example.org --no-mail

# --------------------------------------------- a server that tampers
start_tamper_proxy
# tamper MODE NAME: an exchange where the claimer goes through the proxy.
tamper() {
	echo "$1" >"$tmp/mode"
	as "$A" --json invite user "$2@example.org" --no-mail >"$tmp/inv.json" ||
		bail "invite $2"
	tid=$(jq -r .invitation_id "$tmp/inv.json")
	tlink=$(jq -r .link "$tmp/inv.json" |
		sed "s/127\.0\.0\.1:[0-9]*/127.0.0.1:$pport/")
	exchange "$1" as "$A" --json greet "$tid" --timeout 30 -- \
		as "$tmp/$2" --json claim "$tlink" --name "$2" --timeout 30 \
		--keyring
}
tamper conduit-key dan
gcode=$(greeter_code)
choices=$(claimer_choices)
check "an altered key: the greeter's code is not among the claimer's" \
	sh -c "! echo '$choices' | grep -qw '$gcode'"
answer_claimer "$gcode"
finish
check "the claimer stops (exit 6)" [ "$c_rc" -eq 6 ]
check "the greeter stops (exit 6)" [ "$g_rc" -eq 6 ]

tamper conduit-commit erin
# The claimer, waiting for its person, learns of the abort when it goes on.
answer_claimer "$(claimer_choices | cut -d' ' -f1)"
finish
check "an altered commitment: the greeter names the tampering (exit 4)" \
	[ "$g_rc" -eq 4 ]
check_grep "it says the exchange was altered" "does not match its commitment" \
	"$x".gout
check "the claimer is told (exit 4)" [ "$c_rc" -eq 4 ]

tamper conduit-seal fay
answer_claimer "$(greeter_code)"
claimer_code >/dev/null
answer_greeter "$(claimer_code)"
finish
check "an altered sealed message: the claimer names it (exit 4)" \
	[ "$c_rc" -eq 4 ]
check "the greeter is told (exit 4)" [ "$g_rc" -eq 4 ]
check "nothing was written for fay" test ! -e "$tmp/fay/orgs/acme"
echo pass >"$tmp/mode"
check_status "still two users after all that" 0 as "$A" --json user list
check "alice and bob only" jq -e '.users | length == 2' "$tmp/out"
check "the server never crashed" kill -0 "$srv_pid"

done_testing
