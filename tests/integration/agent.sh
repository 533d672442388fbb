#!/bin/sh
# sceau-agent on the real server, with a SoftHSM2 card (tests/pki/): the
# agent, started on demand by "sceau unlock", holds alice's token-backed
# device of acme and her password-protected device of globex at once.
# The CLI goes through it: 100 commands (imports, reads, syncs, status)
# ask no PIN, cannot reach the card themselves (SoftHSM is hidden from
# them), and cost the card no more operations than the workspaces they
# touch; certificates, vlobs and requests are signed in the agent.
# Locking wipes the keys: a following command fails until unlock.  A
# wrong PIN is refused with the tries left.  The socket and its folder
# are private, a peer of another uid is cut off even when the socket is
# opened to all, the agent cannot dump core, an idle timeout locks, a
# card deleted under the agent locks its device, and SIGTERM (agent stop)
# locks everything and removes the socket.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
. "$top_srcdir/tests/pki/pki-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq openssl softhsm2-util setpriv stat
sceau="$top_builddir/sceau"
agent="$top_builddir/sceau-agent"

pki_tokens_serve
printf 'globex password\n' >"$tmp/pw"
chmod 600 "$tmp/pw"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice"
unset SCEAU_AGENT_SOCK
as() { SCEAU_HOME="$A" "$sceau" "$@"; }
# A command as the user runs it once unlocked: no PIN, no password, no
# terminal, and no card within reach (SoftHSM finds no token).
cli() { SOFTHSM2_CONF=/nonexistent SCEAU_HOME="$A" "$sceau" "$@" </dev/null; }
# At exit, stop this test's agents through their own sockets.
tap_cleanup_hook='srv_kill_all; SCEAU_HOME="$A" "$sceau" agent stop >/dev/null 2>&1; SCEAU_AGENT_SOCK="$tmp/open/agent.sock" "$sceau" agent stop >/dev/null 2>&1'

"$sceau" --json server create-org acme >"$tmp/acme.json" || bail "create-org acme"
"$sceau" --json server create-org globex >"$tmp/globex.json" ||
	bail "create-org globex"
as org bootstrap "$(jq -r .bootstrap_link "$tmp/acme.json")" \
	--email alice@example.org --name Alice --token "$(uri alice)" \
	--pin-file "$tmp/pin" --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt" >&2 || bail "bootstrap acme"
as org bootstrap "$(jq -r .bootstrap_link "$tmp/globex.json")" \
	--email alice@example.org --name Alice --password-file "$tmp/pw" \
	>&2 || bail "bootstrap globex"

# ------------------------------------------------------------ no agent
check_status "with no agent, a command needs the card" 3 cli whoami --org acme
check_status "agent status says no agent answers (exit 5)" 5 cli agent status
check_grep "it says why" "no agent answers on its socket" "$tmp/err"
check_status "lock without an agent: exit 5" 5 cli lock --all

# -------------------------------------------------------------- unlock
check_status "a wrong PIN is refused by the agent (exit 3)" 3 \
	as --json unlock --org acme --pin-file "$tmp/badpin"
check "it says so, in JSON, with the tries left" jq -e '
	.error.code == "SCEAU_ERR_WRONG_PIN" and
	(.error.detail | test("tries left"))' "$tmp/out"
check_status "alice unlocks acme with her card: the agent starts" 0 \
	as --json unlock --org acme --pin-file "$tmp/pin"
check "it names the device" jq -e '.org_id == "acme" and
	(.device_id | length) == 32' "$tmp/out"
check_status "agent status" 0 cli --json agent status
check "one device unlocked, by its token" jq -e '(.devices | length) == 1 and
	.devices[0].protection == "token" and .devices[0].org_id == "acme"' \
	"$tmp/out"
apid=$(jq -r .pid "$tmp/out")
check "the socket's folder is 0700" test "$(stat -c %a "$A/run")" = 700
check "the socket is 0600" test "$(stat -c %a "$A/run/agent.sock")" = 600
check "the agent cannot dump core" grep -Eq \
	'^Max core file size +0 +0' "/proc/$apid/limits"
check_status "unlocking again is success" 0 \
	as --json unlock --org acme --pin-file "$tmp/pin"
check "and starts no second agent" jq -e '.agent_started == false' "$tmp/out"
check_status "the globex device unlocks by its password" 0 \
	as unlock --org globex --password-file "$tmp/pw"
check_status "two devices of two organizations at once" 0 \
	cli --json agent status
check "both listed" jq -e '(.devices | map(.org_id) | sort) ==
	["acme", "globex"]' "$tmp/out"

# ----------------------------------------------- acts through the agent
check_status "a workspace created through the agent (token-signed act)" 0 \
	cli workspace create --org acme one
check_status "and a second one" 0 cli workspace create --org acme two
check_status "a globex workspace (password device)" 0 \
	cli workspace create --org globex three
check_status "another member verifies alice's acts: status" 0 \
	cli --json status --org acme
check "the chain holds her two workspaces" jq -e '.certificates >= 4' \
	"$tmp/out"

# A fresh unlock: the workspace keys must come from the card again.
check_status "lock acme" 0 cli --json lock --org acme
check "one device locked" jq -e '.locked == 1' "$tmp/out"
check_status "globex is still unlocked" 0 cli whoami --org globex
check_status "acme is locked: a command fails (exit 3)" 3 \
	cli ls --org acme /one
check_grep "and says to unlock" 'run "sceau unlock"' "$tmp/err"
check_status "unlock acme again" 0 as unlock --org acme --pin-file "$tmp/pin"

# ----------------------------------------------------- 100 commands
head -c 300000 /dev/urandom >"$tmp/big.bin"
fails=0 n=0
run() {
	n=$((n + 1))
	if ! cli "$@" >"$tmp/cmd.out" 2>"$tmp/cmd.err"; then
		fails=$((fails + 1))
		diag "command $n failed: $* : $(head -n 3 "$tmp/cmd.err")"
	fi
}
i=0
while [ $i -lt 12 ]; do
	ws=one
	[ $((i % 2)) -eq 1 ] && ws=two
	echo "file $i of $ws" >"$tmp/f$i.txt"
	run import --org acme "$tmp/f$i.txt" "/$ws/f$i.txt"
	run ls --org acme "/$ws"
	run cat --org acme "/$ws/f$i.txt"
	run stat --org acme "/$ws/f$i.txt"
	run sync --org acme
	run --json status --org acme
	run whoami --org acme
	run mkdir --org acme "/$ws/d$i"
	i=$((i + 1))
done
run import --org acme "$tmp/big.bin" /one/big.bin
run sync --org acme
run export --org acme /one/big.bin "$tmp/big.out"
run --json workspace list --org acme
while [ $n -lt 100 ]; do run ls --org acme /two; done
check "100 commands through the agent, none failed" test "$fails" -eq 0 -a "$n" -eq 100
check "a file made through the agent comes back byte for byte" \
	cmp "$tmp/big.bin" "$tmp/big.out"
check_status "agent status after them" 0 cli --json agent status
check "the card worked once per workspace touched (2), no more" jq -e '
	.devices[] | select(.org_id == "acme") | .token_ops == 2' "$tmp/out"
check_status "without the agent, alice's own device reads them too" 0 \
	env SCEAU_AGENT_SOCK= SCEAU_HOME="$A" "$sceau" cat --org acme \
	/two/f1.txt --pin-file "$tmp/pin"
check_grep "(the standalone mode for scripts)" "file 1 of two" "$tmp/out"

# What writes the keys themselves is refused through the agent.
check_status "a recovery export through the agent is refused (exit 1)" 1 \
	cli --json device export-recovery --org globex --out "$tmp/r.rec"
check "it names why" jq -e '.error.code == "SCEAU_ERR_AGENT_HELD" and
	(.error.detail | test("SCEAU_AGENT_SOCK="))' "$tmp/out"
check "and writes nothing" test ! -e "$tmp/r.rec"
check_status "the device still opens with its password, standalone" 0 \
	env SCEAU_AGENT_SOCK= SCEAU_HOME="$A" "$sceau" whoami --org globex \
	--password-file "$tmp/pw"

# --------------------------------------------------------------- lock
check_status "lock --all" 0 cli --json lock --all
check "both locked" jq -e '.locked == 2' "$tmp/out"
check_status "a read now fails: the keys are gone (exit 3)" 3 \
	cli cat --org acme /one/f0.txt
check_status "so does globex" 3 cli ls --org globex /three
check_status "locking nothing more is an error (exit 3)" 3 cli lock --org acme
check_status "after unlock it works again" 0 \
	as unlock --org acme --pin-file "$tmp/pin"
check_status "a read" 0 cli cat --org acme /one/f0.txt
check_grep "with the right content" "file 0 of one" "$tmp/out"

# ---------------------------------------------- another uid is cut off
mkdir -m 755 "$tmp/open"
SCEAU_AGENT_SOCK="$tmp/open/agent.sock" "$agent" >&2 ||
	bail "a second agent on an open socket did not start"
chmod 666 "$tmp/open/agent.sock"
chmod 755 "$tmp"
cat >"$tmp/peer.py" <<'PYEOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
body = b"\x01" + struct.pack(">I", 1) + struct.pack(">I", 4) + b"peer"
try:
    s.sendall(struct.pack(">I", len(body)) + body)
    data = s.recv(100)
except (ConnectionResetError, BrokenPipeError):
    data = b""
print("reply" if data else "closed")
PYEOF
check_status "a process of another uid connects to the opened socket" 0 \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$py" "$tmp/peer.py" \
	"$tmp/open/agent.sock"
check_grep "and is cut off without a reply" "^closed" "$tmp/out"
check_status "our own uid gets a reply there" 0 \
	"$py" "$tmp/peer.py" "$tmp/open/agent.sock"
check_grep "(the same client)" "^reply" "$tmp/out"
chmod 700 "$tmp"
check_status "stop that agent" 0 env SCEAU_AGENT_SOCK="$tmp/open/agent.sock" \
	"$sceau" agent stop

# ------------------------------------------------ card removed, idle
cp -a "$tmp/tok" "$tmp/tok.keep"
check_status "alice's card is deleted under the agent" 0 \
	softhsm2-util --delete-token --token alice
i=0
while [ $i -lt 50 ]; do
	cli --json agent status >"$tmp/st.json" 2>/dev/null
	jq -e '[.devices[] | select(.org_id == "acme")] | length == 0' \
		"$tmp/st.json" >/dev/null && break
	sleep 0.2
	i=$((i + 1))
done
check "the agent locks her device within seconds" jq -e \
	'[.devices[] | select(.org_id == "acme")] | length == 0' "$tmp/st.json"
rm -rf "$tmp/tok"
mv "$tmp/tok.keep" "$tmp/tok"

check_status "agent stop" 0 cli agent stop
i=0
# Gone, or a zombie that this sandbox's init has not reaped yet.
alive() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }
while { [ -e "$A/run/agent.sock" ] || alive "$apid"; } &&
	[ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the socket is gone" test ! -e "$A/run/agent.sock"
check_fails "and so is the agent" alive "$apid"

# An agent whose socket is removed (its data directory deleted) exits.
mkdir -m 700 "$tmp/gone"
SCEAU_AGENT_SOCK="$tmp/gone/agent.sock" "$agent" >&2 ||
	bail "an agent on $tmp/gone did not start"
gpid=$(SCEAU_AGENT_SOCK="$tmp/gone/agent.sock" "$sceau" --json agent status |
	jq -r .pid)
rm -rf "$tmp/gone"
i=0
while alive "$gpid" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_fails "an agent whose socket is removed exits by itself" alive "$gpid"

SCEAU_HOME="$A" "$agent" -t 1 >&2 || bail "agent -t 1 did not start"
check_status "unlock in an agent with a 1 s idle timeout" 0 \
	as unlock --org globex --password-file "$tmp/pw"
sleep 3
check_status "agent status after 3 s idle" 0 cli --json agent status
check "the device was locked" jq -e '(.devices | length) == 0 and
	.idle_timeout_s == 1' "$tmp/out"
check_status "a second agent on the same socket refuses to start (3)" 3 \
	env SCEAU_HOME="$A" "$agent"
check_status "agent stop" 0 cli agent stop

done_testing
