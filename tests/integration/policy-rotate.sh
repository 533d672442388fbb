#!/bin/sh
# Key rotation after a revocation or an unshare (doc/workspaces.md,
# "Rotation after a revocation"), on the real server:
#  - alice (admin) owns "plans", shared with bob and carol; she revokes
#    carol: her command rotates the key at once (the policy's default);
#  - she unshares bob from "budget": the same;
#  - with an organization policy that lets rotation wait 6 s, a second
#    admin revokes a device of erin's, a member of "ops": nothing at
#    once, then alice's agent rotates by itself, with no command;
# each time, a copy of the former member's device kept from before shows
# that its keys open the old workspace key but not the new one (no entry
# is sealed to it), and decrypt the old records but not the new ones,
# while the remaining members read old and new files, and no block
# stored on the server changed (old data is not re-encrypted).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq sqlite3 cmp
py=/usr/bin/python3
sceau="$top_builddir/sceau"
agent="$top_builddir/sceau-agent"
prov="$top_builddir/tests/tools/sceau-test-provision"
outsider="$top_builddir/tests/tools/sceau-test-outsider"
unset SCEAU_AGENT_SOCK

srv_config "$tmp/srv.conf"
db="$tmp/server-0.db"
blocks="$tmp/blocks-0"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice" B="$tmp/bob" C="$tmp/carol" D="$tmp/dan" E="$tmp/erin"
E2="$tmp/erin2"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@" </dev/null
}
agent_pid=
tap_cleanup_hook='srv_kill_all; as "$A" agent stop >/dev/null 2>&1; [ -n "$agent_pid" ] && tap_own_pid "$agent_pid" && kill "$agent_pid"'

# The server's records, in hex, one a line: certificates, vlobs.
dump_certs() {
	sqlite3 "$db" "SELECT lower(hex(envelope)) FROM certificates ORDER BY idx" >"$1"
}
dump_vlobs() {
	sqlite3 "$db" "SELECT lower(hex(blob)) FROM vlobs ORDER BY id" >"$1"
}
# Every stored block: id, pack, offset, length and the SHA-256 of its
# bytes in the pack file, sorted.
dump_blocks() {
	"$py" - "$db" "$blocks" >"$1" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT o.name, hex(b.id), b.pack, b.pack_offset, b.length"
                  " FROM blocks b JOIN realms r ON b.realm = r.id"
                  " JOIN orgs o ON r.org = o.id")
out = []
for org, bid, pack, off, n in rows:
    with open("%s/%s/%08d.pack" % (sys.argv[2], org, pack), "rb") as f:
        f.seek(off)
        data = f.read(n)
    out.append("%s %d %d %d %s" % (bid.lower(), pack, off, n,
                                   hashlib.sha256(data).hexdigest()))
print("\n".join(sorted(out)))
EOF
}
# key_index HOME WORKSPACE: the workspace's latest key as HOME sees it.
key_index() {
	as "$1" --json workspace list 2>/dev/null |
		jq -r --arg w "$2" '.workspaces[] | select(.name == $w) | .key_index'
}
key_is() { as "$1" sync >/dev/null 2>&1; [ "$(key_index "$1" "$2")" = "$3" ]; }
# what_outsider_reads KEPT_HOME REALM: the outsider's report, in $tmp/kept.
what_outsider_reads() {
	dump_certs "$tmp/certs.hex"
	dump_vlobs "$tmp/vlobs.hex"
	"$outsider" --home "$1" --realm "$2" --certs "$tmp/certs.hex" \
		--vlobs "$tmp/vlobs.hex" >"$tmp/kept" 2>"$tmp/kept.err" ||
		diag "outsider: $(cat "$tmp/kept.err")"
}

"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
as "$A" org bootstrap "$(jq -r .bootstrap_link "$tmp/org.json")" \
	--email alice@example.org --name Alice --keyring >&2 || bail "bootstrap"
for u in bob:"$B" carol:"$C" erin:"$E"; do
	"$prov" --admin-home "$A" --target-home "${u#*:}" \
		--email "${u%%:*}@example.org" --name "${u%%:*}" >&2 ||
		bail "provision ${u%%:*}"
done
"$prov" --admin-home "$A" --target-home "$D" --email dan@example.org \
	--name Dan --profile admin >&2 || bail "provision dan"
"$prov" device --admin-home "$E" --target-home "$E2" >&2 ||
	bail "erin's second device"
head -c 300000 /dev/urandom >"$tmp/old.bin"
echo "written before" >"$tmp/old.txt"
echo "written after" >"$tmp/new.txt"

# ------------------------------------- a revocation, by the command
as "$A" workspace create plans >&2 || bail "workspace"
plans=$(as "$A" --json workspace list | jq -r '.workspaces[] | select(.name == "plans") | .realm_id')
as "$A" workspace share plans bob@example.org contributor >&2 || bail "share"
as "$A" workspace share plans carol@example.org reader >&2 || bail "share"
as "$A" import "$tmp/old.bin" /plans/old.bin >&2 || bail "import"
as "$A" import "$tmp/old.txt" /plans/old.txt >&2 || bail "import"
as "$A" sync >&2 || bail "sync"
check_status "carol syncs" 0 as "$C" sync plans
check_status "and reads the old file" 0 as "$C" cat /plans/old.txt
check "content" cmp -s "$tmp/out" "$tmp/old.txt"
cp -a "$C" "$tmp/carol-kept"
dump_blocks "$tmp/blocks-before"
check "blocks are stored (the comparison means something)" \
	test "$(wc -l <"$tmp/blocks-before")" -ge 2

check_status "alice revokes carol" 0 \
	as "$A" --json user revoke carol@example.org
check "and rotates plans' key at once (policy default)" jq -e \
	--arg p "$plans" '.result == "revoked" and
	([.rotations[] | select(.realm_id == $p and .key_index == 2)] |
	 length == 1)' "$tmp/out"
check "plans is at key 2" test "$(key_index "$A" plans)" = 2
check_status "a sync has nothing more to rotate (idempotent)" 0 \
	as "$A" --json sync
check "no rotation" jq -e '.rotations == []' "$tmp/out"
check "still key 2" test "$(key_index "$A" plans)" = 2
check_status "alice writes after the rotation" 0 \
	as "$A" import "$tmp/new.txt" /plans/new.txt
check_status "(sync)" 0 as "$A" sync plans

what_outsider_reads "$tmp/carol-kept" "$plans"
check "carol's kept keys open key 1 (control)" \
	grep -qx "key 1 sealed-to-me yes opened yes" "$tmp/kept"
check "but key 2 is sealed to her nowhere, and none opens" \
	grep -qx "key 2 sealed-to-me no opened no" "$tmp/kept"
check "they decrypt the records written before (control)" \
	grep -q "^vlob .* key 1 read yes\$" "$tmp/kept"
check "no record under key 1 escapes them" \
	test "$(grep -c ' key 1 read no$' "$tmp/kept")" -eq 0
check "and decrypt none written after" \
	grep -q "^vlob .* key 2 read no\$" "$tmp/kept"
check "none at all" test "$(grep -c ' key 2 read yes$' "$tmp/kept")" -eq 0
[ -s "$tmp/kept" ] || diag "outsider said nothing"

check_status "bob syncs" 0 as "$B" sync plans
check_status "bob reads the new file" 0 as "$B" cat /plans/new.txt
check "content" cmp -s "$tmp/out" "$tmp/new.txt"
check_status "and the old ones" 0 as "$B" export /plans/old.bin \
	"$tmp/old.out"
check "byte for byte" cmp -s "$tmp/old.out" "$tmp/old.bin"
check_status "bob writes too" 0 as "$B" import "$tmp/new.txt" /plans/bob.txt
check_status "(sync)" 0 as "$B" sync plans
check_status "alice reads it" 0 as "$A" sync plans
check_status "(cat)" 0 as "$A" cat /plans/bob.txt
dump_blocks "$tmp/blocks-after"
check "no block stored before was changed or removed" \
	test -z "$(comm -23 "$tmp/blocks-before" "$tmp/blocks-after")"
check "(new ones were added)" test "$(wc -l <"$tmp/blocks-after")" -gt \
	"$(wc -l <"$tmp/blocks-before")"

# --------------------------------------------- an unshare, by the command
as "$A" workspace create budget >&2 || bail "workspace 2"
budget=$(as "$A" --json workspace list | jq -r '.workspaces[] | select(.name == "budget") | .realm_id')
as "$A" workspace share budget bob@example.org reader >&2 || bail "share"
as "$A" import "$tmp/old.txt" /budget/old.txt >&2 || bail "import"
as "$A" sync budget >&2 || bail "sync"
check_status "bob reads budget" 0 as "$B" sync budget
cp -a "$B" "$tmp/bob-kept"
check_status "alice unshares bob" 0 \
	as "$A" workspace unshare budget bob@example.org
check_grep "she is told of the rotation" \
	"Workspace budget now uses key 2" "$tmp/out"
check "budget is at key 2" test "$(key_index "$A" budget)" = 2
check "plans did not move (bob is still in it)" \
	test "$(key_index "$A" plans)" = 2
as "$A" import "$tmp/new.txt" /budget/new.txt >&2
as "$A" sync budget >&2
what_outsider_reads "$tmp/bob-kept" "$budget"
check "bob's kept keys open budget's key 1 (control)" \
	grep -qx "key 1 sealed-to-me yes opened yes" "$tmp/kept"
check "not key 2" grep -qx "key 2 sealed-to-me no opened no" "$tmp/kept"
check "old records yes, new ones no" sh -c "grep -q ' key 1 read yes\$' '$tmp/kept' &&
	grep -q ' key 2 read no\$' '$tmp/kept' && ! grep -q ' key 2 read yes\$' '$tmp/kept'"
check_status "alice still reads the old file of budget" 0 \
	as "$A" cat /budget/old.txt

# --------------------- a device revocation, a delay, and the agent
cat >"$tmp/policy.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<organization-policy xmlns="urn:sceau:policy:1" version="1" organization="acme">
  <revocation><rotate>6s</rotate></revocation>
</organization-policy>
EOF
check_status "alice publishes a policy: rotate within 6 s" 0 \
	as "$A" policy publish "$tmp/policy.xml"
as "$A" workspace create ops >&2 || bail "workspace 3"
ops=$(as "$A" --json workspace list | jq -r '.workspaces[] | select(.name == "ops") | .realm_id')
as "$A" workspace share ops erin@example.org contributor >&2 || bail "share"
as "$A" import "$tmp/old.txt" /ops/old.txt >&2 || bail "import"
as "$A" sync ops >&2 || bail "sync"
erin2=$(as "$E2" --json whoami | jq -r .device_id)
check_status "erin's second device reads ops" 0 as "$E2" sync ops

SCEAU_HOME="$A" "$agent" -D 2>"$tmp/agent-a.log" &
agent_pid=$!
check "alice's agent listens" until_ok 10 as "$A" agent status
check_status "alice unlocks: her agent syncs in the background" 0 \
	as "$A" unlock
t0=$(date +%s)
check_status "dan (admin, no role in ops) revokes erin's second device" 0 \
	as "$D" --json device revoke "$erin2"
check "his command rotates nothing (he owns nothing)" \
	jq -e '.rotations == []' "$tmp/out"
sleep 2
check "two seconds later, erin still sees ops at key 1 (the policy's delay)" \
	key_is "$E" ops 1
check "alice's agent rotates it, with no command" \
	until_ok 40 grep -q "workspace $ops now uses key 2" "$tmp/agent-a.log"
t1=$(date +%s)
check "not before the delay had passed" test $((t1 - t0)) -ge 5
check "erin, still a member, sees key 2" key_is "$E" ops 2
check_status "erin's first device writes under it" 0 \
	as "$E" import "$tmp/new.txt" /ops/new.txt
check_status "(sync)" 0 as "$E" sync ops
check "alice's agent brings it in" until_ok 30 \
	sh -c "SCEAU_HOME='$A' '$sceau' cat /ops/new.txt | grep -q 'written after'"
check_status "and she reads the old file" 0 as "$A" cat /ops/old.txt
check "once only: a single rotation in the log" \
	test "$(grep -c "workspace $ops now uses key" "$tmp/agent-a.log")" -eq 1
check_status "the revoked device is cut off by the server" 6 \
	as "$E2" sync ops
as "$A" agent stop >&2
wait "$agent_pid" 2>/dev/null
agent_pid=

done_testing
