#!/bin/sh
# Background sync by sceau-agent, on the real server: alice and bob each
# run an agent (their own data directories, their own sockets).  A change
# made by a command goes to the server without "sceau sync" (the command
# wakes the agent), and the other user's agent brings it in through the
# server's events, so that it shows in his local listing without a manual
# sync either.  "sceau status" tells each workspace's state: up to date,
# pending with a count while the server is away, offline; and once the
# server is back, what waited is sent by itself.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq cmp
py=/usr/bin/python3
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"
unset SCEAU_AGENT_SOCK

# A fixed port, so that the server comes back where the devices know it.
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	bail "no free port"
srv_config "$tmp/srv.conf"
sed -i "s/^listen = 127.0.0.1:0\$/listen = 127.0.0.1:$port/" "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice" B="$tmp/bob"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@" </dev/null
}
tap_cleanup_hook='srv_kill_all; as "$A" agent stop >/dev/null 2>&1; as "$B" agent stop >/dev/null 2>&1'

# sync_state HOME WORKSPACE: the agent's state of that workspace.
sync_state() {
	as "$1" --json status 2>/dev/null |
		jq -r --arg w "$2" '.sync[] | select(.workspace == $w) | .state'
}
state_is() { [ "$(sync_state "$1" "$2")" = "$3" ]; }
has_file() { as "$1" ls "$2" 2>/dev/null | grep -q "$3"; }

"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
as "$A" org bootstrap "$(jq -r .bootstrap_link "$tmp/org.json")" \
	--email alice@example.org --name Alice --keyring >&2 || bail "bootstrap"
"$prov" --admin-home "$A" --target-home "$B" --email bob@example.org \
	--name Bob >&2 || bail "bob"
as "$A" workspace create shared >&2 || bail "workspace"
as "$A" --json workspace create other >"$tmp/other.json" || bail "workspace 2"
other=$(jq -r .realm_id "$tmp/other.json")
as "$A" workspace share shared bob@example.org contributor >&2 || bail "share"
as "$A" sync >&2 || bail "first sync"

check_status "alice unlocks: her agent starts and syncs" 0 as "$A" unlock
check_status "bob too" 0 as "$B" unlock
check "bob's agent brings in the shared workspace" \
	until_ok 30 state_is "$B" shared up-to-date
check_status "status shows the agent's sync" 0 as "$B" --json status
check "the device and the workspace, up to date" jq -e '
	(.sync | length) >= 2 and .sync[0].realm_id == "" and
	(.sync[] | select(.workspace == "shared") | .state) == "up-to-date"' \
	"$tmp/out"
check_status "(in text too)" 0 as "$B" status
check_grep "a line per workspace" "shared.*up-to-date" "$tmp/out"

# -------------------------------------- a change travels with no sync
echo "from alice, not synced by hand" >"$tmp/a1.txt"
check_status "alice imports a file (no sync command)" 0 \
	as "$A" import "$tmp/a1.txt" /shared/a1.txt
check "her agent sends it, and bob's brings it in: he lists it" \
	until_ok 30 has_file "$B" /shared a1.txt
check_status "bob reads it" 0 as "$B" cat /shared/a1.txt
check "byte for byte" cmp -s "$tmp/out" "$tmp/a1.txt"
head -c 2000000 /dev/urandom >"$tmp/b1.bin"
check_status "bob imports 2 MB" 0 as "$B" import "$tmp/b1.bin" /shared/b1.bin
check "alice gets it without a sync" until_ok 30 has_file "$A" /shared b1.bin
check_status "(export)" 0 as "$A" export /shared/b1.bin "$tmp/b1.out"
check "byte for byte" cmp -s "$tmp/b1.bin" "$tmp/b1.out"
check "alice's workspace is up to date again" \
	until_ok 30 state_is "$A" shared up-to-date

# A wake syncs the workspace the command changed, not the others: the
# server's log counts alice's pulls of "other" (the periodic pass is 30 s
# away: every wake starts a new wait).
echo "one" >"$tmp/w1.txt"
echo "two" >"$tmp/w2.txt"
as "$A" import "$tmp/w1.txt" /shared/w1.txt >&2
until_ok 30 has_file "$B" /shared w1.txt
n0=$(grep -c "realms/$other/changes" "$srv_log")
s0=$(grep -c "realms/.*/vlobs" "$srv_log")
check_status "alice changes the shared workspace again" 0 \
	as "$A" import "$tmp/w2.txt" /shared/w2.txt
check "bob gets it" until_ok 30 has_file "$B" /shared w2.txt
check "alice's agent sent it (its vlobs went up)" \
	test "$(grep -c "realms/.*/vlobs" "$srv_log")" -gt "$s0"
check "but did not pull her other workspace for it" \
	test "$(grep -c "realms/$other/changes" "$srv_log")" -eq "$n0"

# ------------------------------------------------- offline, then back
stop_server
echo "written offline" >"$tmp/off.txt"
check_status "offline, alice imports" 0 as "$A" import "$tmp/off.txt" \
	/shared/off.txt
check "her agent says offline" until_ok 30 state_is "$A" shared offline
check_status "status still answers (offline is a state)" 0 as "$A" --json status
check "with the change waiting" jq -e '
	.server_state == "offline" and
	(.sync[] | select(.workspace == "shared") | .pending) >= 1' "$tmp/out"
start_server "$tmp/srv.conf" || bail "sceau-server did not restart"
check "back online, the agent sends it by itself" \
	until_ok 90 state_is "$A" shared up-to-date
check "and bob gets it" until_ok 30 has_file "$B" /shared off.txt
check_status "(cat)" 0 as "$B" cat /shared/off.txt
check "content" cmp -s "$tmp/out" "$tmp/off.txt"

# --------------------------------------------------- lock stops sync
check_status "bob locks" 0 as "$B" lock
echo "while bob is locked" >"$tmp/a2.txt"
check_status "alice imports" 0 as "$A" import "$tmp/a2.txt" /shared/a2.txt
sleep 2
check_status "bob's store did not move: his listing works offline" 0 \
	env SCEAU_AGENT_SOCK= SCEAU_HOME="$B" "$sceau" ls /shared
check_fails "and does not show it" grep -q a2.txt "$tmp/out"
check_status "bob's agent holds nothing" 0 as "$B" --json agent status
check "(no device)" jq -e '(.devices | length) == 0' "$tmp/out"

done_testing
