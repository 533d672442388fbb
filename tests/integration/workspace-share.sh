#!/bin/sh
# Workspace administration and file commands on the real server: rename,
# unshare, rotate-key, copy-rights, members, stat, mv, rm, mkdir
# --parents, restore options, sync retries and the automatic mode
# (sync --watch) following another user's changes through the event stream.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd cmp diff jq
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

A="$tmp/alice" B="$tmp/bob" C="$tmp/carol" E="$tmp/eve"
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
"$prov" --admin-home "$A" --target-home "$B" --email bob@example.org \
	--name Bob >/dev/null || bail "bob"
"$prov" --admin-home "$A" --target-home "$C" --email carol@example.org \
	--name Carol >/dev/null || bail "carol"
"$prov" --admin-home "$A" --target-home "$E" --email eve@partner.example \
	--name Eve --profile external >/dev/null || bail "eve"
echo "first" >"$tmp/v1.txt"
echo "second" >"$tmp/v2.txt"

# ------------------------------------------------------ administration
check_status "create" 0 as "$A" workspace create plans
check_status "a second workspace" 0 as "$A" workspace create budget
check_status "rename" 0 as "$A" workspace rename plans projects
check_status "list" 0 as "$A" --json workspace list
check "the new name shows" jq -e \
	'[.workspaces[].name] | sort == ["budget", "projects"]' "$tmp/out"
check_status "the old name is gone" 7 as "$A" ls /plans
check_status "share with bob as manager" 0 \
	as "$A" workspace share projects bob@example.org manager
check_status "share budget with bob as reader" 0 \
	as "$A" workspace share budget bob@example.org reader
check_status "bob (manager) shares with eve" 0 \
	as "$B" workspace share projects eve@partner.example contributor
check_status "bob cannot make an owner" 6 \
	as "$B" workspace share projects carol@example.org owner
check_status "a reader cannot share" 6 \
	as "$B" workspace share budget carol@example.org reader
check_status "an unknown role is a usage error" 2 \
	as "$A" workspace share projects carol@example.org boss
check_status "members" 0 as "$A" --json workspace members projects
check "alice owner, bob manager, eve contributor" jq -e '
	[.members[] | {(.email): .role}] | add ==
	{"alice@example.org": "owner", "bob@example.org": "manager",
	 "eve@partner.example": "contributor"}' "$tmp/out"

check_status "copy bob's rights to carol" 0 \
	as "$A" --json workspace copy-rights bob@example.org carol@example.org
check "two workspaces given" jq -e '.granted | length == 2' "$tmp/out"
check_status "carol's workspaces" 0 as "$C" --json workspace list
check "carol has bob's roles" jq -e '
	[.workspaces[] | {(.name): .role}] | add ==
	{"projects": "manager", "budget": "reader"}' "$tmp/out"

# ---------------------------------------------------------------- files
check_status "mkdir without parents fails" 7 as "$A" mkdir /projects/a/b/c
check_status "mkdir --parents" 0 as "$A" mkdir --parents /projects/a/b/c
check_status "import" 0 as "$A" import "$tmp/v1.txt" /projects/a/b/c/f.txt
check_status "stat a file" 0 as "$A" --json stat /projects/a/b/c/f.txt
check "a file of 6 bytes" jq -e '.type == "file" and .size == 6' "$tmp/out"
check_status "mv" 0 as "$A" mv /projects/a/b/c/f.txt /projects/a/g.txt
check_status "sync" 0 as "$A" sync projects
check_status "the old path is gone" 7 as "$A" cat /projects/a/b/c/f.txt
check_status "the new one reads" 0 as "$A" cat /projects/a/g.txt
check "content" cmp -s "$tmp/out" "$tmp/v1.txt"
check_status "mv across workspaces is refused" 2 \
	as "$A" mv /projects/a/g.txt /budget/g.txt
check_status "rm of a folder needs --recursive" 1 as "$A" rm /projects/a/b
check_grep "and says so" "not empty" "$tmp/err"
check_status "rm --recursive" 0 as "$A" rm --recursive /projects/a/b
check_status "ls" 0 as "$A" --json ls /projects/a
check "only g.txt is left" jq -e '[.entries[].name] == ["g.txt"]' "$tmp/out"
check_status "a new version" 0 as "$A" import "$tmp/v2.txt" /projects/a/g.txt
check_status "sync" 0 as "$A" sync projects
check_status "restore needs a version or a date" 2 \
	as "$A" restore /projects/a/g.txt
check_status "restore refuses a bad version" 2 \
	as "$A" restore --version x1 /projects/a/g.txt
check_status "restore --version 1" 0 \
	as "$A" restore --version 1 /projects/a/g.txt
check_status "(cat)" 0 as "$A" cat /projects/a/g.txt
check "back to the first content" cmp -s "$tmp/out" "$tmp/v1.txt"
check_status "sync" 0 as "$A" sync

# ---------------------------------------------------- unshare, rotation
check_status "eve reads" 0 as "$E" sync projects
check_status "(cat)" 0 as "$E" cat /projects/a/g.txt
check_status "unshare eve" 0 as "$A" --json workspace unshare projects \
	eve@partner.example
check "which rotates the key at once (policy default)" jq -e \
	'.role == "none" and ([.rotations[] | .key_index] == [2])' "$tmp/out"
check_status "eve no longer has it (exit 7)" 7 as "$E" sync projects
check_grep "and is told so" 'no workspace "projects"' "$tmp/err"
check_status "nor can she read what she had" 7 as "$E" cat /projects/a/g.txt
check_status "rotate the key again, by hand" 0 \
	as "$A" --json workspace rotate-key projects
check "key 3" jq -e '.key_index == 3' "$tmp/out"
check_status "a manager cannot rotate" 6 as "$B" workspace rotate-key projects
check_status "alice writes with the new key" 0 \
	as "$A" import "$tmp/v2.txt" /projects/after.txt
check_status "(sync)" 0 as "$A" sync projects
check_status "bob, still a member, reads it" 0 as "$B" sync projects
check_status "(cat)" 0 as "$B" cat /projects/after.txt
check "content" cmp -s "$tmp/out" "$tmp/v2.txt"
check_status "and the older files too" 0 as "$B" cat /projects/a/g.txt

# ------------------------------------------ many files, many per request
# 300 files: more vlob ids than one request takes, more blocks than one
# batch of the download.
mkdir -p "$tmp/many/a" "$tmp/many/b"
i=0
while [ $i -lt 300 ]; do
	echo "file $i" >"$tmp/many/$([ $((i % 2)) -eq 0 ] && echo a || echo b)/f$i"
	i=$((i + 1))
done
check_status "import 300 files" 0 as "$A" import "$tmp/many" /projects/many
check_status "(sync)" 0 as "$A" sync projects
check_status "bob gets 302 more records" 0 as "$B" --json sync projects
check "in one sync" jq -e '.workspaces[0].vlobs_down >= 302' "$tmp/out"
check_status "and exports them from the server" 0 \
	as "$B" export /projects/many "$tmp/bob-many"
check "byte for byte" diff -r "$tmp/many" "$tmp/bob-many"

# ------------------------------------------------------ the watch mode
as "$C" sync >/dev/null 2>&1
SCEAU_HOME="$C" "$sceau" --json sync --watch --interval 60 projects \
	>"$tmp/watch.out" 2>"$tmp/watch.err" &
wpid=$!
sleep 1
check_status "alice imports while carol watches" 0 \
	as "$A" import "$tmp/v1.txt" /projects/watched.txt
check_status "(sync)" 0 as "$A" sync projects
i=0
while ! grep -q '"vlobs_down"' "$tmp/watch.out" 2>/dev/null &&
	[ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the watch synced on the event" jq -e -s \
	'map(select(.name == "projects" and .vlobs_down > 0)) | length >= 1' \
	"$tmp/watch.out"
check_status "carol has the file without syncing herself" 0 \
	as "$C" cat /projects/watched.txt
check "content" cmp -s "$tmp/out" "$tmp/v1.txt"
kill -TERM "$wpid"
wait "$wpid"
wst=$?
check "the watch ends cleanly on SIGTERM" test $wst -eq 0
[ $wst -eq 0 ] || diag "exit $wst: $(cat "$tmp/watch.err")"

# --------------------------------------------------------- retries
stop_server
check_status "retries, then says the server is unreachable (exit 5)" 5 \
	as "$A" sync --retries 2 projects
check_grep "it said it tried again" "trying again" "$tmp/err"
check_status "--retries takes a number" 2 as "$A" sync --retries many

done_testing
