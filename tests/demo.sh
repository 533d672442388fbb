#!/bin/sh
# The main job on the embedded default (what "./quickstart run" shows): a
# real sceau-server on 127.0.0.1 with its SQLite database, an organization
# created by the server administrator and bootstrapped by its first admin,
# then the organization's users, devices and state.  Everything lives in a
# temporary directory, removed at the end (SCEAU_DEMO_KEEP=1 keeps it).
# Argument: the build directory.
set -eu
build=${1:?usage: demo.sh BUILDDIR}
build=$(cd "$build" && pwd)
sceau="$build/sceau"
server="$build/sceau-server"
export SCEAU_LOCALEDIR="${SCEAU_LOCALEDIR:-$build/tests/locale}"

demo=$(mktemp -d "${TMPDIR:-/tmp}/sceau-demo.XXXXXX")
srv_pid= sink_pid= agent_home=
cleanup() {
	[ -n "$agent_home" ] &&
		SCEAU_HOME="$agent_home" "$sceau" agent stop >/dev/null 2>&1
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
	if [ "${SCEAU_DEMO_KEEP:-0}" = 1 ]; then
		echo "(kept in $demo)"
	else
		rm -rf "$demo"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n== %s\n' "$*"; }

step "sceau --version"
"$sceau" --version

step "sceau selftest (cryptography known answers and tamper checks)"
"$sceau" selftest

step "a mail relay on 127.0.0.1 for the invitations (tests/smtp-sink.py)"
top=$(cd "$(dirname "$0")/.." && pwd)
/usr/bin/python3 "$top/tests/smtp-sink.py" --dir "$demo/mails" \
	--port-file "$demo/sink.port" 2>"$demo/sink.log" &
sink_pid=$!
i=0
while [ ! -s "$demo/sink.port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$demo/sink.port" ] || { cat "$demo/sink.log"; exit 1; }
echo "mails land in $demo/mails"

step "sceau-server on 127.0.0.1, SQLite in $demo"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$demo/admin-token")
cat >"$demo/server.conf" <<EOF
[server]
listen = 127.0.0.1:0
[admin]
token_file = $demo/admin-token
[database]
path = $demo/server.db
[mail]
relay = smtp://127.0.0.1:$(cat "$demo/sink.port")
from = sceau@demo.example
tls = none
EOF
"$server" --check-config --config "$demo/server.conf"
"$server" --config "$demo/server.conf" 2>"$demo/server.log" &
srv_pid=$!
i=0
port=
while [ -z "$port" ] && [ $i -lt 100 ]; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$demo/server.log")
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$port" ] || { cat "$demo/server.log"; exit 1; }
sed -n 's/.*\(listening on .*\)/\1/p' "$demo/server.log"
export SCEAU_SERVER="http://127.0.0.1:$port" SCEAU_ADMIN_TOKEN_FILE="$demo/admin-token"

step "the server administrator creates the organization \"demo\""
"$sceau" server create-org demo | tee "$demo/create.txt"
link=$(tail -n 1 "$demo/create.txt")

# Invitation links: from the newest mail the server sent to $1.
mail_opt= mail_bob_opt="--mail bob@example.org"
demo_link() {
	for j in $(ls -r "$demo"/mails/*.json); do
		if jq -e --arg to "$1" '.rcpt_tos == [$to]' "$j" >/dev/null; then
			tr -d '\r' <"${j%.json}.eml" | grep -E '^ *sceau://' |
				head -n 1 | sed 's/^ *//'
			return 0
		fi
	done
	return 1
}

step "Alice bootstraps it: root key, first admin, first device (keyring)"
export SCEAU_HOME="$demo/alice"
"$sceau" org bootstrap "$link" --email alice@example.org --name "Alice Martin" \
	--device-label alice-laptop --keyring

step "sceau whoami"
"$sceau" whoami
step "sceau user list"
"$sceau" user list
step "sceau device list"
"$sceau" device list
step "sceau status (fetches and validates the signed certificate chain)"
"$sceau" status
step "sceau server stats demo"
"$sceau" server stats demo

step "Alice creates a workspace and imports a folder (encrypted here, works offline)"
mkdir -p "$demo/sample/minutes"
printf 'Budget 2027: draft\n' >"$demo/sample/budget.txt"
printf 'Meeting of 23 November\n' >"$demo/sample/minutes/2026-11-23.txt"
head -c 2000000 /dev/urandom >"$demo/sample/scan.bin"
"$sceau" workspace create reports
"$sceau" import "$demo/sample" /reports/sample
"$sceau" ls /reports/sample
step "sceau sync (encrypted blocks and signed records to the server)"
"$sceau" sync
step "sceau history /reports/sample/budget.txt"
"$sceau" history /reports/sample/budget.txt
step "sceau export: decrypted back, byte for byte"
"$sceau" export /reports/sample "$demo/back"
diff -r "$demo/sample" "$demo/back" && echo "identical to the originals"

# The code exchange between two processes, as two people would run it:
# each prints its code and choices (--json lines); the answers are what
# each person reads to the other.
#   exchange GREETER-HOME ID CLAIMER-HOME CLAIM-ARGS...
exchange() {
	gh=$1 gid=$2 ch=$3
	shift 3
	x="$demo/x-$gid"
	mkfifo "$x.gin" "$x.cin"
	exec 3<>"$x.gin" 4<>"$x.cin"
	SCEAU_HOME="$gh" "$sceau" --json greet "$gid" <"$x.gin" >"$x.gout" &
	g=$!
	SCEAU_HOME="$ch" "$sceau" --json claim "$@" <"$x.cin" >"$x.cout" &
	c=$!
	gcode=$(wait_line "$x.gout" 'select(.event == "code") | .code')
	echo "greeter's screen: your code is $gcode"
	echo "claimer's screen: pick the greeter's code among" \
		"$(wait_line "$x.cout" 'select(.event == "choices") | .choices | join(" ")')"
	printf '%s\n' "$gcode" >&4
	ccode=$(wait_line "$x.cout" 'select(.event == "code") | .code')
	echo "claimer's screen: your code is $ccode"
	echo "greeter's screen: pick the claimer's code among" \
		"$(wait_line "$x.gout" 'select(.event == "choices") | .choices | join(" ")')"
	printf '%s\n' "$ccode" >&3
	wait "$g"
	wait "$c"
	exec 3>&- 4>&-
	jq -r 'select(.event == "done") | "greeter: the new \(.kind) joined" +
		(if .kind == "user" then " as \(.profile)" else "" end)' "$x.gout"
	jq -r 'select(.event == "done") |
		"claimer: device \(.device_label) of user \(.user_id) is ready"' \
		"$x.cout"
}
wait_line() {
	i=0
	while [ $i -lt 300 ]; do
		v=$(jq -r "$2" "$1" 2>/dev/null | head -n 1)
		[ -n "$v" ] && { printf '%s\n' "$v"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "no answer in $1" >&2
	return 1
}

step "Alice invites Bob (sceau invite user)"
"$sceau" --json invite user bob@example.org $mail_opt >"$demo/invite-bob.json"
bob_inv=$(jq -r .invitation_id "$demo/invite-bob.json")
bob_link=$(demo_link bob@example.org "$demo/invite-bob.json")
echo "invitation $bob_inv; the mail Bob received:"
tr -d '\r' <"$(ls "$demo"/mails/*.eml | head -n 1)" | sed -n '/^Subject:/p;/^$/,$p'
echo "Bob's link, from the mail: $bob_link"
step "Alice greets, Bob claims on his computer: each picks the other's code"
exchange "$demo/alice" "$bob_inv" "$demo/bob" "$bob_link" \
	--name "Bob Durand" --device-label bob-laptop --keyring
"$sceau" workspace share reports bob@example.org reader >/dev/null

step "Bob adds his second computer (sceau invite device)"
SCEAU_HOME="$demo/bob" "$sceau" --json invite device $mail_bob_opt \
	>"$demo/invite-dev.json"
dev_inv=$(jq -r .invitation_id "$demo/invite-dev.json")
dev_link=$(demo_link bob@example.org "$demo/invite-dev.json")
exchange "$demo/bob" "$dev_inv" "$demo/bob2" "$dev_link" \
	--device-label bob-desktop --keyring
step "sceau device list (Bob, from his second computer)"
SCEAU_HOME="$demo/bob2" "$sceau" device list
step "Bob's second computer reads Alice's report (the user key came over, encrypted)"
SCEAU_HOME="$demo/bob2" "$sceau" sync >/dev/null
SCEAU_HOME="$demo/bob2" "$sceau" cat /reports/sample/budget.txt
step "sceau user list"
"$sceau" user list

step "Bob unlocks his computer once: sceau-agent holds it, syncs in the background"
agent_home="$demo/bob"
SCEAU_HOME="$demo/bob" "$sceau" unlock
step "Alice writes the minutes; Bob's agent brings them in, no sync command"
printf 'Minutes: budget 2027 approved\n' >"$demo/minutes.txt"
"$sceau" import "$demo/minutes.txt" /reports/minutes.txt >/dev/null
"$sceau" sync >/dev/null
i=0
until SCEAU_HOME="$demo/bob" "$sceau" ls /reports 2>/dev/null |
	grep -q minutes.txt; do
	i=$((i + 1))
	[ $i -lt 150 ] || { echo "Bob's agent did not bring them in" >&2; exit 1; }
	sleep 0.2
done
SCEAU_HOME="$demo/bob" "$sceau" cat /reports/minutes.txt
SCEAU_HOME="$demo/bob" "$sceau" status
step "Bob locks: the agent wipes his keys"
SCEAU_HOME="$demo/bob" "$sceau" lock

step "Alice publishes the organization's policy: no externals (a signed certificate)"
cat >"$demo/policy.xml" <<EOF
<organization-policy xmlns="urn:sceau:policy:1" version="1" organization="demo">
  <sharing><externals>no</externals></sharing>
  <revocation><rotate>now</rotate></revocation>
</organization-policy>
EOF
"$sceau" policy publish "$demo/policy.xml"
SCEAU_HOME="$demo/bob2" "$sceau" policy show
step "sceau policy explain: which rule refuses an act (exit 6), without doing it"
rc=0
"$sceau" policy explain add-user external || rc=$?
[ "$rc" -eq 6 ] || { echo "explain did not refuse (exit $rc)" >&2; exit 1; }

step "Alice exports the organization's history; sceau-audit verifies it offline and reports"
"$sceau" org export-history "$demo/history.jsonl"
"$build/sceau-audit" verify "$demo/history.jsonl"
"$build/sceau-audit" report "$demo/history.jsonl" --kind \
	user,device,workspace-role,organization-policy

step "the server stops (signing its last batch); sceau-audit verifies its access log offline"
kill "$srv_pid"
wait "$srv_pid" 2>/dev/null || :
srv_pid=
"$server" --config "$demo/server.conf" --export-log "$demo/access-log.jsonl"
"$server" --config "$demo/server.conf" --log-key-public >"$demo/log-key.pub"
"$build/sceau-audit" verify-log "$demo/access-log.jsonl" \
	--key "$demo/log-key.pub"
