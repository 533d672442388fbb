#!/bin/sh
# Recovery devices end to end (issue 5) with the sceau program and a real
# server on 127.0.0.1: losing every device but having the recovery file
# loses nothing.  Alice exports a recovery file, loses her only data
# directory, enrolls a new device from the file and gets every byte back;
# wrong, mistyped and tampered inputs write nothing; a revoked recovery
# device is refused.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd cmp diff head od stat tr
sceau="$top_builddir/sceau"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice" N="$tmp/alice-new" K="$tmp/alice-keyring" R="$tmp/rec"
mkdir -p "$R" "$tmp/cwd"
printf 'a new password\n' >"$tmp/pw"

as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--device-label alice-laptop --keyring >/dev/null || bail "bootstrap"
as "$A" --json whoami >"$tmp/who.json" || bail "whoami"
alice=$(jq -r .user_id "$tmp/who.json")
laptop=$(jq -r .device_id "$tmp/who.json")

# Content: a small tree and a file of a few blocks.
mkdir -p "$tmp/src/sub/deep"
echo "hello, world" >"$tmp/src/hello.txt"
printf 'deep\n' >"$tmp/src/sub/deep/file.txt"
: >"$tmp/src/sub/empty.txt"
head -c 1500000 /dev/urandom >"$tmp/big.bin"
check_status "alice creates a workspace" 0 as "$A" workspace create docs
check_status "imports a tree" 0 as "$A" import "$tmp/src" /docs/src
check_status "and a big file" 0 as "$A" import "$tmp/big.bin" /docs/big.bin
check_status "and syncs" 0 as "$A" sync

# --------------------------------------------------------------- export
rec="$R/alice.sceau-recovery"
check_status "export-recovery --json" 0 \
	as "$A" --json device export-recovery --out "$rec"
check "JSON: ids, label, file and a grouped passphrase" jq -e \
	--arg u "$alice" --arg f "$rec" \
	'.org_id == "acme" and .user_id == $u and .file == $f
	 and (.device_id | test("^[0-9a-f]{32}$"))
	 and (.device_label | test("^recovery [0-9]{4}-[0-9]{2}-[0-9]{2}$"))
	 and (.passphrase | test("^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){5}$"))' \
	"$tmp/out"
pp=$(jq -r .passphrase "$tmp/out")
rdev=$(jq -r .device_id "$tmp/out")
check "the recovery file is mode 0600" test "$(stat -c %a "$rec")" = 600
check "and is a recovery file" test "$(head -c 8 "$rec")" = SCEAUREC
check_fails "the passphrase is not in the file" grep -q "$pp" "$rec"
cp "$rec" "$tmp/rec.orig"
check_status "exporting over an existing file is refused" 6 \
	as "$A" device export-recovery --out "$rec"
check_grep "and says why" "not replaced" "$tmp/err"
check "the file is left as it was" cmp -s "$rec" "$tmp/rec.orig"

# Default name, in the current directory, and the text output.
check_status "export-recovery with the default file name" 0 \
	sh -c 'cd "$1" && SCEAU_HOME="$2" "$3" device export-recovery' sh \
	"$tmp/cwd" "$A" "$sceau"
check_grep "the passphrase is shown once" "shown this once only" "$tmp/out"
check_grep "with what to do with it" "Write the passphrase down" "$tmp/out"
rec2=$(ls "$tmp/cwd")
case "$rec2" in
"sceau-recovery-acme-alice@example.org-"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]".sceau-recovery")
	ok "named sceau-recovery-ORG-EMAIL-DATE.sceau-recovery" ;;
*) not_ok "named sceau-recovery-ORG-EMAIL-DATE.sceau-recovery: $rec2" ;;
esac
rec2="$tmp/cwd/$rec2"
pp2=$(sed -n 's/^    \([0-9A-Z-]\{35\}\)$/\1/p' "$tmp/out")
check "the text output shows the passphrase" test -n "$pp2"
check_status "device list" 0 as "$A" --json device list
check "three devices: the laptop and two recovery devices" jq -e \
	--arg r "$rdev" '(.devices | length == 3)
	 and ([.devices[] | select(.device_id == $r)] | length == 1)' "$tmp/out"

# ------------------------------------------------------ every device lost
rm -rf "$A"
check "alice's data directory is gone" test ! -e "$A"
printf '%s\n' "$pp2" >"$tmp/pp2"
check_status "another recovery file's passphrase is refused (exit 3)" 3 \
	as "$N" device import-recovery "$rec" --passphrase-file "$tmp/pp2" \
	--password-file "$tmp/pw"
check_grep "as a wrong passphrase" "does not open this recovery file" \
	"$tmp/err"
check "and nothing is written" test ! -e "$N"
# One symbol changed: the check group catches it before any key is derived.
first=$(printf '%s' "$pp" | head -c 1)
case "$first" in 2) other=3 ;; *) other=2 ;; esac
printf '%s%s\n' "$other" "$(printf '%s' "$pp" | cut -c 2-)" >"$tmp/typo"
check_status "a mistyped passphrase is refused (exit 3)" 3 \
	as "$N" device import-recovery "$rec" --passphrase-file "$tmp/typo" \
	--password-file "$tmp/pw"
check_grep "and named" "written or typed wrong" "$tmp/err"
check "nothing is written" test ! -e "$N"
printf '%s\n' "$pp" >"$tmp/pp"
cp "$rec" "$tmp/tampered.sceau-recovery"
size=$(stat -c %s "$rec")
# One byte of the ciphertext changed (to X, or Y if it was an X).
for c in X Y; do
	printf '%s' "$c" | dd of="$tmp/tampered.sceau-recovery" bs=1 \
		seek=$((size - 20)) conv=notrunc 2>/dev/null
	cmp -s "$rec" "$tmp/tampered.sceau-recovery" || break
done
check_status "a tampered recovery file is refused (exit 4)" 4 \
	as "$N" device import-recovery "$tmp/tampered.sceau-recovery" \
	--passphrase-file "$tmp/pp" --password-file "$tmp/pw"
check_grep "as altered" "recovery file altered or damaged" "$tmp/err"
check "nothing is written" test ! -e "$N"
head -c 300 /dev/urandom >"$tmp/junk"
check_status "a file that is no recovery file is refused" 1 \
	as "$N" device import-recovery "$tmp/junk" --passphrase-file "$tmp/pp" \
	--password-file "$tmp/pw"
check "nothing is written" test ! -e "$N"

# Lower case and no dashes: the same passphrase.
printf '%s\n' "$pp" | tr -d '-' | tr 'A-Z' 'a-z' >"$tmp/pp-typed"
check_status "import-recovery in a fresh data directory" 0 \
	as "$N" --json device import-recovery "$rec" \
	--passphrase-file "$tmp/pp-typed" --password-file "$tmp/pw" \
	--label alice-new
check "JSON: alice's new device, vouched for by the recovery device" jq -e \
	--arg u "$alice" --arg r "$rdev" \
	'.org_id == "acme" and .user_id == $u and .recovery_device_id == $r
	 and .device_label == "alice-new" and (.device_id | test("^[0-9a-f]{32}$"))
	 and .device_id != $r' "$tmp/out"
new=$(jq -r .device_id "$tmp/out")
keyfile=$(find "$N/devices/acme" -name device.key)
check "its key file is mode 0600" test "$(stat -c %a "$keyfile")" = 600
check_status "whoami on the new device" 0 \
	as "$N" --json whoami --password-file "$tmp/pw"
check "alice, admin, password-protected" jq -e \
	'.user.email == "alice@example.org" and .user.profile == "admin"
	 and .protection == "password" and .device_label == "alice-new"' \
	"$tmp/out"

# ------------------------------------------------------- nothing is lost
check_status "the new device syncs" 0 as "$N" sync --password-file "$tmp/pw"
check_status "exports the tree" 0 \
	as "$N" export /docs/src "$tmp/back-src" --password-file "$tmp/pw"
check "byte for byte" diff -r "$tmp/src" "$tmp/back-src"
check_status "exports the big file" 0 \
	as "$N" export /docs/big.bin "$tmp/back-big.bin" --password-file "$tmp/pw"
check "byte for byte" cmp -s "$tmp/big.bin" "$tmp/back-big.bin"
echo "written after the recovery" >"$tmp/after.txt"
check_status "writes a new file" 0 \
	as "$N" import "$tmp/after.txt" /docs/after.txt --password-file "$tmp/pw"
check_status "and syncs it" 0 as "$N" sync --password-file "$tmp/pw"
check_status "device list" 0 \
	as "$N" --json device list --password-file "$tmp/pw"
check "the new device is listed as this one" jq -e --arg n "$new" \
	'[.devices[] | select(.device_id == $n and .this_device
	 and .label == "alice-new")] | length == 1' "$tmp/out"
check_status "alice revokes her lost laptop from the new device" 0 \
	as "$N" device revoke "$laptop" --password-file "$tmp/pw"

# ------------------------------------------------ reuse, then revocation
check_status "the recovery file serves again (keyring protection)" 0 \
	as "$K" device import-recovery "$rec" --passphrase-file "$tmp/pp" \
	--keyring --label alice-desk
check_grep "and says it stays valid" "stays valid" "$tmp/out"
check_status "that device syncs" 0 as "$K" sync
check_status "and reads what the other wrote" 0 as "$K" cat /docs/after.txt
check "the same bytes" cmp -s "$tmp/out" "$tmp/after.txt"
check_status "alice revokes the recovery device" 0 \
	as "$N" device revoke "$rdev" --password-file "$tmp/pw"
check_status "its recovery file is refused now (exit 6)" 6 \
	as "$tmp/alice-3" --json device import-recovery "$rec" \
	--passphrase-file "$tmp/pp" --password-file "$tmp/pw"
check "with DEVICE_REVOKED in the JSON error" jq -e \
	'.error.code == "SCEAU_ERR_DEVICE_REVOKED"
	 and (.error.detail | test("revoked"))' "$tmp/out"
jq -r '.error.detail' "$tmp/out" >&2
check "nothing is written" test ! -e "$tmp/alice-3"
check_status "the other recovery file still works" 0 \
	as "$tmp/alice-4" device import-recovery "$rec2" \
	--passphrase-file "$tmp/pp2" --password-file "$tmp/pw"
check_status "the devices enrolled from the revoked one still work" 0 \
	as "$K" status
stop_server
done_testing
