#!/bin/sh
# sceau-server's workspaces over real HTTP: roles (readers cannot write,
# strangers cannot read, unknown workspaces), vlob versions, conflicts and
# refusals, reads by version and time, changes, blocks in frames (errors,
# re-uploads, large batches), events for members only, storage stats, a
# restart with packs and index kept, and a server that never falls over.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
require_cmd curl jq cmp head od
srv_setup
tool="$top_builddir/tests/integration/srv-tool"
[ -x "$tool" ] || bail "not built: $tool"

srv_config "$tmp/srv.conf" 'max_block_body = 4M
upload_memory = 16M'
start_server "$tmp/srv.conf" || bail "the server did not start"
ok "the server listens on 127.0.0.1:$srv_port"

api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"acme"}'
token=$(jq -r .bootstrap_token "$tmp/body")
"$tool" bootstrap acme "$token" "$tmp/admin" >"$tmp/boot.json" ||
	bail "srv-tool bootstrap failed"
api POST /v1/acme/bootstrap --data-binary @"$tmp/boot.json"
check_api "bootstrap acme" 200

# as WHO METHOD PATH [CURL ARGS]: a request signed by WHO's device (the
# body, if any, from the file given with --data-binary @FILE as $body).
as() {
	who=$1
	m=$2
	p=$3
	shift 3
	if [ -n "${body:-}" ]; then
		h=$("$tool" sign "$tmp/$who" "$m" "$p" "$body")
		api "$m" "$p" -H "Authorization: $h" --data-binary @"$body" "$@"
	else
		h=$("$tool" sign "$tmp/$who" "$m" "$p")
		api "$m" "$p" -H "Authorization: $h" "$@"
	fi
	body=
}

# mkcert COMMAND ARGS: a certificate made by srv-tool COMMAND (signed by
# the admin, after the chain as the server has it), posted.
mkcert() {
	c=$1
	shift
	body=
	as admin GET /v1/acme/certificates
	cp "$tmp/body" "$tmp/certs.json"
	"$tool" "$c" "$tmp/admin" "$tmp/certs.json" "$@" >"$tmp/cert.json" 2>"$tmp/tool.err" ||
		{ diag "srv-tool $c: $(cat "$tmp/tool.err")"; return 1; }
	body="$tmp/cert.json"
	as admin POST /v1/acme/certificates
	[ "$code" = 201 ] || { diag "POST certificate: $code $(head -c 300 "$tmp/body")"; return 1; }
}

for u in member reader outsider; do
	mkcert newuser "$tmp/$u" member && mkcert newdevice "$tmp/$u" ||
		bail "cannot make user $u"
done
ok "three more users, each with a device"
mkcert realm-create "$tmp/realm" || bail "cannot create a workspace"
realm=$(cat "$tmp/realm")
mkcert realm-role "$realm" "$tmp/member" contributor 1 &&
	mkcert realm-role "$realm" "$tmp/reader" reader 1 ||
	bail "cannot share the workspace"
ok "a workspace shared with a contributor and a reader"
R=/v1/acme/realms/$realm
dev() { sed -n 2p "$tmp/$1"; }

# ------------------------------------------------------------- roles
as admin GET /v1/acme/realms
check_api "the admin lists its workspaces" 200
check "one, as owner, checkpoint 0, key 1" jq -e --arg r "$realm" \
	'.realms == [{"realm_id": $r, "role": "owner", "checkpoint": 0, "key_index": 1}]' "$tmp/body"
as outsider GET /v1/acme/realms
check "a stranger lists none" jq -e '.realms == []' "$tmp/body"

A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
C=cccccccccccccccccccccccccccccccc
vlobs() {
	who=$1
	shift
	"$tool" vlobs "$tmp/$who" "$realm" "$@" >"$tmp/vlobs.json" ||
		bail "srv-tool vlobs failed"
	body="$tmp/vlobs.json"
}

vlobs reader 1 "$A:1"
as reader POST "$R/vlobs"
check_api "a reader cannot write" 403 FORBIDDEN
vlobs outsider 1 "$A:1"
as outsider POST "$R/vlobs"
check_api "a stranger cannot write" 403 FORBIDDEN
as outsider GET "$R/vlobs?ids=$A"
check_api "a stranger cannot read" 403 FORBIDDEN
as member GET "/v1/acme/realms/00000000000000000000000000000000/changes"
check_api "an unknown workspace: NOT_FOUND" 404 NOT_FOUND
as member GET "/v1/acme/realms/nothex/changes"
check_api "a malformed workspace id: BAD_REQUEST" 400 BAD_REQUEST

# ------------------------------------------------------------- vlobs
t0=$(($(date +%s) * 1000000))
vlobs member 1 "$A:1"
as member POST "$R/vlobs"
check_api "a contributor stores vlob A version 1" 200
check "stored at checkpoint 1" jq -e --arg a "$A" \
	'.results == [{"vlob_id": $a, "status": "ok", "version": 1, "checkpoint": 1}] and .checkpoint == 1' "$tmp/body"
vlobs admin 1 "$A:1"
as admin POST "$R/vlobs"
check "version 1 again: a conflict naming the current version" jq -e \
	'.results[0].status == "conflict" and .results[0].current_version == 1' "$tmp/body"
sleep 1
vlobs member 1 "$A:2" "$B:1" "$C:7"
as member POST "$R/vlobs"
check_api "a batch of three" 200
check "two stored, one conflict, in order" jq -e \
	'[.results[].status] == ["ok", "ok", "conflict"] and .results[2].current_version == 0 and .checkpoint == 3' "$tmp/body"
for bad in "realm=00000000000000000000000000000000" "org=other" "vlob=$B" \
	"version=2" "author=$(dev admin)" "key=2" junk; do
	vlobs member 1 "$C:1:$bad"
	as member POST "$R/vlobs"
	check_api "a vlob that lies ($bad) is refused" 400 BAD_REQUEST
done
vlobs member 1 "$C:1" "$B:2:author=$(dev admin)"
as member POST "$R/vlobs"
check_api "one bad vlob refuses its whole batch" 400 BAD_REQUEST
as member GET "$R/vlobs?ids=$C"
check "and stores nothing of it" jq -e --arg c "$C" '.vlobs == [] and .missing == [$c]' "$tmp/body"

as reader GET "$R/vlobs?ids=$A,$B,$C"
check_api "a reader reads" 200
check "latest versions, and what is missing" jq -e --arg c "$C" \
	'[.vlobs[] | [.vlob_id[0:1], .version]] == [["a", 2], ["b", 1]] and .missing == [$c] and (.vlobs[0].blob | length) > 100' "$tmp/body"
as reader GET "$R/vlobs?ids=$A&version=1"
check "version 1 by number" jq -e '.vlobs[0].version == 1' "$tmp/body"
t1=$(jq -r '.vlobs[0].server_time' "$tmp/body")
as reader GET "$R/vlobs?ids=$A&at=$t1"
check "at the time of version 1: version 1" jq -e '.vlobs[0].version == 1' "$tmp/body"
as reader GET "$R/vlobs?ids=$A&at=$((t0 - 1000000))"
check "before it: missing" jq -e '.vlobs == [] and (.missing | length) == 1' "$tmp/body"
as reader GET "$R/vlobs/$A/versions"
check "versions, oldest first, with authors and sizes" jq -e --arg m "$(dev member)" \
	'[.versions[].version] == [1, 2] and .versions[0].author == $m and .versions[1].size > 100' "$tmp/body"
as reader GET "$R/changes?since=1"
check "changes since 1: B then A" jq -e \
	'.checkpoint == 3 and [.changes[] | [.vlob_id[0:1], .version, .checkpoint]] == [["a", 2, 2], ["b", 1, 3]]' "$tmp/body"
as reader GET "$R/changes?since=0&limit=1"
check "a limit of 1" jq -e '(.changes | length) == 1 and .checkpoint == 3' "$tmp/body"
as reader GET "$R/changes?limit=0"
check_api "a limit of 0: BAD_REQUEST" 400 BAD_REQUEST

# ------------------------------------------------------------ blocks
X1=01010101010101010101010101010101
X2=02020202020202020202020202020202
X3=03030303030303030303030303030303
"$tool" frames "$tmp/b1" "$X1:1000:a" "$X2:1048576:b" "$X3:1:c" || bail "srv-tool frames"
body="$tmp/b1"
as member POST "$R/blocks" -H 'Content-Type: application/octet-stream'
check_api "a contributor stores three blocks" 200
check "three stored" jq -e '.stored == 3 and .existing == 0' "$tmp/body"
body="$tmp/b1"
as member POST "$R/blocks" -H 'Content-Type: application/octet-stream'
check "again: three existing" jq -e '.stored == 0 and .existing == 3' "$tmp/body"
"$tool" frames "$tmp/want" "$X3:1:c" "$X1:1000:a" "$X2:1048576:b"
h=$("$tool" sign "$tmp/reader" GET "$R/blocks?ids=$X3,$X1,$X2")
code=$(curl -s -o "$tmp/got" -w '%{http_code}' -H "Authorization: $h" \
	-D "$tmp/headers" "$srv_url$R/blocks?ids=$X3,$X1,$X2")
check "a reader reads them back in the order asked" cmp "$tmp/got" "$tmp/want"
check_grep "as application/octet-stream" '^Content-Type: application/octet-stream' "$tmp/headers"
as reader GET "$R/blocks?ids=$X1,09090909090909090909090909090909"
check_api "a block the server lacks: NOT_FOUND" 404 NOT_FOUND
check "naming it" jq -e '.error.message | test("0909")' "$tmp/body"
"$tool" frames "$tmp/b2" "$X1:1000:z"
body="$tmp/b2"
as member POST "$R/blocks"
check_api "an id stored with other bytes: CONFLICT" 409 CONFLICT
body="$tmp/b1"
as reader POST "$R/blocks"
check_api "a reader cannot store blocks" 403 FORBIDDEN
head -c 1030 "$tmp/b1" >"$tmp/trunc"
body="$tmp/trunc"
as member POST "$R/blocks"
check_api "a truncated frame: BAD_REQUEST" 400 BAD_REQUEST
"$tool" frames "$tmp/big1" "$X1:1048577:a"
body="$tmp/big1"
as member POST "$R/blocks"
check_api "a block over 1 MiB: TOO_LARGE" 413 TOO_LARGE
"$tool" frames "$tmp/big" "11111111111111111111111111111111:1048576:a" \
	"22222222222222222222222222222222:1048576:b" \
	"33333333333333333333333333333333:1048576:c" \
	"44444444444444444444444444444444:1048576:d"
body="$tmp/big"
as member POST "$R/blocks"
check_api "a body over max_block_body (4M): TOO_LARGE" 413 TOO_LARGE
head -c $((3 * 1048596)) "$tmp/big" >"$tmp/big3"
api POST "$R/blocks" --data-binary @"$tmp/big3" -H 'Authorization: sceau-v1 org="acme"'
check_api "a large body of a request refused anyway is not taken in" 401 AUTH_FAILED
body="$tmp/big3"
as member POST "$R/blocks"
check "three blocks of 1 MiB in one body" jq -e '.stored == 3' "$tmp/body"

# Several uploads at once share the upload memory (16M): all get in.
pids=
for i in 1 2 3 4 5 6; do
	"$tool" frames "$tmp/par$i" "$(printf '%032x' $((1000 + i))):1000000:p" \
		"$(printf '%032x' $((2000 + i))):1000000:q" \
		"$(printf '%032x' $((3000 + i))):1000000:r"
	h=$("$tool" sign "$tmp/member" POST "$R/blocks" "$tmp/par$i")
	curl -s -o "$tmp/par$i.out" -w '%{http_code}' -H "Authorization: $h" \
		--data-binary @"$tmp/par$i" "$srv_url$R/blocks" >"$tmp/par$i.code" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
codes=$(cat "$tmp"/par?.code)
if [ "$codes" = 200200200200200200 ]; then
	ok "six uploads of 3 MB at once are all stored"
else
	not_ok "six uploads of 3 MB at once are all stored ($codes)"
	diag "$(cat "$tmp"/par?.out)"
fi

# ------------------------------------------------------------ events
stream() {
	n=$1
	shift
	curl -s -N --max-time 20 -H "Last-Event-ID: 0" "$@" \
		"$srv_url/v1/acme/events" >"$tmp/$n.sse" 2>/dev/null &
	srv_extra_pids="${srv_extra_pids:-} $!"
}
wait_for() {
	i=0
	while ! grep -q -e "$1" "$2" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -e "$1" "$2" 2>/dev/null
}
stream member -H "Authorization: $("$tool" sign "$tmp/member" GET /v1/acme/events)"
stream outsider -H "Authorization: $("$tool" sign "$tmp/outsider" GET /v1/acme/events)"
check "a member's stream gets vlob events" wait_for '^event: vlob$' "$tmp/member.sse"
check_grep "with realm, vlob, version and checkpoint" \
	"^data: {\"realm_id\":\"$realm\",\"vlob_id\":\"$A\",\"version\":2,\"checkpoint\":2}$" "$tmp/member.sse"
check "a stranger's stream gets certificates" wait_for '^event: certificate$' "$tmp/outsider.sse"
sleep 1
check_fails "but no vlob event" grep -q '^event: vlob' "$tmp/outsider.sse"

# ------------------------------------------------------- invitations
printf '{"kind":"device"}' >"$tmp/inv.json"
body="$tmp/inv.json"
as admin POST /v1/acme/invitations
check_api "the admin invites a device" 201
inv=$(jq -r .invitation_id "$tmp/body")
printf '{"status":"bogus"}' >"$tmp/close.json"
body="$tmp/close.json"
as admin POST "/v1/acme/invitations/$inv/close"
check_api "closing it neither cancelled nor finished: refused" 400 \
	BAD_REQUEST
check "the error names the choices" jq -e \
	'.error.message | test("\"cancelled\" or \"finished\"")' "$tmp/body"
printf '{"status":"cancelled"}' >"$tmp/close.json"
body="$tmp/close.json"
as admin POST "/v1/acme/invitations/$inv/close"
check_api "cancelled, it closes" 200
check "and says so" jq -e '.status == "cancelled"' "$tmp/body"

# ------------------------------------------------------------- stats
api GET /v1/admin/organizations/acme/stats -H "$(admin_auth)"
check "storage counts certificates, vlobs and blocks" jq -e \
	'.storage_bytes > (1000 + 1048576 + 1 + 3 * 1048576 + 6 * 3000000)' "$tmp/body"
storage=$(jq -r .storage_bytes "$tmp/body")

# ----------------------------------------------------------- restart
stop_server TERM
check "SIGTERM: exit 0" test "$srv_status" -eq 0
check "packs are files in blocks_dir" sh -c "ls $tmp/blocks-0/acme/*.pack >/dev/null"
start_server "$tmp/srv.conf" || bail "the server did not restart"
h=$("$tool" sign "$tmp/reader" GET "$R/blocks?ids=$X3,$X1,$X2")
curl -s -o "$tmp/got2" -H "Authorization: $h" "$srv_url$R/blocks?ids=$X3,$X1,$X2"
check "after a restart the blocks read back the same" cmp "$tmp/got2" "$tmp/want"
as reader GET "$R/changes"
check "and the vlobs are there" jq -e '.checkpoint == 3' "$tmp/body"
api GET /v1/admin/organizations/acme/stats -H "$(admin_auth)"
check "and the storage count" jq -e --argjson s "$storage" '.storage_bytes == $s' "$tmp/body"
body="$tmp/b1"
as member POST "$R/blocks"
check "known blocks are still known" jq -e '.existing == 3' "$tmp/body"
vlobs member 1 "$A:3"
as member POST "$R/vlobs"
check "the next version gets the next checkpoint" jq -e '.results[0].checkpoint == 4' "$tmp/body"

# Garbage on the new routes: replies, never a crash.
for p in "$R/blocks" "$R/vlobs"; do
	head -c 5000 /dev/urandom >"$tmp/junk"
	body="$tmp/junk"
	as member POST "$p"
	case $code in 4??) ok "random bytes to POST $p: $code" ;;
	*) not_ok "random bytes to POST $p: $code" ;; esac
done
api GET /v1/health
check_api "the server still answers" 200
stop_server TERM
check "the server stops cleanly" test "$srv_status" -eq 0
done_testing
