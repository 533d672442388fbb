#!/bin/sh
# Workspaces end to end with two users and three devices on the real
# server: roles, import/export through the server, offline work, conflicts
# on both sides, folder merges, history and restore, time travel, a lying
# server (altered or old vlobs, altered or swapped blocks), and an upload
# interrupted by killing the server.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd /usr/bin/python3 cmp diff head
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"

# The lying proxy in front of the server, honest until told otherwise.
echo pass >"$tmp/mode"
echo "$srv_url" >"$tmp/upstream"
/usr/bin/python3 "$top_srcdir/tests/tamper-proxy.py" --upstream "$srv_url" \
	--upstream-file "$tmp/upstream" --control "$tmp/mode" \
	--port-file "$tmp/proxy.port" 2>"$tmp/proxy.log" &
srv_extra_pids="${srv_extra_pids:-} $!"
i=0
while [ ! -s "$tmp/proxy.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
pport=$(cat "$tmp/proxy.port") || bail "tamper-proxy did not start"
mode() { echo "$*" >"$tmp/mode"; }
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

A="$tmp/alice" A2="$tmp/alice2" B="$tmp/bob" E="$tmp/eve"
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json" | sed "s/:$srv_port\//:$pport\//")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
"$prov" --admin-home "$A" --target-home "$B" --email bob@example.org \
	--name Bob >/dev/null || bail "bob"
"$prov" --admin-home "$A" --target-home "$E" --email eve@partner.example \
	--name Eve --profile external >/dev/null || bail "eve"
"$prov" device --admin-home "$A" --target-home "$A2" --label phone \
	>/dev/null || bail "alice's second device"

# Content: a small tree and a file of a few blocks.
mkdir -p "$tmp/src/sub/deep"
echo "hello, world" >"$tmp/src/hello.txt"
printf 'deep\n' >"$tmp/src/sub/deep/file.txt"
: >"$tmp/src/sub/empty.txt"
head -c 1500000 /dev/urandom >"$tmp/big.bin"

# --------------------------------------------------------- workspaces
check_status "alice creates a workspace" 0 as "$A" workspace create docs
check_status "an external cannot create one" 6 as "$E" workspace create mine
check_status "alice lists her workspaces" 0 as "$A" --json workspace list
check "docs, owner" jq -e '.workspaces[0].name == "docs" and
	.workspaces[0].role == "owner"' "$tmp/out"
check_status "import a tree (offline: local first)" 0 \
	as "$A" --json import "$tmp/src" /docs/src
check "3 files, 3 folders" jq -e '.files == 3 and .folders == 3' "$tmp/out"
check_status "import a file" 0 as "$A" import "$tmp/big.bin" /docs/big.bin
check_status "ls before any sync" 0 as "$A" --json ls /docs
check "two entries" jq -e '[.entries[].name] | sort == ["big.bin", "src"]' \
	"$tmp/out"
check_status "sync" 0 as "$A" --json sync docs
check "blocks and records went up" jq -e \
	'.workspaces[0].blocks_up >= 4 and .workspaces[0].vlobs_up >= 6' \
	"$tmp/out"

check_status "share with bob as reader" 0 \
	as "$A" workspace share docs bob@example.org reader
check_status "an external cannot be manager" 6 \
	as "$A" workspace share docs eve@partner.example manager
check_status "share with eve as contributor" 0 \
	as "$A" workspace share docs eve@partner.example contributor
check_status "members" 0 as "$A" --json workspace members docs
check "three members with their roles" jq -e \
	'[.members[].role] | sort == ["contributor", "owner", "reader"]' \
	"$tmp/out"

check_status "bob syncs" 0 as "$B" sync
check_status "bob reads a file" 0 as "$B" cat /docs/src/hello.txt
check "its content is alice's" cmp -s "$tmp/out" "$tmp/src/hello.txt"
check_status "bob exports the tree" 0 as "$B" export /docs/src "$tmp/bob-src"
check "byte for byte" diff -r "$tmp/src" "$tmp/bob-src"
check_status "bob exports the big file (blocks from the server)" 0 \
	as "$B" export /docs/big.bin "$tmp/bob-big.bin"
check "byte for byte" cmp -s "$tmp/big.bin" "$tmp/bob-big.bin"
check_status "a reader cannot write" 6 \
	as "$B" import "$tmp/src/hello.txt" /docs/bob.txt
check_status "not even a folder" 6 as "$B" mkdir /docs/bobdir

# ------------------------------------------------ offline and conflicts
check_status "eve syncs" 0 as "$E" sync
echo "eve's version" >"$tmp/eve.txt"
echo "alice's version" >"$tmp/alice.txt"
check_status "eve edits hello.txt" 0 as "$E" import "$tmp/eve.txt" \
	/docs/src/hello.txt
check_status "alice edits it too, on her phone" 0 as "$A2" sync
check_status "(edit)" 0 as "$A2" import "$tmp/alice.txt" /docs/src/hello.txt
check_status "alice also adds a folder" 0 as "$A2" mkdir /docs/src/alice-dir
check_status "eve adds another" 0 as "$E" mkdir /docs/src/eve-dir
check_status "alice syncs first" 0 as "$A2" sync
check_status "eve syncs second: a conflict" 0 as "$E" --json sync
check "one merge, one conflict copy" jq -e \
	'.workspaces[0].merges >= 1 and .workspaces[0].conflict_copies == 1' \
	"$tmp/out"
check_status "alice syncs again" 0 as "$A" sync
check_status "alice lists src" 0 as "$A" --json ls /docs/src
check "both folders, both versions kept" jq -e '[.entries[].name] |
	(index("alice-dir") != null) and (index("eve-dir") != null) and
	(index("hello.txt") != null) and
	([.[] | select(startswith("hello.txt (conflict, Eve, "))] | length == 1)' \
	"$tmp/out"
check_status "hello.txt is alice's (first synced)" 0 \
	as "$A" cat /docs/src/hello.txt
check "content" cmp -s "$tmp/out" "$tmp/alice.txt"
copy=$(as "$A" --json ls /docs/src |
	jq -r '.entries[].name | select(startswith("hello.txt (conflict"))')
check_status "the copy is eve's" 0 as "$A" cat "/docs/src/$copy"
check "content" cmp -s "$tmp/out" "$tmp/eve.txt"

# ----------------------------------------------------- history, restore
check_status "history of hello.txt" 0 as "$A" --json history /docs/src/hello.txt
check "at least two versions" jq -e '.versions | length >= 2' "$tmp/out"
check_status "restore version 1" 0 \
	as "$A" restore /docs/src/hello.txt --version 1
check_status "(sync)" 0 as "$A" sync
check_status "hello.txt is back to its first content" 0 \
	as "$B" cat /docs/src/hello.txt
check_grep "for everyone after sync" "hello, world" "$tmp/out"
sleep 1
before=$(date -u +%Y-%m-%dT%H:%M:%S)
sleep 1
check_status "delete a file" 0 as "$A" rm /docs/src/sub/deep/file.txt
check_status "(sync)" 0 as "$A" sync
check_status "it is gone" 7 as "$A" cat /docs/src/sub/deep/file.txt
check_status "the past still shows it" 0 \
	as "$A" --json ls /docs/src/sub/deep --at "$before"
check "in ls --at" jq -e '[.entries[].name] == ["file.txt"]' "$tmp/out"
check_status "cat --at reads it" 0 \
	as "$A" cat /docs/src/sub/deep/file.txt --at "$before"
check_grep "with its content" "^deep$" "$tmp/out"
check_status "restore the deleted file" 0 \
	as "$A" restore /docs/src/sub/deep/file.txt --at "$before"
check_status "(sync)" 0 as "$A" sync
check_status "it is back, for bob too" 0 as "$B" sync
check_status "(cat)" 0 as "$B" cat /docs/src/sub/deep/file.txt
check_grep "content" "^deep$" "$tmp/out"

# --------------------------------------------------------- a lying server
fresh() {
	rm -rf "$tmp/b2"
	cp -a "$B" "$tmp/b2"
}
check_status "alice changes the big file" 0 \
	as "$A" import "$tmp/src/hello.txt" /docs/src/v2.txt
check_status "(sync)" 0 as "$A" sync
fresh
mode flip-vlob
check_status "an altered record is detected (exit 4)" 4 as "$tmp/b2" sync
check_grep "and named" "altered" "$tmp/err"
mode pass
fresh
mode old-vlob
check_status "an old version served as new is detected (exit 4)" 4 \
	as "$tmp/b2" sync
mode pass
check_status "an honest server: bob syncs" 0 as "$B" sync
mode flip-block
check_status "an altered block is detected (exit 4)" 4 \
	as "$B" cat /docs/big.bin
check_grep "naming the file" "big.bin" "$tmp/err"
mode swap-blocks
check_status "swapped blocks are detected (exit 4)" 4 \
	as "$B" export /docs/big.bin "$tmp/swapped.bin"
check "and the half-written file is removed" test ! -e "$tmp/swapped.bin"
check_status "blocks swapped between two files too (exit 4)" 4 \
	as "$B" export /docs/src "$tmp/swapped-src"
check_grep "naming the file" "/src/.*: block 0 is altered, or another file's" \
	"$tmp/err"
mode pass
check_status "with an honest server all is readable again" 0 \
	as "$B" export /docs/big.bin "$tmp/bob-big2.bin"
check "byte for byte" cmp -s "$tmp/big.bin" "$tmp/bob-big2.bin"

# A record signed by someone who could not write: eve, after she lost her
# role, signs a version of hello.txt, and the server serves it.
check_status "alice takes eve's role away" 0 \
	as "$A" workspace unshare docs eve@partner.example
check_status "alice writes hello.txt again" 0 \
	as "$A" import "$tmp/eve.txt" /docs/src/hello.txt
check_status "(sync)" 0 as "$A" sync
as "$A" --json workspace list >"$tmp/ws.json"
realm=$(jq -r '.workspaces[] | select(.name == "docs") | .realm_id' "$tmp/ws.json")
as "$A" --json stat /docs/src/hello.txt >"$tmp/st.json"
vid=$(jq -r .id "$tmp/st.json")
as "$A" --json history /docs/src/hello.txt >"$tmp/hist.json"
last=$(jq '[.versions[].version] | max' "$tmp/hist.json")
check_status "eve forges that version with her old key" 0 "$prov" forge-vlob \
	--admin-home "$E" --realm "$realm" --vlob "$vid" --version "$last" \
	--out "$tmp/forged.b64"
fresh
mode replace-vlob "$vid" "$tmp/forged.b64"
check_status "a writer's record from a non-writer is refused (exit 4)" 4 \
	as "$tmp/b2" sync
check_grep "and said so" "could not write in this workspace then" "$tmp/err"
mode pass
check_status "an honest server: bob syncs" 0 as "$B" sync

# ------------------------------------------------------ interrupted upload
head -c 48000000 /dev/urandom >"$tmp/huge.bin"
check_status "alice imports 48 MB" 0 as "$A" import "$tmp/huge.bin" /docs/huge.bin
as "$A" sync >"$tmp/sync1.out" 2>&1 &
spid=$!
sleep 0.3
stop_server KILL
wait "$spid"
check "the sync in progress fails when the server dies" test $? -ne 0
start_server "$tmp/srv.conf" || bail "sceau-server did not restart"
echo "$srv_url" >"$tmp/upstream"
check_status "the next sync resumes and completes" 0 as "$A" --json sync docs
check_status "bob gets the file" 0 as "$B" sync
check_status "(export)" 0 as "$B" export /docs/huge.bin "$tmp/bob-huge.bin"
check "byte for byte, nothing lost" cmp -s "$tmp/huge.bin" "$tmp/bob-huge.bin"

# ------------------------------------------------------------ offline
stop_server
check_status "offline, alice still lists" 0 as "$A" ls /docs
check_status "and imports" 0 as "$A" import "$tmp/eve.txt" /docs/offline.txt
check_status "sync says the server is unreachable (exit 5)" 5 as "$A" sync
start_server "$tmp/srv.conf" || bail "sceau-server did not restart"
echo "$srv_url" >"$tmp/upstream"
check_status "back online, it syncs" 0 as "$A" sync
check_status "and bob sees it" 0 as "$B" sync
check_status "(cat)" 0 as "$B" cat /docs/offline.txt
check "content" cmp -s "$tmp/out" "$tmp/eve.txt"
stop_server
done_testing
