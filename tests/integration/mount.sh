#!/bin/sh
# sceau mount (libfuse3) on the real server: real programs on the mount
# (cp -a, rsync -a, tar, git, sqlite3, an editor's save by rename), the
# POSIX behaviour suite (tests/posix/posix-suite), contents checked byte
# for byte after a round trip through the server (another user exports
# and mounts), another user's change showing up without a manual sync, a
# reader's mount and a mount of the past (--at) read-only, editors'
# temporary files kept local, offline work.
#
# One mount per device (the block cache takes one writer process): every
# other command here runs as another device (alice2, bob2) or user.
. "$top_srcdir/tests/tap.sh"
if [ ! -c /dev/fuse ]; then
	echo "1..0 # SKIP /dev/fuse is missing"
	exit 0
fi
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
unset SCEAU_AGENT_SOCK
srv_setup
require_cmd cmp diff rsync git sqlite3 tar fusermount3 mountpoint timeout
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"
suite="$top_builddir/tests/posix/posix-suite"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

# Every mount is undone at exit, whatever failed, before $tmp goes.
mounts=
mnt_cleanup() {
	for d in $mounts; do
		mountpoint -q "$d" 2>/dev/null || continue
		timeout 60 "$sceau" unmount "$d" >/dev/null 2>&1 ||
			fusermount3 -uz "$d" 2>/dev/null
	done
	SCEAU_HOME="$B2" "$sceau" agent stop >/dev/null 2>&1
	srv_kill_all
}
tap_cleanup_hook='mnt_cleanup'
trap 'mnt_cleanup; tap_cleanup' EXIT
# mnt HOME DIR ARGS...: mounts (as HOME's device) on DIR.
mnt() {
	h=$1 d=$2
	shift 2
	mkdir -p "$d"
	mounts="$mounts $d"
	check_status "mount $* on $(basename "$d")" 0 as "$h" --json mount \
		"$@" "$d"
}
# wait_for SECONDS COMMAND...: until the command succeeds (bounded).
wait_for() {
	w_n=$(($1 * 2))
	shift
	while [ "$w_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
		w_n=$((w_n - 1))
	done
	"$@"
}

A="$tmp/alice" A2="$tmp/alice2" B="$tmp/bob" B2="$tmp/bob2" C="$tmp/carol"
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
"$prov" --admin-home "$A" --target-home "$B" --email bob@example.org \
	--name Bob >/dev/null || bail "bob"
"$prov" --admin-home "$A" --target-home "$C" --email carol@example.org \
	--name Carol >/dev/null || bail "carol"
"$prov" device --admin-home "$A" --target-home "$A2" --label laptop \
	>/dev/null || bail "alice's second device"
"$prov" device --admin-home "$B" --target-home "$B2" --label laptop \
	>/dev/null || bail "bob's second device"
as "$A" workspace create docs >/dev/null || bail "docs"
as "$A" workspace share docs bob@example.org contributor >/dev/null ||
	bail "share docs"
as "$A" workspace create pub >/dev/null || bail "pub"
as "$A" workspace share pub carol@example.org reader >/dev/null ||
	bail "share pub"
echo "public" >"$tmp/pub.txt"
as "$A" import "$tmp/pub.txt" /pub/pub.txt >/dev/null &&
	as "$A" sync pub >/dev/null || bail "pub content"

# Content: a tree with small, empty and multi-block files.
src="$tmp/src"
mkdir -p "$src/sub/deep" "$src/empty-dir"
echo "hello, world" >"$src/hello.txt"
: >"$src/sub/empty.txt"
head -c 1500000 /dev/urandom >"$src/sub/big.bin"
i=0
while [ $i -lt 40 ]; do
	head -c $((i * 97 + 1)) /dev/urandom >"$src/sub/deep/f$i"
	i=$((i + 1))
done

# ------------------------------------------------------------- mount
MA="$tmp/mnt-alice"
mnt "$A" "$MA" docs
check "the command returned with the folder mounted" mountpoint -q "$MA"
check "JSON: writable, its folder" jq -e --arg d "$MA" \
	'.read_only == false and .dir == $d and .workspace == "docs"' \
	"$tmp/out"
check_status "one mount per device: a second one is refused" 6 \
	as "$A" mount docs "$tmp/elsewhere"
check_grep "it says why" "one mount per device" "$tmp/err"
check_status "another device cannot mount on a mount point" 6 \
	as "$A2" mount docs "$MA"
echo x >"$tmp/x.txt"
check_status "the mounted device's import is refused" 6 \
	as "$A" import "$tmp/x.txt" /docs/x.txt
check_grep "it says why" "serves this device" "$tmp/err"
check_status "and its sync" 6 as "$A" sync docs
check_status "and its mkdir" 6 as "$A" mkdir /docs/x
check_status "but it lists" 0 as "$A" ls /docs
printf 'written through the mount\n' >"$MA/readme.txt" || bail "write"
check_status "and reads what the mount wrote (cat)" 0 as "$A" cat /docs/readme.txt
check "byte for byte" cmp -s "$tmp/out" "$MA/readme.txt"
check_status "and exports it" 0 as "$A" export /docs/readme.txt \
	"$tmp/readme.out"
check "byte for byte" cmp -s "$tmp/readme.out" "$MA/readme.txt"
rm -f "$MA/readme.txt"
check_status "another device imports meanwhile" 0 \
	as "$A2" import "$tmp/x.txt" /docs/x.txt
check_status "an unknown workspace" 7 as "$A2" mount nosuch "$tmp"

# --------------------------------------------------- POSIX behaviour
mkdir "$MA/posix" || bail "mkdir on the mount"
"$suite" "$MA/posix" >"$tmp/posix.tap" 2>"$tmp/posix.err"
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "posix: ${line#ok * - }" ;;
	"not ok "*) not_ok "posix: ${line#not ok * - }" ;;
	esac
done <"$tmp/posix.tap"
check "the POSIX suite ran to its end" grep -q '^1\.\.[1-9]' "$tmp/posix.tap"

# ---------------------------------------------------- real programs
check "cp -a" cp -a "$src" "$MA/cp"
check "cp -a: the same tree" diff -r "$src" "$MA/cp"
check "rsync -a" rsync -a "$src/" "$MA/rs/"
check "rsync -a: the same tree" diff -r "$src" "$MA/rs"
rsync_again() { rsync -a -i "$src/" "$MA/rs/" >"$tmp/rsync2.out"; }
check "rsync -a again" rsync_again
check "has nothing to send (sizes and times kept)" test ! -s "$tmp/rsync2.out"
[ -s "$tmp/rsync2.out" ] && diag "$(head -5 "$tmp/rsync2.out")"
(cd "$tmp" && tar -cf "$tmp/src.tar" src) || bail "tar -c"
mkdir "$MA/tar"
check "tar x" tar -xf "$tmp/src.tar" -C "$MA/tar"
check "tar x: the same tree" diff -r "$src" "$MA/tar/src"

git_in() { git -C "$MA/repo" -c user.name=Alice \
	-c user.email=alice@example.org "$@"; }
mkdir "$MA/repo"
check "git init" git_in init -q
cp "$src/hello.txt" "$MA/repo/hello.txt"
git_first() { git_in add hello.txt && git_in commit -q -m first; }
check "git add, commit" git_first
echo "second line" >>"$MA/repo/hello.txt"
check "a second commit" git_in commit -q -a -m second
check "git log: two commits" test "$(git_in log --oneline | wc -l)" -eq 2
check "git status: clean" test -z "$(git_in status --porcelain)"
check "git fsck" git_in fsck --no-progress

db="$MA/app.sqlite"
check "sqlite3 creates a database" sqlite3 "$db" \
	"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
	 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	 WHERE i < 2000) INSERT INTO t (v) SELECT hex(randomblob(20)) FROM n;"
check "sqlite3 queries it" test "$(sqlite3 "$db" 'SELECT count(*) FROM t')" \
	-eq 2000
check "sqlite3 updates in a transaction" sqlite3 "$db" \
	"BEGIN; DELETE FROM t WHERE id > 1500; COMMIT;"
check "integrity_check" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
check "1500 rows" test "$(sqlite3 "$db" 'SELECT count(*) FROM t')" -eq 1500

# An editor's save: swap file, backup by rename, temp file renamed over.
printf 'version 1\n' >"$MA/notes.txt"
printf 'swap' >"$MA/.notes.txt.swp"
: >"$MA/4913"
rm -f "$MA/4913"
mv "$MA/notes.txt" "$MA/notes.txt~"
printf 'version 2\n' >"$MA/notes.txt.tmp"
check "save: the temp file renamed over" mv "$MA/notes.txt.tmp" \
	"$MA/notes.txt"
check "the new version is there" sh -c \
	"test \"\$(cat '$MA/notes.txt')\" = 'version 2'"
check "the backup and the swap file show in the mount" \
	test -f "$MA/notes.txt~" -a -f "$MA/.notes.txt.swp"
echo "lock" >"$MA/.~lock.notes.txt#"
echo "owner" >"$MA/~\$notes.docx"

# ------------------------------------- round trip through the server
cp "$db" "$tmp/app.sqlite" || bail "copy of the database"
synced() {
	as "$B" sync docs >/dev/null 2>&1 &&
		rm -rf "$tmp/bob-out" &&
		as "$B" export /docs/cp "$tmp/bob-out" >/dev/null 2>&1 &&
		diff -r "$src" "$tmp/bob-out" >/dev/null 2>&1 &&
		as "$B" export /docs/notes.txt "$tmp/bob-notes" >/dev/null 2>&1 &&
		[ "$(cat "$tmp/bob-notes")" = "version 2" ] &&
		as "$B" export /docs/app.sqlite "$tmp/bob.sqlite" >/dev/null 2>&1 &&
		cmp -s "$tmp/app.sqlite" "$tmp/bob.sqlite"
}
check "the mount pushed it all: bob exports the same bytes" wait_for 60 synced
check "the saved notes" sh -c "test \"\$(cat '$tmp/bob-notes')\" = 'version 2'"
check_status "bob lists the workspace" 0 as "$B" --json ls /docs
check "editor temporary files did not reach the server" jq -e \
	'[.entries[].name] | (index("notes.txt~") == null) and
	 (index(".notes.txt.swp") == null) and (index("4913") == null) and
	 (index(".~lock.notes.txt#") == null) and
	 (index("~$notes.docx") == null) and (index("notes.txt") != null)' \
	"$tmp/out"
rm -rf "$tmp/bob-repo"
check_status "bob exports the git repository" 0 \
	as "$B" export /docs/repo "$tmp/bob-repo"
check "and git reads it: two commits" test \
	"$(git -C "$tmp/bob-repo" log --oneline | wc -l)" -eq 2

MB="$tmp/mnt-bob"
mnt "$B" "$MB" docs --keep-offline
check "bob's mount: the same tree as alice's" diff -r "$MA/cp" "$MB/cp"
check "bob's mount: the same database" cmp -s "$MA/app.sqlite" \
	"$MB/app.sqlite"
check "bob's mount does not show alice's swap file" \
	test ! -e "$MB/.notes.txt.swp"

# ------------------------------- another member's change, no manual sync
echo "from bob" >"$MB/from-bob.txt"
check "bob's change appears in alice's mount" wait_for 30 \
	grep -qx "from bob" "$MA/from-bob.txt"
echo "bob again" >"$tmp/bob2.txt"
as "$B2" import "$tmp/bob2.txt" /docs/sub-bob.txt >/dev/null &&
	as "$B2" sync docs >/dev/null || bail "bob's import"
check "an import by bob appears too" wait_for 30 \
	cmp -s "$tmp/bob2.txt" "$MA/sub-bob.txt"
rm "$MA/from-bob.txt"
check "alice's removal reaches bob's mount" wait_for 30 \
	test ! -e "$MB/from-bob.txt"

# ------------------------------------------------------ read-only
as "$C" sync pub >/dev/null || bail "carol syncs pub"
MR="$tmp/mnt-reader"
mnt "$C" "$MR" pub
check "JSON: a reader's mount is read-only" jq -e '.read_only == true' \
	"$tmp/out"
check "the reader reads" cmp -s "$tmp/pub.txt" "$MR/pub.txt"
"$suite" --readonly "$MR" >"$tmp/ro.tap" 2>&1
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "reader: ${line#ok * - }" ;;
	"not ok "*) not_ok "reader: ${line#not ok * - }" ;;
	esac
done <"$tmp/ro.tap"
check "the read-only suite ran to its end" grep -q '^1\.\.[1-9]' \
	"$tmp/ro.tap"
check_fails "a write by the reader fails" sh -c "echo x >'$MR/pub.txt'"
check "and the file is unchanged" cmp -s "$tmp/pub.txt" "$MR/pub.txt"

# -------------------------------------------------------- the past
sleep 1.2
past=$(date -u +%Y-%m-%dT%H:%M:%S)
sleep 1.2
printf 'version 3\n' >"$MA/notes.txt"
check "the new version reaches the server" wait_for 30 sh -c \
	"SCEAU_HOME='$B2' '$sceau' sync docs && SCEAU_HOME='$B2' '$sceau' cat \
	/docs/notes.txt | grep -qx 'version 3'"
MT="$tmp/mnt-past"
mnt "$A2" "$MT" docs --at "$past"
check "JSON: the past is read-only" jq -e '.read_only == true' "$tmp/out"
check "--at shows the past version" grep -qx 'version 2' "$MT/notes.txt"
check "while the live mount shows the present" grep -qx 'version 3' \
	"$MA/notes.txt"
check_fails "--at: writing fails" sh -c "echo x >'$MT/new.txt'"
check_fails "--at: mkdir fails" mkdir "$MT/newdir"
check_status "unmount the past by its folder" 0 "$sceau" unmount "$MT"
check_fails "no longer mounted" mountpoint -q "$MT"

# ------------------------------------------------- default folder
check_status "mount docs on the default folder" 0 env HOME="$tmp/home" \
	SCEAU_HOME="$A2" "$sceau" --json mount docs
mounts="$mounts $tmp/home/sceau/acme/docs"
check "~/sceau/ORG/NAME" jq -e --arg d "$tmp/home/sceau/acme/docs" \
	'.dir == $d' "$tmp/out"
check "it shows the workspace" cmp -s "$src/hello.txt" \
	"$tmp/home/sceau/acme/docs/cp/hello.txt"
check_status "unmount it" 0 "$sceau" unmount "$tmp/home/sceau/acme/docs"

# ---------------------------------- SIGTERM with a file open and written
MS="$tmp/mnt-term"
mnt "$B2" "$MS" docs
spid=$(jq -r .pid "$tmp/out")
exec 3>"$MS/open.txt"
printf 'written, not closed\n' >&3
check "the serving process runs" kill -0 "$spid"
kill -TERM "$spid"
gone() { ! kill -0 "$spid" 2>/dev/null; }
check "SIGTERM: it unmounts and exits" wait_for 60 gone
exec 3>&-
check_fails "no longer mounted" mountpoint -q "$MS"
check_status "the open file's writes were saved and synced" 0 \
	as "$A2" sync docs
check_status "(alice's second device reads it)" 0 as "$A2" cat /docs/open.txt
check "its content" grep -qx "written, not closed" "$tmp/out"

# ---------------------------------------------------- with sceau-agent
check_status "bob's second device unlocks in its agent" 0 \
	as "$B2" unlock
MG="$tmp/mnt-agent"
mnt "$B2" "$MG" docs
check "its log: the agent syncs, not the mount" wait_for 10 sh -c \
	"grep -q 'sync: by sceau-agent' '$B2'/devices/*/*/mounts/*/mount.log"
echo "through the agent" >"$MG/agent.txt"
check "the agent sends a file written there: alice's mount shows it" \
	wait_for 60 grep -qx "through the agent" "$MA/agent.txt"
echo "to the agent's device" >"$MA/to-agent.txt"
check "alice's change shows in the agent-synced mount" \
	wait_for 60 grep -qx "to the agent's device" "$MG/to-agent.txt"
check_status "unmount it" 0 "$sceau" unmount "$MG"
check_status "the agent stops" 0 as "$B2" agent stop

# ----------------------------------------------------------- offline
check "bob's mount (--keep-offline) has every file's blocks" wait_for 60 \
	sh -c "grep -q 'every file is available offline' \
	'$B'/devices/*/*/mounts/*/mount.log"
stop_server
echo "written offline" >"$MA/offline.txt"
check "writing works with the server down" grep -qx "written offline" \
	"$MA/offline.txt"
check "and reading" diff -r "$src" "$MA/cp"
check "bob's mount reads offline what it never read (--keep-offline)" \
	diff -r "$src" "$MB/tar/src"
check "and the database" cmp -s "$tmp/app.sqlite" "$MB/app.sqlite"
check "the sync failure is reported in the log" wait_for 15 sh -c \
	"grep -q 'sync: .*working offline' '$A'/devices/*/*/mounts/*/mount.log"

# ----------------------------------------------------------- unmount
check_status "unmount by workspace name (carol's reader mount)" 0 \
	"$sceau" --json unmount pub
check "JSON names it" jq -e '.unmounted[0].workspace == "pub"' "$tmp/out"
check_status "no workspace named, several: a usage error" 2 \
	as "$A2" mount
check_status "no workspace named, one: carol's (offline)" 0 \
	env HOME="$tmp/home2" SCEAU_HOME="$C" "$sceau" --json mount
mounts="$mounts $tmp/home2/sceau/acme/pub"
check "pub, on ~/sceau/acme/pub" jq -e --arg d "$tmp/home2/sceau/acme/pub" \
	'.dir == $d and .workspace == "pub"' "$tmp/out"
check "it shows pub" cmp -s "$tmp/pub.txt" "$tmp/home2/sceau/acme/pub/pub.txt"
check_status "unmount it" 0 "$sceau" unmount "$tmp/home2/sceau/acme/pub"
check_status "unmount alice's mount by folder" 0 "$sceau" unmount "$MA"
check_fails "no longer mounted" mountpoint -q "$MA"
check_status "unmount bob's mount" 0 "$sceau" unmount "$MB"
check_fails "bob's is gone too" mountpoint -q "$MB"
check_status "nothing mounted there" 7 "$sceau" unmount "$MB"
check_status "the offline file was kept in alice's store" 0 \
	as "$A" cat /docs/offline.txt
check "its content" grep -qx "written offline" "$tmp/out"
# The serving processes' own reports (sanitizers write there too).
cat "$tmp"/*/devices/*/*/mounts/*/mount.log >"$tmp/mount.logs" 2>/dev/null
check_fails "no sanitizer report from a serving process" grep -E \
	'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/mount.logs"
check "each of the 8 mounts said it unmounted" test \
	"$(grep -c ': unmounted$' "$tmp/mount.logs")" -eq 8

done_testing
