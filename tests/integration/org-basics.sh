#!/bin/sh
# Organizations end to end with the sceau program and a real server on
# 127.0.0.1: create and bootstrap an organization, members and externals,
# profile rules (client and server), revocation of users and devices,
# profile changes, freezing, key file protections.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice" B="$tmp/bob" E="$tmp/eve" A2="$tmp/alice2"

# as HOME ARGS...: run sceau as the person whose data directory is HOME.
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

# ---------------------------------------------------------------- admin
check_status "server create-org acme" 0 "$sceau" --json server create-org acme
link=$(jq -r .bootstrap_link "$tmp/out")
case "$link" in
"sceau://127.0.0.1:$srv_port/acme?a=bootstrap_organization&p="*"&no_ssl=1")
	ok "the bootstrap link points at the server and the organization" ;;
*) not_ok "the bootstrap link points at the server: $link" ;;
esac
printf 'wrong-token\n' >"$tmp/bad-token"
check_status "a wrong admin token is refused (exit 3)" 3 \
	"$sceau" server list-orgs --admin-token-file "$tmp/bad-token"
check_grep "and the error says why" "administration token refused" "$tmp/err"
check_status "creating acme twice is refused" 6 "$sceau" server create-org acme

# ------------------------------------------------------------ bootstrap
printf 'pw\n' >"$tmp/pw"
check_status "keyring and password together are a usage error" 2 \
	as "$A" org bootstrap "$link" --email alice@example.org --name "Alice A" \
	--keyring --password-file "$tmp/pw"
check_grep "which says they exclude each other" "exclude each other" "$tmp/err"
check_status "a card without the organization's PKI is a usage error" 2 \
	as "$A" org bootstrap "$link" --email alice@example.org --name "Alice A" \
	--token "pkcs11:token=none"
check_grep "which names --pki-ca" "needs --pki-ca" "$tmp/err"
check_status "alice bootstraps acme (keyring protection)" 0 \
	as "$A" org bootstrap "$link" --email alice@example.org --name "Alice A" \
	--device-label alice-laptop --keyring
check_grep "bootstrap says who alice is" "first administrator" "$tmp/out"
check_status "the link cannot be used twice" 6 \
	as "$tmp/mallory" org bootstrap "$link" --email m@example.org \
	--name Mallory --keyring
keyfile=$(find "$A/devices/acme" -name device.key)
check "the key file is mode 0600" test "$(stat -c %a "$keyfile")" = 600
check "the data directory is mode 0700" test "$(stat -c %a "$A")" = 700
check_status "whoami" 0 as "$A" --json whoami
check "whoami: alice, admin, keyring" jq -e \
	'.user.email == "alice@example.org" and .user.profile == "admin"
	 and .protection == "keyring" and .device_label == "alice-laptop"' \
	"$tmp/out"
check_status "status: up to date" 0 as "$A" --json status
check "status: 3 certificates, 1 active user, device active" jq -e \
	'.server_state == "up to date" and .certificates == 3
	 and .active_users == 1 and .device == "active"' "$tmp/out"

# --------------------------------------------------------------- people
"$prov" --admin-home "$A" --target-home "$B" --email bob@example.org \
	--name Bob --profile member --label bob-pc >"$tmp/bob.json" 2>"$tmp/err"
check "alice adds bob, a member" test $? -eq 0
bob=$(jq -r .user_id "$tmp/bob.json")
"$prov" --admin-home "$A" --target-home "$E" --email eve@partner.example \
	--name Eve --profile external --label eve-pc >"$tmp/eve.json" 2>"$tmp/err"
check "alice adds eve, an external" test $? -eq 0
eve=$(jq -r .user_id "$tmp/eve.json")

check_status "alice lists the users" 0 as "$A" --json user list
check "alice sees three users with their emails" jq -e \
	'[.users[].email] | sort == ["alice@example.org", "bob@example.org",
	 "eve@partner.example"]' "$tmp/out"
check_status "bob (member) lists the users" 0 as "$B" --json user list
check "a member sees names and emails" jq -e \
	'[.users[] | select(.email == "eve@partner.example")] | length == 1' \
	"$tmp/out"
check_status "eve (external) lists the users" 0 as "$E" --json user list
check "an external sees the users but no email nor name" jq -e \
	'(.users | length == 3) and ([.users[] | select(.user_id != "'"$eve"'")
	 | select(has("email") or has("name"))] | length == 0)' "$tmp/out"
check_status "eve's whoami" 0 as "$E" --json whoami
check "an external sees her own name and email" jq -e \
	'.user.email == "eve@partner.example" and .user.profile == "external"' \
	"$tmp/out"
check_status "user show by email" 0 as "$A" --json user show bob@example.org
check "shows bob, member, active" jq -e \
	'.user_id == "'"$bob"'" and .profile == "member" and .status == "active"' \
	"$tmp/out"
check_status "user show of nobody: not found (exit 7)" 7 \
	as "$A" user show nobody@example.org

# ------------------------------------------------------- profile rules
check_status "a member cannot revoke (refused locally, exit 6)" 6 \
	as "$B" user revoke eve@partner.example
check_grep "the refusal names the rule" "only an admin" "$tmp/err"
check_status "the server refuses it too (a client skipping its check)" 1 \
	"$prov" raw-revoke --admin-home "$B" --user "$eve"
check_grep "with CHAIN_NOT_ALLOWED from the chain rules" \
	"act not allowed to the certificate's author" "$tmp/err"
check_status "an admin cannot revoke herself" 6 \
	as "$A" user revoke alice@example.org
check_status "profiles are locked by default" 6 \
	as "$A" user set-profile bob@example.org admin
check_grep "and the error says so" "profiles cannot change" "$tmp/err"

# ---------------------------------------------------- devices, revocation
"$prov" device --admin-home "$A" --target-home "$A2" --label alice-phone \
	>"$tmp/dev.json" 2>"$tmp/err"
check "alice adds a second device" test $? -eq 0
dev2=$(jq -r .device_id "$tmp/dev.json")
check_status "the second device works" 0 as "$A2" --json whoami
check "as alice, on alice-phone" jq -e \
	'.user.email == "alice@example.org" and .device_label == "alice-phone"' \
	"$tmp/out"
check_status "device list shows alice's two devices" 0 as "$A" --json device list
check "two active devices, one of them this one" jq -e \
	'(.devices | length == 2) and ([.devices[] | select(.this_device)]
	 | length == 1)' "$tmp/out"
check_status "a device cannot revoke itself" 6 as "$A2" device revoke "$dev2"
check_status "alice revokes her lost phone" 0 as "$A" device revoke "$dev2"
check_status "the revoked device is cut off (exit 6)" 6 as "$A2" status
check_grep "with a clear error" "revoked" "$tmp/out"
check_status "alice herself still works" 0 as "$A" status

check_status "alice revokes bob" 0 as "$A" user revoke bob@example.org
check_status "bob is cut off from the server (exit 6)" 6 as "$B" status
check_grep "because he was revoked" "revoked" "$tmp/out"
check_status "user list --all shows bob revoked" 0 as "$A" --json user list --all
check "bob: revoked" jq -e \
	'[.users[] | select(.email == "bob@example.org")][0].status == "revoked"' \
	"$tmp/out"
check_status "user list hides revoked users by default" 0 as "$A" --json user list
check "two users left" jq -e '.users | length == 2' "$tmp/out"
check_status "revoking bob twice is refused" 1 as "$A" user revoke "$bob"

# ------------------------------------------------------ profile changes
check_status "server create-org beta" 0 "$sceau" --json server create-org beta
link2=$(jq -r .bootstrap_link "$tmp/out")
printf 'correct horse battery staple\n' >"$tmp/pw"
check_status "bootstrap beta, password-protected, profiles changeable" 0 \
	as "$tmp/carol" org bootstrap "$link2" --email carol@example.org \
	--name Carol --password-file "$tmp/pw" --allow-profile-change
"$prov" --admin-home "$tmp/carol" --admin-password "correct horse battery staple" \
	--target-home "$tmp/dan" --email dan@example.org --name Dan \
	--profile external >"$tmp/dan.json" 2>"$tmp/err"
check "carol adds dan, an external" test $? -eq 0
printf 'wrong\n' >"$tmp/badpw"
check_status "a wrong password is refused (exit 3)" 3 \
	as "$tmp/carol" whoami --password-file "$tmp/badpw"
check_grep "and named" "wrong password" "$tmp/err"
check_status "carol makes dan a member" 0 \
	as "$tmp/carol" user set-profile dan@example.org member \
	--password-file "$tmp/pw"
check_status "dan now sees emails" 0 as "$tmp/dan" --json user list
check "dan is a member and sees carol's email" jq -e \
	'[.users[] | select(.email == "carol@example.org")] | length == 1' \
	"$tmp/out"
check_status "device change-auth to keyring" 0 \
	as "$tmp/carol" device change-auth --to keyring --password-file "$tmp/pw"
check_status "then it opens without a password" 0 as "$tmp/carol" whoami
check_status "and back to a password" 0 \
	as "$tmp/carol" device change-auth --to password \
	--new-password-file "$tmp/pw"
check_status "which it asks again" 0 \
	as "$tmp/carol" whoami --password-file "$tmp/pw"

# ---------------------------------------------------------------- freeze
check_status "the admin freezes acme" 0 "$sceau" server freeze acme
check_status "a frozen organization's devices are refused" 6 as "$A" status
check_grep "frozen" "frozen" "$tmp/out"
check_status "unfreeze" 0 "$sceau" server unfreeze acme
check_status "and alice works again" 0 as "$A" status
check_status "stats" 0 "$sceau" --json server stats acme
check "stats: 3 users of which 2 active, devices and certificates counted" \
	jq -e '.users == 3 and .active_users == 2 and .certificates >= 9' \
	"$tmp/out"
check_status "list-orgs" 0 "$sceau" --json server list-orgs
check "acme and beta, bootstrapped" jq -e \
	'[.organizations[] | select(.bootstrapped) | .org_id] | sort
	 == ["acme", "beta"]' "$tmp/out"
stop_server
done_testing
